package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.dataplane.netns.NetNs;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The DPDK bindings end to end, in a child JVM ({@link DpdkEchoMain}; EAL is once per process) on a
 * veth pair ({@link DpdkPair}): the AF_XDP PMD loads and attaches {@code xdp_fwd.o}; datagrams the
 * peer sends to the local IP miss the rules, hit {@code xdp_local_ips} and are redirected through
 * {@code xsks_map} to DPDK RX; one answer goes back through DPDK TX.
 */
class DpdkAfXdpTest {
    private static final int LOCAL_PORT = 5000;
    private static final int PEER_PORT = 6000;
    private static final int DATAGRAMS = 8;
    private static final long STEP_TIMEOUT_MS = 60_000;
    private static final Pattern IDLE = Pattern.compile("IDLE bursts=(\\d+) ns_per_burst=([\\d.]+) allocated_bytes=(\\d+) stray=(\\d+)");

    @Test
    void childJvmReceivesTheDatagramsThroughAfXdpAndAnswersThroughDpdkTx() throws Exception {
        long t0 = System.nanoTime();
        try (DpdkPair pair = DpdkPair.start()) {
            long before;
            try (Datapath datapath = Datapath.load(pair.pinRoot, 0)) {
                datapath.localIps().add(Ipv4.parse(DpdkPair.LOCAL_IP));
                before = datapath.stats().read().get(Stat.AFXDP_REDIRECT);
            }
            DatagramSocket peer = pair.peerSocket(PEER_PORT, 10_000);
            DpdkPair.Child child = pair.startChild(DATAGRAMS, 20_000);
            try {
                child.await("READY", STEP_TIMEOUT_MS);
                long tReady = System.nanoTime();
                // The PMD attached our xdp_main (with UPDATE_IF_NOEXIST) to dp0.
                Optional<Xdp.Attachment> attached = NetNs.call(pair.dpdkNs, () -> Xdp.query(pair.dp0));
                assertTrue(attached.isPresent(), "no XDP program on dp0 while DPDK runs");
                assertEquals("xdp_main", BpfProgram.describe(attached.get().programId()).orElseThrow().name());

                List<String> sent = new ArrayList<>();
                for (int i = 0; i < DATAGRAMS; i++) {
                    String payload = "dpdk-" + pair.id + "-" + i;
                    sent.add(payload);
                    byte[] bytes = payload.getBytes(StandardCharsets.US_ASCII);
                    peer.send(new DatagramPacket(bytes, bytes.length, InetAddress.getByName(DpdkPair.LOCAL_IP), LOCAL_PORT));
                }
                DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
                peer.receive(reply);
                long tReply = System.nanoTime();
                assertEquals(DpdkEchoMain.REPLY_PREFIX + sent.getLast(),
                        new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));
                assertEquals(new InetSocketAddress(DpdkPair.LOCAL_IP, LOCAL_PORT), reply.getSocketAddress());

                assertEquals(0, child.finish(STEP_TIMEOUT_MS), "child failed:\n" + child.text());
                assertTrue(child.output.contains("DONE"), child.text());
                List<String> received = new ArrayList<>();
                for (String line : child.lines("RX ")) {
                    assertTrue(line.contains("src=" + DpdkPair.PEER_IP + ":" + PEER_PORT + " dst=" + DpdkPair.LOCAL_IP + ":" + LOCAL_PORT), line);
                    received.add(new String(HexFormat.of().parseHex(line.substring(line.indexOf("payload=") + 8)), StandardCharsets.US_ASCII));
                }
                assertEquals(sent, received, "datagrams DPDK received:\n" + child.text());

                try (Datapath pinned = Datapath.openPinned(pair.pinRoot)) {
                    long after = pinned.stats().read().get(Stat.AFXDP_REDIRECT);
                    assertEquals(DATAGRAMS, after - before, "AFXDP_REDIRECT before " + before + ", after " + after);
                }
                // The PMD detaches its program when the port closes.
                assertEquals(Optional.empty(), NetNs.call(pair.dpdkNs, () -> Xdp.query(pair.dp0)));

                // The burst path allocates nothing: a million idle RX bursts, less than a byte each.
                Matcher idle = IDLE.matcher(child.lines("IDLE").getFirst());
                assertTrue(idle.matches(), child.text());
                assertTrue(Long.parseLong(idle.group(3)) < Long.parseLong(idle.group(1)), "the burst path allocates: " + idle.group());
                System.out.printf("DpdkAfXdpTest: child ready after %d ms, reply %d ms after ready, total %d ms; child: %s%n",
                        (tReady - t0) / 1_000_000, (tReply - tReady) / 1_000_000, (System.nanoTime() - t0) / 1_000_000,
                        child.output.stream().filter(l -> l.startsWith("READY") || l.startsWith("RXDONE") || l.startsWith("IDLE")
                                || l.startsWith("STATS") || l.startsWith("CLOSED")).toList());
            } catch (AssertionError | Exception e) {
                System.err.println("DPDK child output:\n" + child.text());
                throw e;
            }
        }
    }

    /**
     * DPDK 22.11's PMD attaches {@code xdp_prog=} with UPDATE_IF_NOEXIST: on an interface that already
     * runs XDP the queue setup fails, and closing the port then removes the program that was there,
     * though the PMD did not attach it.
     */
    @Test
    void thePmdRefusesAnInterfaceThatAlreadyRunsXdpAndItsCloseDetachesThatProgram() throws Exception {
        try (DpdkPair pair = DpdkPair.start();
                BpfObject lab = BpfObject.openBundled("xdp_lab", null)) {
            lab.load();
            BpfProgram pass = lab.program("xdp_pass");
            NetNs.run(pair.dpdkNs, () -> Xdp.attach(pair.dp0, pass, XdpMode.NATIVE));
            assertEquals(pass.id(), NetNs.call(pair.dpdkNs, () -> Xdp.query(pair.dp0)).orElseThrow().programId());

            DpdkPair.Child child = pair.startChild(1, 5_000);
            try {
                int status = child.finish(STEP_TIMEOUT_MS);
                assertNotEquals(0, status, child.text());
                String failure = child.lines("FAIL").getFirst();
                assertTrue(failure.contains("rte_eth_rx_queue_setup net_af_xdp0 queue 0 failed: Invalid argument (22)"), failure);
                assertTrue(child.text().contains("XDP program already attached"), child.text());
                assertEquals(Optional.empty(), NetNs.call(pair.dpdkNs, () -> Xdp.query(pair.dp0)),
                        "the PMD's close left the foreign program attached");
            } catch (AssertionError | Exception e) {
                System.err.println("DPDK child output:\n" + child.text());
                throw e;
            }
        }
    }
}
