package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Dynamic sessions end to end: N clients send to a service VIP:port on the DPDK interface; each first
 * datagram reaches userspace (AF_XDP → {@link SessionLoopMain}), which creates the session, installs its
 * two rules (owner SESSION) and forwards that datagram to the backend through DPDK TX; every later
 * datagram, both ways, is rewritten by XDP alone (DPDK's RX count stays at N); idle sessions go.
 *
 * <p>Smallest topology: one segment. Clients (10.211.0.2) and backends (10.211.0.3, .4) sit in the peer
 * namespace behind dp1; VIP and egress address are both dp0's 10.211.0.1. A session's rules send packets
 * back out of the interface they came in on, so XDP answers with XDP_TX (hairpin), which needs no second
 * interface the PMD does not own; dp1 runs xdp_pass so that veth delivers XDP_TX'd frames. The FIB
 * lookup in the DPDK namespace finds permanent neighbours for the peers.
 */
class SessionLoopTest {
    static final int CLIENTS = 20;
    static final int LATER = 5;
    static final int VIP_PORT = 3478;
    static final String PEER_MAC = "02:78:72:00:01:02";
    static final List<String> BACKENDS = List.of("10.211.0.3", "10.211.0.4");
    static final int BACKEND_PORT = 7000;
    static final long STEP_MS = 60_000;
    static final Pattern STATS = Pattern.compile("STATS ipackets=(\\d+) opackets=(\\d+).*");

    @Test
    void firstPacketsThroughDpdkCreateSessionsAndTheRestGoesThroughXdp() throws Exception {
        Path object = Files.createTempFile("xdprecon-xdp_fwd-", ".o");
        Process process;
        List<Thread> echoes = new ArrayList<>();
        List<DatagramSocket> sockets = new ArrayList<>();
        try (DpdkPair pair = DpdkPair.start();
                BpfObject lab = BpfObject.openBundled("xdp_lab", null)) {
            Files.write(object, BpfObject.bundledElf(Datapath.OBJECT));
            lab.load();
            NetNs.run(pair.peerNs, () -> Xdp.attach(NetNs.ifindex("dp1"), lab.program("xdp_pass"), XdpMode.NATIVE));
            for (String b : BACKENDS) {
                Lab.ip("-n", pair.peerNs, "addr", "add", b + "/24", "dev", "dp1");
                Lab.ip("-n", pair.dpdkNs, "neigh", "replace", b, "lladdr", PEER_MAC, "dev", "dp0", "nud", "permanent");
            }
            Lab.ip("-n", pair.dpdkNs, "neigh", "replace", DpdkPair.PEER_IP, "lladdr", PEER_MAC, "dev", "dp0", "nud", "permanent");
            Lab.inNs(pair.dpdkNs, "sysctl", "-q", "-w", "net.ipv4.conf.all.forwarding=1", "net.ipv4.conf.dp0.forwarding=1",
                    "net.ipv4.conf.dp0.accept_local=1");
            try (Datapath datapath = Datapath.load(pair.pinRoot, 0)) {
                datapath.localIps().add(Ipv4.parse(DpdkPair.LOCAL_IP));
            }
            // backends: echo "backend-IP:" + payload
            for (String b : BACKENDS) {
                DatagramSocket s = peerSocket(pair, b, BACKEND_PORT, 0);
                sockets.add(s);
                echoes.add(Thread.ofPlatform().daemon().start(() -> echo(s, b)));
            }
            List<DatagramSocket> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                DatagramSocket c = peerSocket(pair, DpdkPair.PEER_IP, 20000 + i, 5000);
                clients.add(c);
                sockets.add(c);
            }

            String script = "mount --bind \"$0\" /sys/fs/bpf && mkdir -p /run/dpdk"
                    + " && mount -t tmpfs -o mode=0700 xdprecon-dpdk /run/dpdk && exec \"$@\"";
            List<String> neigh = new ArrayList<>();
            neigh.add(DpdkPair.PEER_IP + "=" + PEER_MAC);
            BACKENDS.forEach(b -> neigh.add(b + "=" + PEER_MAC));
            List<String> command = List.of("nsenter", "--net=/run/netns/" + pair.dpdkNs,
                    "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, pair.pinRoot.toString(),
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    SessionLoopMain.class.getName(), "dp0", Integer.toString(pair.dp0), object.toString(),
                    DpdkPair.LOCAL_IP + ":" + VIP_PORT, DpdkPair.LOCAL_IP, "40000-40099",
                    String.join(",", BACKENDS.stream().map(b -> b + ":" + BACKEND_PORT).toList()), "3000", String.join(",", neigh));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            DpdkPair.Child child = new DpdkPair.Child(process);
            try (AutoCloseable killChild = killer(process)) {
                child.await("READY", STEP_MS);
                InetSocketAddress vip = new InetSocketAddress(DpdkPair.LOCAL_IP, VIP_PORT);
                Map<Integer, String> backendOf = new HashMap<>();
                // round 1: each client's first datagram goes through DPDK and reaches a backend
                for (int i = 0; i < CLIENTS; i++) {
                    String reply = exchange(clients.get(i), vip, "c" + i + "-0");
                    String backend = reply.substring(0, reply.indexOf(':'));
                    assertTrue(BACKENDS.contains(backend), reply);
                    assertEquals(backend + ":c" + i + "-0", reply);
                    backendOf.put(i, backend);
                }
                assertTrue(backendOf.values().stream().distinct().count() == 2, "both backends used: " + backendOf);
                // the two rules of each session are in the map, owner SESSION, derived like a static flow's
                Map<FlowKey, FlowRule> sessionRules = new HashMap<>();
                try (Datapath pinned = Datapath.openPinned(pair.pinRoot)) {
                    pinned.rules().readAll().forEach((k, r) -> {
                        if (r.owner() == Owner.SESSION) {
                            sessionRules.put(k, r);
                        }
                    });
                    assertEquals(2 * CLIENTS, sessionRules.size(), sessionRules.toString());
                    int vipIp = Ipv4.parse(DpdkPair.LOCAL_IP);
                    for (int i = 0; i < CLIENTS; i++) {
                        FlowKey fwd = new FlowKey(pair.dp0, Ipv4.parse(DpdkPair.PEER_IP), vipIp, 20000 + i, VIP_PORT);
                        FlowKey t = sessionRules.get(fwd).rewrite();
                        assertEquals(Ipv4.parse(backendOf.get(i)), t.dstIp());
                        FlowKey rev = new FlowKey(pair.dp0, t.dstIp(), vipIp, BACKEND_PORT, t.srcPort());
                        assertEquals(new FlowKey(pair.dp0, vipIp, Ipv4.parse(DpdkPair.PEER_IP), VIP_PORT, 20000 + i),
                                sessionRules.get(rev).rewrite());
                    }
                    // round 2: later datagrams go through XDP only, both ways
                    for (int k = 1; k <= LATER; k++) {
                        for (int i = 0; i < CLIENTS; i++) {
                            assertEquals(backendOf.get(i) + ":c" + i + "-" + k, exchange(clients.get(i), vip, "c" + i + "-" + k));
                        }
                    }
                    long fwdPackets = 0;
                    long revPackets = 0;
                    for (Map.Entry<FlowKey, FlowRule> e : sessionRules.entrySet()) {
                        FlowCounters c = pinned.rules().counters(e.getKey());
                        if (e.getKey().dstIp() == vipIp && e.getKey().dstPort() == VIP_PORT) {
                            assertEquals(LATER, c.packets(), "forward " + e.getKey());
                            fwdPackets += c.packets();
                        } else {
                            assertEquals(LATER + 1, c.packets(), "reverse " + e.getKey());
                            revPackets += c.packets();
                        }
                    }
                    assertEquals((long) CLIENTS * LATER, fwdPackets);
                    assertEquals((long) CLIENTS * (LATER + 1), revPackets);
                    // idle sessions go: both rules of every session, within idle timeout (3 s) + sweeps
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (pinned.rules().keysOwnedBy(Owner.SESSION).size() > 0 && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertEquals(List.of(), pinned.rules().keysOwnedBy(Owner.SESSION), "idle sessions left rules");
                }
                try (OutputStream in = process.getOutputStream()) {
                    in.write("STOP\n".getBytes(StandardCharsets.US_ASCII));
                }
                assertEquals(0, child.finish(STEP_MS), child.text());
                Matcher st = STATS.matcher(child.lines("STATS").getFirst());
                assertTrue(st.matches(), child.text());
                assertEquals(CLIENTS, Long.parseLong(st.group(1)), "DPDK RX: exactly one datagram per session\n" + child.text());
                assertEquals(CLIENTS, Long.parseLong(st.group(2)), "DPDK TX\n" + child.text());
                String table = child.lines("TABLE").getFirst();
                assertTrue(table.contains("created=" + CLIENTS + ",") && table.contains("expired=" + CLIENTS + ","), table);
                assertTrue(child.lines("LOOP").getFirst().contains("forwarded=" + CLIENTS + ","), child.text());
                System.out.println("SessionLoopTest child: " + child.lines("EXPIRED") + " " + child.lines("LOOP") + " "
                        + table + " " + child.lines("STATS"));
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        } finally {
            sockets.forEach(DatagramSocket::close);
            Files.deleteIfExists(object);
        }
    }

    /** Kills the child (if still running) before the pair tears its namespaces and pins down. */
    static AutoCloseable killer(Process process) {
        return () -> {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        };
    }

    static DatagramSocket peerSocket(DpdkPair pair, String ip, int port, int timeoutMillis) {
        return NetNs.call(pair.peerNs, () -> {
            DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            DatagramSocket s = channel.socket();
            s.setSoTimeout(timeoutMillis);
            return s;
        });
    }

    static String exchange(DatagramSocket client, InetSocketAddress vip, String payload) throws IOException {
        byte[] bytes = payload.getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(bytes, bytes.length, vip));
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        client.receive(reply);
        assertEquals(vip, reply.getSocketAddress(), "reply not from the VIP");
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
    }

    static void echo(DatagramSocket s, String name) {
        byte[] buf = new byte[2048];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                byte[] out = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII))
                        .getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            }
        } catch (IOException closed) {
            // socket closed at the end of the test
        }
    }
}
