package io.xdprecon.tests.dpdk;

import static io.xdprecon.tests.dpdk.SessionLoopTest.STEP_MS;
import static io.xdprecon.tests.dpdk.SessionLoopTest.exchange;
import static io.xdprecon.tests.dpdk.SessionLoopTest.pick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.daemon.admin.SessionsJson;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * IPv6 sessions through DPDK end to end, beside IPv4 ones, on a dual-stack lab: one config with a service per family
 * on the same interface and port range; each client's first datagram reaches the production loop over AF_XDP (XDP
 * steers a miss to a local IPv6 address through {@code xdp_local_ips6}), which makes the session, writes its two
 * rules into {@code xdp_rules6} (the IPv4 ones into the rules map) and sends that datagram to the backend itself;
 * every later datagram, both ways, is XDP's alone. ICMPv6 echo requests to the IPv6 VIP are answered by the loop.
 * A second client port carrying the first one's session identity is that session after a NAT rebinding. A restarted
 * loop adopts both families' sessions from the pinned maps, and their traffic never reaches DPDK again. And
 * {@code xdprecon run} does the same from its config: apply makes the IPv6 service's addresses local, and
 * {@code xdprecon sessions} shows the IPv6 session with its counters.
 *
 * <pre>
 *   xr-ID-d                                          xr-ID-e
 *   dp0 10.211.0.1, 2001:db8:211::1 (DPDK, VIPs) ─── dp1 10.211.0.2, 2001:db8:211::2 (clients)
 *                                                        backends 10.211.0.3, .4 and 2001:db8:211::3, ::4
 * </pre>
 */
class DualStackSessionLoopTest {
    static final int CLIENTS6 = 8;
    static final int CLIENTS4 = 4;
    static final int LATER = 5;
    static final int PORT = LoopConfig.VIP_PORT;
    static final int BACKEND_PORT = SessionLoopTest.BACKEND_PORT;
    static final List<String> BACKENDS4 = SessionLoopTest.BACKENDS;
    static final List<String> BACKENDS6 = List.of("2001:db8:211::3", "2001:db8:211::4");

