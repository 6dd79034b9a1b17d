package io.xdprecon.tests.e2e;

import static io.xdprecon.lab.Lab.CLIENT2_IP;
import static io.xdprecon.lab.Lab.CLIENT_IP;
import static io.xdprecon.lab.Lab.PROXY_CLIENT_SIDE_IP;
import static io.xdprecon.lab.Lab.PROXY_SERVER_SIDE_IP;
import static io.xdprecon.lab.Lab.SERVER_IP;
import static io.xdprecon.lab.Lab.VIP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.traffic.UdpCounters;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real packets through the XDP datapath in the {@link Lab}: client → proxy (xdp_main on pc and ps)
 * → server and back. Rules are derived from what the packets must look like on the wire, and every
 * test checks the addresses the receiving socket sees, the per-flow counters and the datapath
 * counters. One lab for the class; each test uses its own ports and removes its rules.
 */
class RelayEndToEndTest {
    private static final int N = 200;
    private static final int PAYLOAD = 32;
    /** Ethernet + IPv4 (ihl 5) + UDP headers: what the datapath counts per packet on top of the payload. */
    private static final int HEADERS = 14 + 20 + 8;

    private static Lab lab;
    private static Datapath datapath;

    @BeforeAll
    static void startLab() {
        lab = Lab.start();
        datapath = lab.datapath();
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void crossInterfaceRedirectRewritesBothDirections() throws IOException {
        int pc = lab.pc().ifindex();
        int ps = lab.ps().ifindex();
        // Client → VIP arrives on pc; it must leave ps as proxy(.2.1):40000 → server:50000.
        FlowKey request = FlowKey.of(pc, CLIENT_IP, 20000, VIP, 30000);
        FlowRule requestRule = new FlowRule(FlowKey.of(ps, PROXY_SERVER_SIDE_IP, 40000, SERVER_IP, 50000), Owner.CONFIG);
        // The server answers proxy(.2.1):40000 on ps; it must leave pc as VIP:30000 → client:20000.
        FlowKey reply = FlowKey.of(ps, SERVER_IP, 50000, PROXY_SERVER_SIDE_IP, 40000);
        FlowRule replyRule = new FlowRule(FlowKey.of(pc, VIP, 30000, CLIENT_IP, 20000), Owner.CONFIG);
        datapath.rules().put(request, requestRule);
        datapath.rules().put(reply, replyRule);
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 20000);
                DatagramSocket server = lab.udpSocket(lab.serverNs(), SERVER_IP, 50000)) {
            Map<Stat, Long> before = datapath.stats().read();

            pingPong(client, server, "redirect", N, new InetSocketAddress(VIP, 30000),
                    new InetSocketAddress(PROXY_SERVER_SIDE_IP, 40000), new InetSocketAddress(VIP, 30000));

            FlowCounters expected = new FlowCounters(N, (long) N * (HEADERS + PAYLOAD));
            assertEquals(expected, datapath.rules().counters(request), "counters of " + request);
            assertEquals(expected, datapath.rules().counters(reply), "counters of " + reply);
            assertEquals(expectedDelta(Map.of(Stat.REWRITE_HIT, 2L * N, Stat.REDIRECT_OUT, 2L * N)), delta(before));
        } finally {
            datapath.rules().remove(request);
            datapath.rules().remove(reply);
        }
    }

    @Test
    void hairpinFlowLeavesThroughItsIngressInterface() throws IOException {
        int pc = lab.pc().ifindex();
        // Client .2 → VIP:30001 leaves pc again as VIP:40001 → .3:50001, a second host on the same segment.
        FlowKey request = FlowKey.of(pc, CLIENT_IP, 20001, VIP, 30001);
        FlowRule requestRule = new FlowRule(FlowKey.of(pc, VIP, 40001, CLIENT2_IP, 50001), Owner.CONFIG);
        FlowKey reply = FlowKey.of(pc, CLIENT2_IP, 50001, VIP, 40001);
        FlowRule replyRule = new FlowRule(FlowKey.of(pc, VIP, 30001, CLIENT_IP, 20001), Owner.SESSION);
        datapath.rules().put(request, requestRule);
        datapath.rules().put(reply, replyRule);
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 20001);
                DatagramSocket peer = lab.udpSocket(lab.clientNs(), CLIENT2_IP, 50001)) {
            Map<Stat, Long> before = datapath.stats().read();

            pingPong(client, peer, "hairpin", N, new InetSocketAddress(VIP, 30001),
                    new InetSocketAddress(VIP, 40001), new InetSocketAddress(VIP, 30001));

            FlowCounters expected = new FlowCounters(N, (long) N * (HEADERS + PAYLOAD));
            assertEquals(expected, datapath.rules().counters(request));
            assertEquals(expected, datapath.rules().counters(reply));
            assertEquals(expectedDelta(Map.of(Stat.REWRITE_HIT, 2L * N, Stat.HAIRPIN_TX, 2L * N)), delta(before));
        } finally {
            datapath.rules().remove(request);
            datapath.rules().remove(reply);
        }
    }

    @Test
    void missToLocalIpWithoutAfXdpSocketFallsBackToKernel() throws IOException {
        int vip = Ipv4.parse(VIP);
        assertTrue(datapath.localIps().add(vip), "VIP was already a local IP");
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 21000);
                DatagramSocket app = lab.udpSocket(lab.proxyNs(), VIP, 31000)) {
            long steeredBefore = datapath.localIps().readAll().get(vip);
            Map<Stat, Long> before = datapath.stats().read();

            byte[] payload = payload("afxdp", 0);
            client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(VIP, 31000)));
            DatagramPacket got = receive(app);

            assertEquals(new InetSocketAddress(CLIENT_IP, 21000), got.getSocketAddress(), "source untouched");
            assertArrayEquals(payload, data(got));
            assertEquals(expectedDelta(Map.of(Stat.REWRITE_MISS, 1L, Stat.AFXDP_FALLBACK, 1L, Stat.PASS_TO_KERNEL, 1L)),
                    delta(before));
            assertEquals(steeredBefore + 1, datapath.localIps().readAll().get(vip), "packets steered toward AF_XDP for the VIP");
        } finally {
            datapath.localIps().remove(vip);
        }
    }

    @Test
    void missToNonLocalIpGoesToKernelUntouched() throws IOException {
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 22000);
                DatagramSocket proxy = lab.udpSocket(lab.proxyNs(), PROXY_CLIENT_SIDE_IP, 32000)) {
            Map<Stat, Long> before = datapath.stats().read();

            byte[] payload = payload("nonlocal", 0);
            client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(PROXY_CLIENT_SIDE_IP, 32000)));
            DatagramPacket got = receive(proxy);

            assertEquals(new InetSocketAddress(CLIENT_IP, 22000), got.getSocketAddress());
            assertArrayEquals(payload, data(got));
            assertEquals(expectedDelta(Map.of(Stat.REWRITE_MISS, 1L, Stat.PASS_TO_KERNEL, 1L)), delta(before),
                    "no AF_XDP counter may move for an address that is not local");
        }
    }

    @Test
    void replacingARuleTargetKeepsItsCounters() throws IOException {
        int pc = lab.pc().ifindex();
        int ps = lab.ps().ifindex();
        FlowKey request = FlowKey.of(pc, CLIENT_IP, 20002, VIP, 30002);
        FlowRule first = new FlowRule(FlowKey.of(ps, PROXY_SERVER_SIDE_IP, 40002, SERVER_IP, 50002), Owner.CONFIG);
        FlowRule second = new FlowRule(FlowKey.of(ps, PROXY_SERVER_SIDE_IP, 40012, SERVER_IP, 50002), Owner.CONFIG);
        int frame = HEADERS + PAYLOAD;
        datapath.rules().put(request, first);
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 20002);
                DatagramSocket server = lab.udpSocket(lab.serverNs(), SERVER_IP, 50002)) {
            oneWay(client, server, "before", 10, new InetSocketAddress(VIP, 30002), new InetSocketAddress(PROXY_SERVER_SIDE_IP, 40002));
            assertEquals(new FlowCounters(10, 10L * frame), datapath.rules().counters(request));

            datapath.rules().put(request, second);
            assertEquals(second, datapath.rules().get(request).orElseThrow());
            assertEquals(new FlowCounters(10, 10L * frame), datapath.rules().counters(request), "replace reset the counters");

            // The new target is live, and the same counters keep counting.
            oneWay(client, server, "after", 5, new InetSocketAddress(VIP, 30002), new InetSocketAddress(PROXY_SERVER_SIDE_IP, 40012));
            assertEquals(new FlowCounters(15, 15L * frame), datapath.rules().counters(request));
        } finally {
            datapath.rules().remove(request);
        }
        assertEquals(FlowCounters.ZERO, datapath.rules().counters(request), "remove must drop the counters with the rule");
    }

    /**
     * No neighbour entry for the next hop: {@code bpf_fib_lookup} says NO_NEIGH, xdp_main passes the
     * rewritten packet, the kernel forwards it and resolves the neighbour, and the next packet takes
     * the fast path. The rewritten source is the proxy's own address, so this works only with
     * {@code accept_local=1} on the ingress interface (the lab sets it); without it the kernel drops
     * the packet as a martian and never resolves the neighbour — checked first.
     */
    @Test
    void unresolvedNextHopGoesThroughTheKernelOnceThenTheFastPath() throws IOException {
        int pc = lab.pc().ifindex();
        int ps = lab.ps().ifindex();
        String proxy = lab.proxyNs();
        FlowKey request = FlowKey.of(pc, CLIENT_IP, 20004, VIP, 30004);
        datapath.rules().put(request, new FlowRule(FlowKey.of(ps, PROXY_SERVER_SIDE_IP, 40004, SERVER_IP, 50004), Owner.CONFIG));
        Lab.ip("-n", proxy, "neigh", "del", SERVER_IP, "dev", "ps");
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 20004);
                DatagramSocket server = lab.udpSocket(lab.serverNs(), SERVER_IP, 50004, 300)) {
            InetSocketAddress vip = new InetSocketAddress(VIP, 30004);
            byte[] lost = payload("martian", 0);
            Lab.inNs(proxy, "sysctl", "-q", "-w", "net.ipv4.conf.pc.accept_local=0");
            try {
                Map<Stat, Long> before = datapath.stats().read();
                client.send(new DatagramPacket(lost, lost.length, vip));
                assertThrows(SocketTimeoutException.class, () -> receive(server), "forwarded without accept_local");
                assertEquals(1L, delta(before).get(Stat.FIB_PASS));
                assertTrue(neighbour(proxy).isEmpty(), "the kernel tried to resolve: " + neighbour(proxy));
            } finally {
                Lab.inNs(proxy, "sysctl", "-q", "-w", "net.ipv4.conf.pc.accept_local=1");
            }

            Map<Stat, Long> before = datapath.stats().read();
            oneWay(client, server, "noneigh", 1, vip, new InetSocketAddress(PROXY_SERVER_SIDE_IP, 40004));
            Map<Stat, Long> first = delta(before);
            assertEquals(1L, first.get(Stat.REWRITE_HIT));
            assertEquals(1L, first.get(Stat.FIB_PASS), "first packet: the kernel forwards it");
            assertEquals(0L, first.get(Stat.REDIRECT_OUT));
            assertTrue(neighbour(proxy).contains(lab.s0().mac()), "neighbour resolved: " + neighbour(proxy));

            before = datapath.stats().read();
            oneWay(client, server, "resolved", 1, vip, new InetSocketAddress(PROXY_SERVER_SIDE_IP, 40004));
            assertEquals(expectedDelta(Map.of(Stat.REWRITE_HIT, 1L, Stat.REDIRECT_OUT, 1L)), delta(before), "second packet: XDP");
            assertEquals(3, datapath.rules().counters(request).packets());
        } finally {
            Lab.ip("-n", proxy, "neigh", "replace", SERVER_IP, "lladdr", lab.s0().mac(), "dev", "ps", "nud", "permanent");
            datapath.rules().remove(request);
        }
    }

    private static String neighbour(String ns) {
        return Lab.ip("-n", ns, "neigh", "show", SERVER_IP, "dev", "ps").strip();
    }

    /**
     * Why the lab turns TX checksum offload off on c0: with it on, the veth hands over
     * CHECKSUM_PARTIAL packets whose UDP checksum field holds only the pseudo-header sum; the XDP
     * rewrite adjusts that field and the redirect delivers it to the server as a final checksum,
     * which the server's UDP layer rejects. A kernel or veth change that makes this pass would show
     * up here first.
     */
    @Test
    void senderChecksumOffloadBreaksRewrittenChecksumsSoTheLabTurnsItOff() throws IOException {
        int pc = lab.pc().ifindex();
        int ps = lab.ps().ifindex();
        FlowKey request = FlowKey.of(pc, CLIENT_IP, 20003, VIP, 30003);
        datapath.rules().put(request, new FlowRule(FlowKey.of(ps, PROXY_SERVER_SIDE_IP, 40003, SERVER_IP, 50003), Owner.CONFIG));
        int sent = 5;
        try (DatagramSocket client = lab.udpSocket(lab.clientNs(), CLIENT_IP, 20003);
                DatagramSocket server = lab.udpSocket(lab.serverNs(), SERVER_IP, 50003, 300)) {
            long csumErrorsBefore = UdpCounters.of(lab.serverNs()).get("InCsumErrors");
            Lab.inNs(lab.clientNs(), "ethtool", "-K", "c0", "tx", "on");
            try {
                for (int i = 0; i < sent; i++) {
                    byte[] payload = payload("offload", i);
                    client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(VIP, 30003)));
                }
                assertThrows(SocketTimeoutException.class, () -> server.receive(new DatagramPacket(new byte[2048], 2048)),
                        "a packet with a partial checksum arrived intact after the rewrite");
                assertEquals(sent, datapath.rules().counters(request).packets(), "the datapath rewrote them");
                assertEquals(csumErrorsBefore + sent, UdpCounters.of(lab.serverNs()).get("InCsumErrors"), "server's UDP InCsumErrors");
            } finally {
                Lab.inNs(lab.clientNs(), "ethtool", "-K", "c0", "tx", "off");
            }
            // Offload off again: the same flow works.
            oneWay(client, server, "offload-off", 3, new InetSocketAddress(VIP, 30003), new InetSocketAddress(PROXY_SERVER_SIDE_IP, 40003));
        } finally {
            datapath.rules().remove(request);
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    /**
     * Sends {@code n} distinct datagrams from {@code a} to {@code target}, one at a time; each must
     * reach {@code b} from {@code seenByB}, and {@code b}'s answer must reach {@code a} from
     * {@code seenByA}. Lock-step, so no socket buffer can overflow and a loss fails at once.
     */
    private static void pingPong(DatagramSocket a, DatagramSocket b, String tag, int n, InetSocketAddress target,
            InetSocketAddress seenByB, InetSocketAddress seenByA) throws IOException {
        for (int i = 0; i < n; i++) {
            byte[] request = payload(tag + "-req", i);
            a.send(new DatagramPacket(request, request.length, target));
            DatagramPacket atB = receive(b);
            assertEquals(seenByB, atB.getSocketAddress(), "source seen by the far end, datagram " + i);
            assertArrayEquals(request, data(atB), "payload of datagram " + i);

            byte[] answer = payload(tag + "-rep", i);
            b.send(new DatagramPacket(answer, answer.length, atB.getSocketAddress()));
            DatagramPacket atA = receive(a);
            assertEquals(seenByA, atA.getSocketAddress(), "source of reply " + i);
            assertArrayEquals(answer, data(atA), "payload of reply " + i);
        }
    }

    private static void oneWay(DatagramSocket from, DatagramSocket to, String tag, int n, InetSocketAddress target,
            InetSocketAddress seenByReceiver) throws IOException {
        for (int i = 0; i < n; i++) {
            byte[] payload = payload(tag, i);
            from.send(new DatagramPacket(payload, payload.length, target));
            DatagramPacket got = receive(to);
            assertEquals(seenByReceiver, got.getSocketAddress(), "source of datagram " + i);
            assertArrayEquals(payload, data(got));
        }
    }

    /** A distinct payload of exactly {@link #PAYLOAD} bytes. */
    static byte[] payload(String tag, int i) {
        byte[] text = (tag + "#" + i).getBytes(StandardCharsets.US_ASCII);
        if (text.length > PAYLOAD) {
            throw new IllegalArgumentException("tag too long: " + tag);
        }
        byte[] bytes = new byte[PAYLOAD];
        Arrays.fill(bytes, (byte) '.');
        System.arraycopy(text, 0, bytes, 0, text.length);
        return bytes;
    }

    /** Receives one datagram within the socket's timeout (fails the test with SocketTimeoutException). */
    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        socket.receive(packet);
        return packet;
    }

    private static byte[] data(DatagramPacket packet) {
        return Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
    }

    private static Map<Stat, Long> delta(Map<Stat, Long> before) {
        Map<Stat, Long> after = datapath.stats().read();
        Map<Stat, Long> delta = new EnumMap<>(Stat.class);
        for (Stat stat : Stat.values()) {
            delta.put(stat, after.get(stat) - before.get(stat));
        }
        return delta;
    }

    /** Every counter zero except those given. */
    private static Map<Stat, Long> expectedDelta(Map<Stat, Long> moved) {
        Map<Stat, Long> expected = new EnumMap<>(Stat.class);
        for (Stat stat : Stat.values()) {
            expected.put(stat, moved.getOrDefault(stat, 0L));
        }
        return expected;
    }

    /** UDP InCsumErrors of a namespace, read from /proc/thread-self/net/snmp by a thread inside it. */
}