    @Test
    void ipv6ClientsGetSessionsThroughDpdkBesideIpv4OnesAndTheRestGoesThroughXdp() throws Exception {
        try (Setup lab = new Setup()) {
            List<DatagramSocket> clients6 = lab.clients(DpdkPair.PEER_IP6, 23000, CLIENTS6);
            List<DatagramSocket> clients4 = lab.clients(DpdkPair.PEER_IP, 23000, CLIENTS4);
            DpdkPair.Child child = lab.startLoop(60_000);
            try {
                child.await("READY", STEP_MS);
                Map<Integer, String> backendOf = new HashMap<>();
                for (int i = 0; i < CLIENTS6; i++) {
                    String reply = exchange(clients6.get(i), lab.vip6, "id" + i + "-0");
                    String backend = backend(reply);
                    assertTrue(BACKENDS6.stream().map(DualStackSessionLoopTest::name).toList().contains(backend), reply);
                    backendOf.put(i, backend);
                }
                assertEquals(2, backendOf.values().stream().distinct().count(), "both IPv6 backends used: " + backendOf);
                for (int i = 0; i < CLIENTS4; i++) {
                    assertTrue(BACKENDS4.contains(backend(exchange(clients4.get(i), lab.vip4, "v4-" + i))));
                }
                // both rules of each IPv6 session in xdp_rules6, derived like a static flow's; the IPv4 ones in the rules map
                Map<FlowKey6, FlowRule6> rules6 = lab.sessionRules6();
                assertEquals(2 * CLIENTS6, rules6.size(), rules6.toString());
                for (int i = 0; i < CLIENTS6; i++) {
                    FlowRule6 forward = rules6.get(new FlowKey6(lab.pair.dp0, lab.peer6, lab.vipIp6, 23000 + i, PORT));
                    assertNotNull(forward, "no session rule for IPv6 client " + i + ": " + rules6.keySet());
                    FlowKey6 t = forward.rewrite();
                    assertEquals(new FlowKey6(lab.pair.dp0, lab.vipIp6, v6(backendOf.get(i).replace('_', ':')), t.srcPort(), BACKEND_PORT), t);
                    assertEquals(new FlowKey6(lab.pair.dp0, lab.vipIp6, lab.peer6, PORT, 23000 + i),
                            rules6.get(new FlowKey6(lab.pair.dp0, t.dstIp(), lab.vipIp6, BACKEND_PORT, t.srcPort())).rewrite());
                }
                assertEquals(2 * CLIENTS4, lab.sessionRules4().size());
                // later datagrams: XDP only, both ways, both families
                for (int k = 1; k <= LATER; k++) {
                    for (int i = 0; i < CLIENTS6; i++) {
                        assertEquals(backendOf.get(i) + ":id" + i + "-" + k, exchange(clients6.get(i), lab.vip6, "id" + i + "-" + k));
                    }
                    for (int i = 0; i < CLIENTS4; i++) {
                        assertTrue(exchange(clients4.get(i), lab.vip4, "v4-" + i + "-" + k).endsWith(":v4-" + i + "-" + k));
                    }
                }
                try (Datapath pinned = Datapath.openPinned(lab.pair.pinRoot)) {
                    for (FlowKey6 key : rules6.keySet()) {
                        boolean forward = key.dstIp().equals(lab.vipIp6) && key.dstPort() == PORT;
                        // forward: the later datagrams; reverse: every reply, the first one's included
                        assertEquals(forward ? LATER : LATER + 1, pinned.rules6().counters(key).packets(),
                                (forward ? "forward " : "reverse ") + key);
                    }
                }
                // ICMPv6 echo to the IPv6 VIP: answered by the loop (XDP steers echo requests, not ND, to AF_XDP)
                String ping = Lab.run(List.of("ip", "netns", "exec", lab.pair.peerNs, "ping", "-6", "-n", "-c", "3", "-i", "0.2",
                        "-W", "2", DpdkPair.LOCAL_IP6));
                assertTrue(ping.contains("3 packets transmitted, 3 received"), ping);
                // NAT rebinding: client 0's identity (the payload's first 3 bytes, "id0") from a new port is its session
                DatagramSocket rebound = lab.clients(DpdkPair.PEER_IP6, 24000, 1).getFirst();
                assertEquals(backendOf.get(0) + ":id0-moved", exchange(rebound, lab.vip6, "id0-moved"));
                for (int k = 0; k < LATER; k++) {
                    assertEquals(backendOf.get(0) + ":id0-m" + k, exchange(rebound, lab.vip6, "id0-m" + k));
                }
                Map<FlowKey6, FlowRule6> after = lab.sessionRules6();
                assertEquals(2 * CLIENTS6, after.size(), "the session moved, no new one: " + after.keySet());
                assertTrue(after.containsKey(new FlowKey6(lab.pair.dp0, lab.peer6, lab.vipIp6, 24000, PORT)));
                assertTrue(!after.containsKey(new FlowKey6(lab.pair.dp0, lab.peer6, lab.vipIp6, 23000, PORT)), "old forward rule gone");

                SessionLoopTest.Setup.stop(child);
                Map<String, Long> table = child.counters("TABLE");
                assertEquals(Map.of("created", (long) CLIENTS6 + CLIENTS4, "rebound", 1L, "slow_path_packets",
                        (long) CLIENTS6 + CLIENTS4 + 1), pick(table, "created", "rebound", "slow_path_packets"), child.text());
                assertEquals(Map.of("echo_answered", 3L, "forwarded", CLIENTS6 + CLIENTS4 + 1 + 3L, "malformed", 0L),
                        pick(child.counters("LOOP"), "echo_answered", "forwarded", "malformed"), child.text());
                assertEquals(CLIENTS6 + CLIENTS4 + 1 + 3, SessionLoopTest.Setup.dpdkRx(child),
                        "DPDK RX: one datagram per session, the rebinding one, the echoes\n" + child.text());
            } catch (AssertionError | Exception e) {
                System.err.println("dual-stack loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    @Test
    void aRestartedLoopAdoptsIpv6SessionsBesideIpv4OnesAndTheirTrafficStaysInXdp() throws Exception {
        try (Setup lab = new Setup()) {
            List<DatagramSocket> clients6 = lab.clients(DpdkPair.PEER_IP6, 25000, CLIENTS6);
            List<DatagramSocket> clients4 = lab.clients(DpdkPair.PEER_IP, 25000, CLIENTS4);
            Map<Integer, String> backendOf = new HashMap<>();
            DpdkPair.Child first = lab.startLoop(60_000);
            try {
                first.await("READY", STEP_MS);
                for (int i = 0; i < CLIENTS6; i++) {
                    backendOf.put(i, backend(exchange(clients6.get(i), lab.vip6, "a" + i)));
                }
                for (int i = 0; i < CLIENTS4; i++) {
                    backendOf.put(100 + i, backend(exchange(clients4.get(i), lab.vip4, "a" + i)));
                }
                SessionLoopTest.Setup.stop(first);
            } catch (AssertionError | Exception e) {
                System.err.println("first loop:\n" + first.text());
                throw e;
            }
            Map<FlowKey6, FlowRule6> before6 = lab.sessionRules6();
            Map<FlowKey, FlowRule> before4 = lab.sessionRules4();
            assertEquals(2 * CLIENTS6, before6.size(), "a stopped loop leaves its IPv6 sessions' rules");
            DpdkPair.Child second = lab.startLoop(60_000);
            try {
                String ready = second.await("READY", STEP_MS);
                assertTrue(ready.endsWith("adopted=" + (CLIENTS6 + CLIENTS4) + " orphans=0"), ready);
                for (int k = 0; k < LATER; k++) {
                    for (int i = 0; i < CLIENTS6; i++) {
                        assertEquals(backendOf.get(i) + ":b" + i, exchange(clients6.get(i), lab.vip6, "b" + i), "same backend");
                    }
                    for (int i = 0; i < CLIENTS4; i++) {
                        assertEquals(backendOf.get(100 + i) + ":b" + i, exchange(clients4.get(i), lab.vip4, "b" + i));
                    }
                }
                assertEquals(before6, lab.sessionRules6(), "adopted IPv6 sessions keep their rules");
                assertEquals(before4, lab.sessionRules4());
                SessionLoopTest.Setup.stop(second);
                assertEquals(0, SessionLoopTest.Setup.dpdkRx(second), "adopted sessions' traffic stays in XDP\n" + second.text());
                assertEquals(Map.of("created", 0L, "adopted", (long) CLIENTS6 + CLIENTS4),
                        pick(second.counters("TABLE"), "created", "adopted"), second.text());
            } catch (AssertionError | Exception e) {
                System.err.println("second loop:\n" + second.text());
                throw e;
            }
        }
    }

    /**
     * The daemon runs IPv6 sessions: its apply makes the IPv6 service's addresses local ({@code xdp_local_ips6}; the
     * lab preloads nothing), its loop makes a session of a first IPv6 datagram, and {@code xdprecon sessions} shows
     * it — the client as {@code [address]:port}, the DPDK packet, and both rules' fast-path counters from
     * {@code xdp_rules6} — as the metrics show its port.
     */
    @Test
    void theDaemonRunsIpv6SessionsAndShowsThemWithTheirFastPathCounters() throws Exception {
        try (Setup lab = new Setup(false)) {
            DpdkPair.Child daemon = DaemonDpdkTest.startDaemon(lab.pair, lab.config(60_000));
            try {
                DaemonDpdkTest.await(lab.pair, "/status", body -> body.contains("\"lastAppliedRevision\" : \""), daemon);
                DatagramSocket client = lab.clients(DpdkPair.PEER_IP6, 26000, 1).getFirst();
                String backend = backend(exchange(client, lab.vip6, "x0"));
                for (int k = 1; k <= LATER; k++) {
                    assertEquals(backend + ":x" + k, exchange(client, lab.vip6, "x" + k));
                }
                List<SessionRow> rows = SessionsJson.read(DaemonDpdkTest.cli(lab.pair, "sessions", "--json"));
                assertEquals(1, rows.size(), rows.toString());
                SessionRow s = rows.getFirst();
                assertEquals("relay6", s.service());
                assertEquals(new Endpoint(lab.peer6, 26000), s.client());
                assertEquals(new Endpoint(v6(backend.replace('_', ':')), BACKEND_PORT), s.backend());
                assertTrue(s.installed(), s.toString());
                assertEquals(1, s.slowPackets(), "DPDK forwarded the first datagram only");
                // forward: the later datagrams; reverse: every reply, the first one's included
                assertEquals(2L * LATER + 1, s.fastPackets(), s.toString());
                String table = DaemonDpdkTest.cli(lab.pair, "sessions");
                assertTrue(table.contains("relay6") && table.contains("[" + DpdkPair.PEER_IP6 + "]:26000"), table);
                String metrics = DaemonDpdkTest.await(lab.pair, "/metrics",
                        body -> body.contains("xdprecon_session_setups_total 1.0"), daemon);
                assertTrue(metrics.lines().anyMatch("xdprecon_session_ports_used{service=\"relay6\"} 1.0"::equals), metrics);
                daemon.process.destroy();
                assertTrue(daemon.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "daemon did not stop:\n"
                        + daemon.text());
            } catch (AssertionError | Exception e) {
                DaemonDpdkTest.stopAndPrint(daemon);
                throw e;
            }
        }
    }

    static IpAddress.V6 v6(String text) {
        long[] a = Ipv6.parse(text);
        return new IpAddress.V6(a[0], a[1]);
    }

    /** The backend's name in an echoed reply {@code NAME:PAYLOAD}. */
    static String backend(String reply) {
        return reply.substring(0, reply.indexOf(':'));
    }

    /** How an IPv6 backend names itself in its replies (no colons: they end the name). */
    static String name(String ipv6) {
        return ipv6.replace(':', '_');
    }

    /** The dual-stack pair, xdp_pass on dp1, echoing backends of both families (IPv6 ones named by {@link #name}), the datapath loaded with both VIPs local. */
    static final class Setup implements AutoCloseable {
        final DpdkPair pair = DpdkPair.startDualStack();
        final BpfObject lab;
        final Path dir;
        final List<DatagramSocket> sockets = new ArrayList<>();
        final InetSocketAddress vip4 = new InetSocketAddress(DpdkPair.LOCAL_IP, PORT);
        final InetSocketAddress vip6 = new InetSocketAddress(DpdkPair.LOCAL_IP6, PORT);
        final IpAddress.V6 vipIp6 = v6(DpdkPair.LOCAL_IP6);
        final IpAddress.V6 peer6 = v6(DpdkPair.PEER_IP6);

        Setup() throws IOException {
            this(true);
        }

        /** With {@code local}, the datapath pinned with both VIPs local; without, nothing pinned (a daemon applies it). */
        Setup(boolean local) throws IOException {
            try {
                lab = BpfObject.openBundled("xdp_lab", null);
                dir = Files.createTempDirectory("xdprecon-loop6-");
                lab.load();
                NetNs.run(pair.peerNs, () -> Xdp.attach(NetNs.ifindex("dp1"), lab.program("xdp_pass"), XdpMode.NATIVE));
                for (String b : BACKENDS4) {
                    Lab.ip("-n", pair.peerNs, "addr", "add", b + "/24", "dev", "dp1");
                    Lab.ip("-n", pair.dpdkNs, "neigh", "replace", b, "lladdr", SessionLoopTest.PEER_MAC, "dev", "dp0", "nud", "permanent");
                }
                for (String b : BACKENDS6) {
                    Lab.ip("-n", pair.peerNs, "addr", "add", b + "/64", "dev", "dp1", "nodad");
                    Lab.ip("-n", pair.dpdkNs, "neigh", "replace", b, "lladdr", SessionLoopTest.PEER_MAC, "dev", "dp0", "nud", "permanent");
                }
                for (String peer : List.of(DpdkPair.PEER_IP, DpdkPair.PEER_IP6)) {
                    Lab.ip("-n", pair.dpdkNs, "neigh", "replace", peer, "lladdr", SessionLoopTest.PEER_MAC, "dev", "dp0", "nud", "permanent");
                }
                Lab.inNs(pair.dpdkNs, "sysctl", "-q", "-w", "net.ipv4.conf.all.forwarding=1", "net.ipv4.conf.dp0.forwarding=1",
                        "net.ipv4.conf.dp0.accept_local=1", "net.ipv6.conf.all.forwarding=1");
                if (local) {
                    try (Datapath datapath = Datapath.load(pair.pinRoot, 0)) {
                        datapath.localIps().add(Ipv4.parse(DpdkPair.LOCAL_IP));
                        datapath.localIps6().add(vipIp6);
                    }
                }
                for (String b : BACKENDS4) {
                    DatagramSocket s = socket(b, BACKEND_PORT, 0);
                    Thread.ofPlatform().daemon().start(() -> SessionLoopTest.echo(s, b));
                }
                for (String b : BACKENDS6) {
                    DatagramSocket s = socket(b, BACKEND_PORT, 0);
                    Thread.ofPlatform().daemon().start(() -> SessionLoopTest.echo(s, name(b)));
                }
            } catch (RuntimeException | Error | IOException e) {
                close();
                throw e;
            }
        }

        DatagramSocket socket(String ip, int port, int timeoutMillis) {
            DatagramSocket socket = SessionLoopTest.bind(pair.peerNs, ip, port, timeoutMillis);
            sockets.add(socket);
            return socket;
        }

        List<DatagramSocket> clients(String ip, int firstPort, int n) {
            List<DatagramSocket> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(socket(ip, firstPort + i, 5000));
            }
            return clients;
        }

        /**
         * The loop over a config with two services on dp0's port 3478: relay (IPv4) and relay6 (IPv6, whose sessions
         * are identified by the payload's first 3 bytes), the same egress port range.
         */
        DpdkPair.Child startLoop(int idleMillis) throws IOException {
            return pair.startJava(DpdkLoopMain.class.getName(), config(idleMillis).toString(), "edge-1", "bridge");
        }

        /** The config of {@link #startLoop}, written to a new file. */
        Path config(int idleMillis) throws IOException {
            return config(idleMillis, BACKEND_PORT);
        }

        /** The config of {@link #startLoop} with the backends on {@code backendPort}, written to a new file. */
        Path config(int idleMillis, int backendPort) throws IOException {
            String yaml = """
                    apiVersion: xdprecon.io/v1
                    interfaces:
                      lan: { device: dp0 }
                    localIps: [%1$s, "%2$s"]
                    datapath: { mode: dpdk, icmpEcho: answer }
                    services:
                      - name: relay
                        listen: { interface: lan, address: %1$s, port: %3$d }
                        backends: [%4$s]
                        egress: { interface: lan, address: %1$s, ports: 40000-40099 }
                        idleTimeout: %6$dms
                      - name: relay6
                        listen: { interface: lan, address: "%2$s", port: %3$d }
                        backends: [%5$s]
                        egress: { interface: lan, address: "%2$s", ports: 40000-40099 }
                        idleTimeout: %6$dms
                        identity: { offset: 0, length: 3 }
                    """.formatted(DpdkPair.LOCAL_IP, DpdkPair.LOCAL_IP6, PORT,
                    String.join(", ", BACKENDS4.stream().map(b -> b + ":" + backendPort).toList()),
                    String.join(", ", BACKENDS6.stream().map(b -> "\"[" + b + "]:" + backendPort + "\"").toList()), idleMillis);
            Path config = Files.createTempFile(dir, "loop6-", ".yaml");
            Files.writeString(config, yaml);
            return config;
        }

        Map<FlowKey6, FlowRule6> sessionRules6() {
            Map<FlowKey6, FlowRule6> rules = new HashMap<>();
            try (Datapath pinned = Datapath.openPinned(pair.pinRoot)) {
                pinned.rules6().readAll().forEach((k, r) -> {
                    if (r.owner() == Owner.SESSION) {
                        rules.put(k, r);
                    }
                });
            }
            return rules;
        }

        Map<FlowKey, FlowRule> sessionRules4() {
            return SessionLoopTest.Setup.sessionRules(pair.pinRoot);
        }

        @Override
        public void close() {
            SessionLoopTest.Setup.close(sockets, lab, dir, pair);
        }
    }
}
