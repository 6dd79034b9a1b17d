package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
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
import io.xdprecon.sessions.Rendezvous;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Dynamic sessions end to end: N clients send to a service VIP:port on the DPDK interface; each first
 * datagram reaches userspace (AF_XDP → the production {@link io.xdprecon.daemon.dpdk.DpdkLoop}, run by
 * {@link DpdkLoopMain} in a child JVM), which creates the session, installs its
 * two rules (owner SESSION) and forwards that datagram to the backend through DPDK TX; every later
 * datagram, both ways, is rewritten by XDP alone (DPDK's RX count stays at N); idle sessions go.
 *
 * <p>Topology: the clients (10.212.0.2) sit in their own namespace behind the peer namespace, which
 * masquerades them (nftables, source ports 30000-30999) onto dp1's 10.211.0.2 — the proxy sees only the
 * NAT's address and port, and the tests compare the sessions' keys with the NAT's conntrack table. The
 * backends (10.211.0.3, .4) sit in the peer namespace on dp1; VIP and egress address are both dp0's
 * 10.211.0.1. A session's rules send packets back out of the interface they came in on, so XDP answers
 * with XDP_TX (hairpin), which needs no second interface the PMD does not own; dp1 runs xdp_pass so that
 * veth delivers XDP_TX'd frames. The FIB lookup in the DPDK namespace, and the loop's next hops (the kernel's
 * neighbour table), find permanent neighbours for the peers.
 * <pre>
 *   xr-ID-c                   xr-ID-e (NAT + backends)                 xr-ID-d
 *   cl0 10.212.0.2 ── nat0 10.212.0.1 │ masquerade │ dp1 10.211.0.2 ── dp0 10.211.0.1 (DPDK, VIP)
 *                                       backends 10.211.0.3, .4 on dp1
 * </pre>
 */
class SessionLoopTest {
    static final int CLIENTS = 20;
    static final int LATER = 5;
    static final int VIP_PORT = LoopConfig.VIP_PORT;
    static final String PEER_MAC = "02:78:72:00:01:02";
    static final List<String> BACKENDS = List.of("10.211.0.3", "10.211.0.4");
    static final int BACKEND_PORT = 7000;
    static final long STEP_MS = 60_000;
    static final Pattern STATS = Pattern.compile("STATS ipackets=(\\d+) opackets=(\\d+).*");
    static final String CLIENT_IP = "10.212.0.2";
    static final String NAT_INSIDE_IP = "10.212.0.1";
    static final int NAT_FIRST_PORT = 30000;
    static final int NAT_LAST_PORT = 30999;

    @Test
    void firstPacketsThroughDpdkCreateSessionsAndTheRestGoesThroughXdp() throws Exception {
        try (Setup lab = new Setup()) {
            List<DatagramSocket> clients = lab.clients(20000, CLIENTS);
            // idle timeout: longer than round 1 and its checks take on a loaded machine, or a session could
            // expire before its later datagrams and be made again through DPDK
            DpdkPair.Child child = lab.startLoop("40000-40099", 6000);
            try {
                child.await("READY", STEP_MS);
                Map<Integer, String> backendOf = new HashMap<>();
                // round 1: each client's first datagram goes through DPDK and reaches a backend
                for (int i = 0; i < CLIENTS; i++) {
                    String reply = exchange(clients.get(i), lab.vip, "c" + i + "-0");
                    String backend = reply.substring(0, reply.indexOf(':'));
                    assertTrue(BACKENDS.contains(backend), reply);
                    assertEquals(backend + ":c" + i + "-0", reply);
                    backendOf.put(i, backend);
                }
                assertTrue(backendOf.values().stream().distinct().count() == 2, "both backends used: " + backendOf);
                // the two rules of each session are in the map, owner SESSION, derived like a static flow's from
                // the client as the NAT put it on the wire (its conntrack table says which port)
                Map<FlowKey, FlowRule> sessionRules = lab.sessionRules();
                assertEquals(2 * CLIENTS, sessionRules.size(), sessionRules.toString());
                for (int i = 0; i < CLIENTS; i++) {
                    int wire = lab.wirePort(20000 + i);
                    FlowRule forward = sessionRules.get(lab.forwardKey(wire));
                    assertTrue(forward != null, "no session for client " + i + " at NAT port " + wire + ": " + sessionRules.keySet());
                    FlowKey t = forward.rewrite();
                    assertEquals(new FlowKey(lab.pair.dp0, lab.vipIp, Ipv4.parse(backendOf.get(i)), t.srcPort(), BACKEND_PORT), t);
                    FlowKey rev = new FlowKey(lab.pair.dp0, t.dstIp(), lab.vipIp, BACKEND_PORT, t.srcPort());
                    assertEquals(new FlowKey(lab.pair.dp0, lab.vipIp, Ipv4.parse(DpdkPair.PEER_IP), VIP_PORT, wire),
                            sessionRules.get(rev).rewrite());
                }
                // round 2: later datagrams go through XDP only, both ways
                for (int k = 1; k <= LATER; k++) {
                    for (int i = 0; i < CLIENTS; i++) {
                        assertEquals(backendOf.get(i) + ":c" + i + "-" + k, exchange(clients.get(i), lab.vip, "c" + i + "-" + k));
                    }
                }
                try (Datapath pinned = Datapath.openPinned(lab.pair.pinRoot)) {
                    for (FlowKey key : sessionRules.keySet()) {
                        FlowCounters c = pinned.rules().counters(key);
                        boolean forward = key.dstIp() == lab.vipIp && key.dstPort() == VIP_PORT;
                        // forward: the later datagrams; reverse: every reply, the first one's included
                        assertEquals(forward ? LATER : LATER + 1, c.packets(), (forward ? "forward " : "reverse ") + key);
                    }
                }
                // idle sessions go: both rules of every session, within the idle timeout (6 s) + sweeps
                lab.awaitNoSessionRules(20);
                Setup.stop(child);
                assertEquals(CLIENTS, Setup.dpdkRx(child), "DPDK RX: exactly one datagram per session\n" + child.text());
                Map<String, Long> table = child.counters("TABLE");
                assertEquals(CLIENTS, table.get("created"), child.text());
                assertEquals(CLIENTS, table.get("expired"), child.text());
                assertEquals(CLIENTS, table.get("slow_path_packets"), child.text());
                assertEquals(CLIENTS, child.counters("LOOP").get("forwarded"), child.text());
                System.out.println("SessionLoopTest child: " + child.lines("LOOP") + " " + table + " " + child.lines("STATS"));
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    /** The lab of this class: the pair (which kills the children it started), xdp_pass on dp1, backends echoing, the datapath loaded. */
    static final class Setup implements AutoCloseable {
        final DpdkPair pair = DpdkPair.start();
        final BpfObject lab;
        /** The loop configs written for the children. */
        final Path dir;
        LoopConfig loop;
        final List<DatagramSocket> sockets = new ArrayList<>();
        final InetSocketAddress vip = new InetSocketAddress(DpdkPair.LOCAL_IP, VIP_PORT);
        final int vipIp = Ipv4.parse(DpdkPair.LOCAL_IP);
        final String clientNs;
        int natFirst;
        int natLast;

        Setup() throws IOException {
            try {
                clientNs = pair.addNamespace("c");
                natClients();
                lab = BpfObject.openBundled("xdp_lab", null);
                dir = Files.createTempDirectory("xdprecon-loop-");
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
                    datapath.localIps().add(vipIp);
                }
                for (String b : BACKENDS) {
                    DatagramSocket s = socket(pair.peerNs, b, BACKEND_PORT, 0);
                    Thread.ofPlatform().daemon().start(() -> echo(s, b));
                }
            } catch (RuntimeException | Error | IOException e) {
                close();
                throw e;
            }
        }

        /**
         * The clients' namespace behind the peer namespace, which routes and masquerades them onto dp1's address
         * with source ports from its own range, so no client port survives onto the wire unchanged.
         */
        private void natClients() {
            String nat = pair.peerNs;
            Lab.ip("-n", nat, "link", "add", "nat0", "type", "veth", "peer", "name", "cl0", "netns", clientNs);
            Lab.ip("-n", nat, "addr", "add", NAT_INSIDE_IP + "/24", "dev", "nat0");
            Lab.ip("-n", clientNs, "addr", "add", CLIENT_IP + "/24", "dev", "cl0");
            // full checksums from the sender: the NAT and then XDP update them incrementally
            Lab.inNs(clientNs, "ethtool", "-K", "cl0", "tx", "off");
            Lab.ip("-n", nat, "link", "set", "nat0", "up");
            Lab.ip("-n", clientNs, "link", "set", "cl0", "up");
            Lab.ip("-n", clientNs, "route", "add", "default", "via", NAT_INSIDE_IP);
            Lab.inNs(nat, "sysctl", "-q", "-w", "net.ipv4.conf.all.forwarding=1");
            Lab.inNs(nat, "nft", "add table ip xr; add chain ip xr post { type nat hook postrouting priority srcnat; }");
            natPorts(NAT_FIRST_PORT, NAT_LAST_PORT);
        }

        /** The NAT's source ports from now on (existing mappings keep theirs until they expire). */
        void natPorts(int first, int last) {
            Lab.inNs(pair.peerNs, "nft", "flush chain ip xr post; add rule ip xr post ip saddr " + NAT_INSIDE_IP
                    + "/24 oifname dp1 meta l4proto udp masquerade to :" + first + "-" + last);
            natFirst = first;
            natLast = last;
        }

        /** UDP mappings the NAT forgets after {@code seconds} without a packet (the kernel's defaults are 30 s and 120 s). */
        void natUdpTimeout(int seconds) {
            Lab.inNs(pair.peerNs, "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_udp_timeout=" + seconds,
                    "net.netfilter.nf_conntrack_udp_timeout_stream=" + seconds);
        }

        /** Waits until the NAT has forgotten the client's mapping (its conntrack entry expired). */
        void awaitNoNatMapping(int clientPort, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (natMapping(clientPort).find()) {
                assertTrue(System.nanoTime() < deadline, "the NAT kept the mapping of client port " + clientPort);
                Thread.sleep(100);
            }
        }

        private Matcher natMapping(int clientPort) {
            Pattern entry = Pattern.compile("src=" + Pattern.quote(CLIENT_IP) + " dst=" + Pattern.quote(DpdkPair.LOCAL_IP)
                    + " sport=" + clientPort + " dport=" + VIP_PORT + " .*?src=" + Pattern.quote(DpdkPair.LOCAL_IP)
                    + " dst=" + Pattern.quote(DpdkPair.PEER_IP) + " sport=" + VIP_PORT + " dport=(\\d+) ");
            return entry.matcher(Lab.inNs(pair.peerNs, "cat", "/proc/net/nf_conntrack"));
        }

        /** The source port the NAT gave a client's datagrams to the VIP, from the NAT namespace's conntrack table. */
        int wirePort(int clientPort) {
            Matcher m = natMapping(clientPort);
            assertTrue(m.find(), "no NAT mapping for client port " + clientPort);
            int wire = Integer.parseInt(m.group(1));
            assertTrue(wire >= natFirst && wire <= natLast, "NAT port " + wire);
            return wire;
        }

        DatagramSocket socket(String ns, String ip, int port, int timeoutMillis) {
            DatagramSocket s = bind(ns, ip, port, timeoutMillis);
            sockets.add(s);
            return s;
        }

        /** Client sockets behind the NAT, ports firstPort.. on the client address. */
        List<DatagramSocket> clients(int firstPort, int n) {
            List<DatagramSocket> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(socket(clientNs, CLIENT_IP, firstPort + i, 5000));
            }
            return clients;
        }

        /**
         * The loop with a service on the VIP over {@link #BACKENDS}; {@code options}: the session identity
         * (OFFSET:LENGTH or {@code -}) and the ICMP echo policy.
         */
        DpdkPair.Child startLoop(String ports, int idleMillis, String... options) throws IOException {
            return startLoop("bridge", BACKEND_PORT, ports, idleMillis, options);
        }

        /**
         * {@link DpdkLoopMain}, the production loop, with backends on {@code backendPort}, its DPDK ports started and
         * stopped through the tc bridge ({@code bridge}) or without it ({@code naive}).
         */
        DpdkPair.Child startLoop(String portsMode, int backendPort, String ports, int idleMillis, String... options)
                throws IOException {
            loop = new LoopConfig(BACKENDS, backendPort, ports, idleMillis, options.length > 0 ? options[0] : "-",
                    options.length > 1 ? options[1] : "answer", "drain");
            return pair.startJava(DpdkLoopMain.class.getName(), loop.write(dir).toString(), "edge-1", portsMode);
        }

        /** Hands the running loop the service with only {@code backends} and {@code policy}; the loop's answer. */
        String changeBackends(DpdkPair.Child child, List<String> backends, String policy) throws Exception {
            loop = loop.withBackends(backends, policy);
            OutputStream in = child.process.getOutputStream();
            in.write(("CONFIG " + loop.write(dir) + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            return child.await("UPDATED", STEP_MS);
        }

        /** Fills the pinned rules map with config rules of another interface, up to room for {@code room} more. */
        void fillRules(int room) {
            try (Datapath pinned = Datapath.openPinned(pair.pinRoot)) {
                int fill = pinned.rules().capacity() - room;
                Map<FlowKey, FlowRule> page = new HashMap<>();
                FlowRule filler = new FlowRule(FlowKey.of(999, "192.0.2.1", 1, "192.0.2.2", 1), Owner.CONFIG);
                for (int i = 0; i < fill; i++) {
                    page.put(new FlowKey(999, 0x0a800000 + i, 0x0a7f0000, 1, 1), filler);
                    if (page.size() == 65536 || i == fill - 1) {
                        pinned.rules().putAll(page);
                        page.clear();
                    }
                }
            }
        }

        /** Tells a child to stop and checks it ended well. */
        static void stop(DpdkPair.Child child) throws Exception {
            try (OutputStream in = child.process.getOutputStream()) {
                in.write("STOP\n".getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals(0, child.finish(STEP_MS), child.text());
        }

        static long dpdkRx(DpdkPair.Child child) {
            Matcher st = STATS.matcher(child.lines("STATS").getFirst());
            assertTrue(st.matches(), child.text());
            return Long.parseLong(st.group(1));
        }

        Map<FlowKey, FlowRule> sessionRules() {
            return sessionRules(pair.pinRoot);
        }

        /** The session-owned rules of the rules map pinned under {@code pinRoot}. */
        static Map<FlowKey, FlowRule> sessionRules(Path pinRoot) {
            Map<FlowKey, FlowRule> rules = new HashMap<>();
            try (Datapath pinned = Datapath.openPinned(pinRoot)) {
                pinned.rules().readAll().forEach((k, r) -> {
                    if (r.owner() == Owner.SESSION) {
                        rules.put(k, r);
                    }
                });
            }
            return rules;
        }

        FlowKey forwardKey(int clientPort) {
            return new FlowKey(pair.dp0, Ipv4.parse(DpdkPair.PEER_IP), vipIp, clientPort, VIP_PORT);
        }

        void awaitNoSessionRules(long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!sessionRules().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(Map.of(), sessionRules(), "idle sessions left rules");
        }

        @Override
        public void close() {
            close(sockets, lab, dir, pair);
        }

        /** A lab's teardown: its sockets, its xdp_pass object, its config directory, then the pair, whatever fails. */
        static void close(List<DatagramSocket> sockets, BpfObject lab, Path dir, DpdkPair pair) {
            sockets.forEach(DatagramSocket::close);
            try {
                if (lab != null) {
                    lab.close();
                }
                if (dir != null) {
                    Lab.deleteRecursively(dir);
                }
            } finally {
                pair.close();
            }
        }
    }

    /**
     * A restarted loop adopts the live sessions from the pinned map (their traffic stays in XDP, DPDK
     * sees none of it), and once idle their ports go back to the pools: N/2 ports per backend (2 backends)
     * hold exactly N sessions — those beyond a full backend spill to the other — and serve N new clients
     * afterwards with the same (backend, port) pairs.
     */
    @Test
    void aRestartedLoopAdoptsLiveSessionsAndIdlePortsAreReused() throws Exception {
        try (Setup lab = new Setup()) {
            String ports = "40000-" + (40000 + CLIENTS / 2 - 1);
            List<DatagramSocket> clients = lab.clients(21000, CLIENTS);
            Map<Integer, String> backendOf = new HashMap<>();
            DpdkPair.Child first = lab.startLoop(ports, 3000);
            try {
                first.await("READY", STEP_MS);
                for (int i = 0; i < CLIENTS; i++) {
                    String reply = exchange(clients.get(i), lab.vip, "a" + i);
                    backendOf.put(i, reply.substring(0, reply.indexOf(':')));
                }
                Setup.stop(first);
                assertEquals(CLIENTS, Setup.dpdkRx(first), first.text());
            } catch (AssertionError | Exception e) {
                System.err.println("first loop:\n" + first.text());
                throw e;
            }
            Map<FlowKey, FlowRule> before = lab.sessionRules();
            assertEquals(2 * CLIENTS, before.size(), "a stopped loop leaves its sessions' rules");

            // adopted sessions idle from adoption: long enough that all 20 are exchanged with before any
            // expires on a loaded machine (an expired session would be made again, maybe on another backend)
            DpdkPair.Child second = lab.startLoop(ports, 8000);
            try {
                String ready = second.await("READY", STEP_MS);
                assertTrue(ready.endsWith("adopted=" + CLIENTS + " orphans=0"), ready);
                for (int i = 0; i < CLIENTS; i++) {
                    assertEquals(backendOf.get(i) + ":b" + i, exchange(clients.get(i), lab.vip, "b" + i), "same backend");
                }
                assertEquals(before, lab.sessionRules(), "adopted sessions keep their rules");
                lab.awaitNoSessionRules(30);
                Set<FlowKey> usedPorts = new HashSet<>();
                before.values().forEach(r -> {
                    if (r.rewrite().srcIp() == lab.vipIp && r.rewrite().dstPort() == BACKEND_PORT) {
                        usedPorts.add(r.rewrite());
                    }
                });
                assertEquals(CLIENTS, usedPorts.size());
                // the pools have exactly CLIENTS ports: new clients get sessions only if the idle ones returned theirs
                List<DatagramSocket> next = lab.clients(22000, CLIENTS);
                for (int i = 0; i < CLIENTS; i++) {
                    String reply = exchange(next.get(i), lab.vip, "n" + i);
                    assertTrue(reply.endsWith(":n" + i), reply);
                }
                Map<FlowKey, FlowRule> now = lab.sessionRules();
                Set<FlowKey> reused = new HashSet<>();
                for (int i = 0; i < CLIENTS; i++) {
                    reused.add(now.get(lab.forwardKey(lab.wirePort(22000 + i))).rewrite());
                }
                assertEquals(usedPorts, reused, "the expired sessions' ports serve the new ones");
                Setup.stop(second);
                assertEquals(CLIENTS, Setup.dpdkRx(second), "only the new clients' first datagrams\n" + second.text());
                Map<String, Long> table = second.counters("TABLE");
                assertEquals(Map.of("created", (long) CLIENTS, "adopted", (long) CLIENTS, "expired", (long) CLIENTS,
                        "pool_exhausted", 0L), pick(table, "created", "adopted", "expired", "pool_exhausted"), second.text());
            } catch (AssertionError | Exception e) {
                System.err.println("second loop:\n" + second.text());
                throw e;
            }
        }
    }

    /**
     * Degradation: with the rules map full (filled with config rules up to room for 3 sessions), the first 3
     * sessions get rules and the other 3 stay on the slow path — DPDK forwards every datagram of theirs,
     * requests and replies — and are counted; none is dropped.
     */
    @Test
    void aFullRulesMapKeepsSessionsOnTheSlowPathBothWays() throws Exception {
        int installed = 3;
        int slow = 3;
        int later = 3;
        try (Setup lab = new Setup()) {
            List<DatagramSocket> clients = lab.clients(23000, installed + slow);
            DpdkPair.Child child = lab.startLoop("40000-40099", 60_000);
            try {
                child.await("READY", STEP_MS);
                lab.fillRules(2 * installed);
                for (int k = 0; k <= later; k++) {
                    for (int i = 0; i < installed + slow; i++) {
                        String reply = exchange(clients.get(i), lab.vip, "f" + i + "-" + k);
                        assertTrue(reply.endsWith(":f" + i + "-" + k), reply);
                    }
                }
                Map<FlowKey, FlowRule> rules = lab.sessionRules();
                assertEquals(2 * installed, rules.size(), rules.toString());
                for (int i = 0; i < installed; i++) {
                    assertTrue(rules.containsKey(lab.forwardKey(lab.wirePort(23000 + i))), "session " + i + " has rules");
                }
                Setup.stop(child);
                // installed sessions: their first datagram; slow ones: every request and every reply
                long expected = installed + 2L * slow * (later + 1);
                assertEquals(expected, Setup.dpdkRx(child), child.text());
                assertEquals(Map.of("created", (long) installed + slow, "slow_path_sessions", (long) slow, "slow_path_packets",
                        expected, "unmatched", 0L), pick(child.counters("TABLE"), "created", "slow_path_sessions",
                        "slow_path_packets", "unmatched"), child.text());
                assertEquals(expected, child.counters("LOOP").get("forwarded"), child.text());
                assertEquals(slow, child.lines("SESSION").stream().filter(l -> l.endsWith("installed=false")).count(), child.text());
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    /**
     * The slow path keeps a flow's order: with no room for rules, every datagram of a session goes through
     * DPDK, many per RX burst when they come back to back, and leaves in the order it came.
     */
    @Test
    void theSlowPathForwardsABurstInArrivalOrder() throws Exception {
        int datagrams = 200;
        int backendPort = 7100;
        try (Setup lab = new Setup()) {
            DatagramSocket client = lab.clients(24000, 1).getFirst();
            List<DatagramSocket> backends = new ArrayList<>();
            for (String b : BACKENDS) {
                backends.add(lab.socket(lab.pair.peerNs, b, backendPort, 100));
            }
            DpdkPair.Child child = lab.startLoop("bridge", backendPort, "40000-40099", 60_000);
            try {
                child.await("READY", STEP_MS);
                lab.fillRules(0);
                for (int i = 0; i < datagrams; i++) {
                    byte[] bytes = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
                    client.send(new DatagramPacket(bytes, bytes.length, lab.vip));
                }
                List<Integer> arrived = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                DatagramPacket in = new DatagramPacket(new byte[64], 64);
                while (arrived.size() < datagrams && System.nanoTime() < deadline) {
                    for (DatagramSocket b : backends) {
                        try {
                            while (true) {
                                b.receive(in);
                                arrived.add(Integer.parseInt(new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII)));
                            }
                        } catch (java.net.SocketTimeoutException drained) {
                            // the other backend, or the next round
                        }
                    }
                }
                Setup.stop(child);
                List<Integer> sorted = arrived.stream().sorted().toList();
                assertEquals(sorted, arrived, "the order the backend received (" + arrived.size() + " of " + datagrams + ")");
                assertTrue(arrived.size() > 1, "nothing to order: " + arrived);
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    /**
     * NAT rebinding: the service names a session identity (the first 4 payload bytes). The NAT forgets the
     * caller's mapping and maps it again from another port range; the caller's next datagram reaches
     * userspace from a new address, its identity names the live session, and the session moves there — same
     * backend, same egress port, its forward rule replaced — after which its traffic is XDP's again. Another
     * identity is another session.
     */
    @Test
    void aNatRebindingMovesTheSessionItsIdentityNamesAndItsTrafficStaysInXdp() throws Exception {
        try (Setup lab = new Setup()) {
            lab.natUdpTimeout(2);
            DatagramSocket caller = lab.clients(24000, 1).getFirst();
            DatagramSocket other = lab.clients(24100, 1).getFirst();
            DpdkPair.Child child = lab.startLoop("40000-40099", 60_000, "0:4");
            try {
                child.await("READY", STEP_MS);
                String reply = exchange(caller, lab.vip, "CALL-1");
                String backend = reply.substring(0, reply.indexOf(':'));
                exchange(other, lab.vip, "OTHR-1");
                int before = lab.wirePort(24000);
                Map<FlowKey, FlowRule> rulesBefore = lab.sessionRules();
                FlowRule forwardBefore = rulesBefore.get(lab.forwardKey(before));
                assertTrue(forwardBefore != null, rulesBefore.toString());
                // the NAT forgets the caller and will map it from other ports
                lab.natPorts(31000, 31999);
                lab.awaitNoNatMapping(24000, 20);
                for (int k = 2; k <= 2 + LATER; k++) {
                    assertEquals(backend + ":CALL-" + k, exchange(caller, lab.vip, "CALL-" + k), "same backend after rebinding");
                }
                int after = lab.wirePort(24000);
                Map<FlowKey, FlowRule> rules = lab.sessionRules();
                assertEquals(4, rules.size(), "two sessions, two rules each: " + rules);
                assertEquals(forwardBefore, rules.get(lab.forwardKey(after)), "same backend and egress port, new client key");
                assertTrue(!rules.containsKey(lab.forwardKey(before)), "the old address's rule is gone");
                FlowKey t = forwardBefore.rewrite();
                FlowKey reverse = new FlowKey(lab.pair.dp0, t.dstIp(), lab.vipIp, BACKEND_PORT, t.srcPort());
                assertEquals(new FlowKey(lab.pair.dp0, lab.vipIp, Ipv4.parse(DpdkPair.PEER_IP), VIP_PORT, after),
                        rules.get(reverse).rewrite(), "replies go to the new address");
                Setup.stop(child);
                // the caller's first datagram, the other's, and the caller's first from its new address
                assertEquals(3, Setup.dpdkRx(child), child.text());
                assertEquals(Map.of("created", 2L, "rebound", 1L, "unidentified", 0L),
                        pick(child.counters("TABLE"), "created", "rebound", "unidentified"), child.text());
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    /**
     * Pool exhaustion: 3 egress ports per backend, 2 backends. Six clients get sessions — a client whose
     * backend is full spills to the other (the client's rendezvous order), counted — and their later
     * datagrams go through XDP; the seventh finds no port on any backend and only its datagram is dropped,
     * counted by reason.
     */
    @Test
    void aFullBackendSpillsToTheNextAndOnlyWithNoPortLeftIsTheFirstPacketDroppedAndCounted() throws Exception {
        try (Setup lab = new Setup()) {
            List<DatagramSocket> clients = lab.clients(25000, 7);
            clients.getLast().setSoTimeout(1000);
            DpdkPair.Child child = lab.startLoop("40000-40002", 60_000);
            try {
                child.await("READY", STEP_MS);
                for (int k = 0; k <= 2; k++) {
                    for (int i = 0; i < 6; i++) {
                        String reply = exchange(clients.get(i), lab.vip, "p" + i + "-" + k);
                        assertTrue(reply.endsWith(":p" + i + "-" + k), reply);
                    }
                }
                byte[] lost = "p6".getBytes(StandardCharsets.US_ASCII);
                clients.get(6).send(new DatagramPacket(lost, lost.length, lab.vip));
                assertThrows(SocketTimeoutException.class, () -> clients.get(6).receive(new DatagramPacket(new byte[64], 64)));

                Map<FlowKey, FlowRule> rules = lab.sessionRules();
                assertEquals(12, rules.size(), rules.toString());
                List<Endpoint> backends = BACKENDS.stream().map(b -> Endpoint.of(b, BACKEND_PORT)).toList();
                Map<Integer, Integer> perBackend = new HashMap<>();
                int spilled = 0;
                for (int i = 0; i < 6; i++) {
                    int wire = lab.wirePort(25000 + i);
                    FlowKey t = rules.get(lab.forwardKey(wire)).rewrite();
                    perBackend.merge(t.dstIp(), 1, Integer::sum);
                    Endpoint choice = backends.get(Rendezvous.choose(backends, Ipv4.parse(DpdkPair.PEER_IP), wire));
                    spilled += choice.address() == t.dstIp() ? 0 : 1;
                }
                assertEquals(Map.of(Ipv4.parse(BACKENDS.get(0)), 3, Ipv4.parse(BACKENDS.get(1)), 3), perBackend);
                Setup.stop(child);
                assertEquals(7, Setup.dpdkRx(child), "six first datagrams and the dropped one\n" + child.text());
                assertEquals(Map.of("created", 6L, "spilled", (long) spilled, "pool_exhausted", 1L, "slow_path_packets", 6L),
                        pick(child.counters("TABLE"), "created", "spilled", "pool_exhausted", "slow_path_packets"), child.text());
                assertEquals(1, child.counters("LOOP").get("unrouted"), child.text());
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    @Test
    void aRemovedBackendDrainsItsSessionsByDefault() throws Exception {
        removeTheFirstBackend("drain");
    }

    @Test
    void aRemovedBackendsSessionsMoveWhenTheServiceSaysSo() throws Exception {
        removeTheFirstBackend("move");
    }

    /**
     * Backend removal under live sessions: the loop gets the service without the first backend. drain: its
     * clients keep being answered by it (their rules untouched); move: they are answered by the remaining
     * backend at once. Either way the clients of the remaining backend keep it, new clients get it, and every
     * datagram after the change goes through XDP (DPDK sees only first datagrams).
     */
    void removeTheFirstBackend(String policy) throws Exception {
        int n = 12;
        int fresh = 4;
        try (Setup lab = new Setup()) {
            List<DatagramSocket> clients = lab.clients(26000, n + fresh);
            DpdkPair.Child child = lab.startLoop("40000-40099", 60_000);
            try {
                child.await("READY", STEP_MS);
                Map<Integer, String> backendOf = new HashMap<>();
                for (int i = 0; i < n; i++) {
                    String reply = exchange(clients.get(i), lab.vip, "r" + i);
                    backendOf.put(i, reply.substring(0, reply.indexOf(':')));
                }
                String gone = BACKENDS.get(0);
                String kept = BACKENDS.get(1);
                long onGone = backendOf.values().stream().filter(gone::equals).count();
                assertTrue(onGone > 0 && onGone < n, "both backends used: " + backendOf);
                String updated = lab.changeBackends(child, List.of(kept), policy);
                assertEquals("UPDATED moved=" + (policy.equals("move") ? onGone : 0), updated);
                for (int k = 1; k <= LATER; k++) {
                    for (int i = 0; i < n; i++) {
                        String expected = policy.equals("move") ? kept : backendOf.get(i);
                        assertEquals(expected + ":r" + i + "-" + k, exchange(clients.get(i), lab.vip, "r" + i + "-" + k));
                    }
                }
                for (int i = n; i < n + fresh; i++) {
                    assertEquals(kept + ":f" + i, exchange(clients.get(i), lab.vip, "f" + i), "new sessions avoid the removed backend");
                }
                assertEquals(2 * (n + fresh), lab.sessionRules().size());
                Setup.stop(child);
                assertEquals(n + fresh, Setup.dpdkRx(child), "only first datagrams reach DPDK\n" + child.text());
                long draining = policy.equals("drain") ? onGone : 0;
                long moved = policy.equals("move") ? onGone : 0;
                assertEquals(Map.of("draining", draining, "moved", moved, "created", (long) n + fresh),
                        pick(child.counters("TABLE"), "draining", "moved", "created"), child.text());
            } catch (AssertionError | Exception e) {
                System.err.println("session loop child output:\n" + child.text());
                throw e;
            }
        }
    }

    /**
     * ICMP echo to the VIP (a local IP: XDP steers it to AF_XDP like every non-UDP packet to one) from a
     * client behind the NAT: answered by the loop in the mbuf under the default policy — ping, which checks
     * the reply's checksum, id and data, gets every reply — and dropped, counted, under {@code drop}. Anything
     * else is counted by reason and goes nowhere: a TCP SYN to the VIP (another protocol), a datagram to a
     * VIP port no service listens on (unrouted).
     */
    @Test
    void anEchoRequestToTheVipIsAnsweredOrDroppedByPolicyAndCounted() throws Exception {
        try (Setup lab = new Setup()) {
            for (String policy : List.of("answer", "drop")) {
                DpdkPair.Child child = lab.startLoop("40000-40099", 60_000, "-", policy);
                try {
                    child.await("READY", STEP_MS);
                    List<String> ping = List.of("ip", "netns", "exec", lab.clientNs, "ping", "-n", "-c", "3", "-i", "0.2",
                            "-W", "2", DpdkPair.LOCAL_IP);
                    if (policy.equals("answer")) {
                        String out = Lab.run(ping);
                        assertTrue(out.contains("3 packets transmitted, 3 received"), out);
                        DatagramSocket stray = lab.clients(27000, 1).getFirst();
                        stray.setSoTimeout(500);
                        byte[] bytes = "nobody".getBytes(StandardCharsets.US_ASCII);
                        stray.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(DpdkPair.LOCAL_IP, VIP_PORT + 1)));
                        assertThrows(SocketTimeoutException.class, () -> stray.receive(new DatagramPacket(new byte[64], 64)));
                        IOException syn = NetNs.call(lab.clientNs, () -> {
                            try (java.net.Socket tcp = new java.net.Socket()) {
                                tcp.connect(new InetSocketAddress(DpdkPair.LOCAL_IP, VIP_PORT), 500);
                                return null;
                            } catch (IOException e) {
                                return e;
                            }
                        });
                        assertTrue(syn instanceof SocketTimeoutException, "a SYN to the VIP gets no answer: " + syn);
                    } else {
                        assertThrows(RuntimeException.class, () -> Lab.run(ping), "no reply under drop");
                    }
                    Setup.stop(child);
                    boolean answer = policy.equals("answer");
                    long answered = answer ? 3 : 0;
                    long others = answer ? 1 : 0;
                    assertEquals(Map.of("echo_answered", answered, "echo_dropped", 3 - answered, "forwarded", answered,
                            "malformed", 0L, "other_protocol", others, "unrouted", others), pick(child.counters("LOOP"),
                            "echo_answered", "echo_dropped", "forwarded", "malformed", "other_protocol", "unrouted"), child.text());
                    assertEquals(answer ? 5 : 3, Setup.dpdkRx(child), child.text());
                } catch (AssertionError | Exception e) {
                    System.err.println("session loop child output:\n" + child.text());
                    throw e;
                }
            }
        }
    }

    /** A UDP socket in namespace {@code ns} on {@code ip} (IPv4, or IPv6 for an address with colons). */
    static DatagramSocket bind(String ns, String ip, int port, int timeoutMillis) {
        return NetNs.call(ns, () -> {
            DatagramChannel channel = DatagramChannel.open(ip.contains(":") ? StandardProtocolFamily.INET6
                    : StandardProtocolFamily.INET);
            channel.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            DatagramSocket s = channel.socket();
            s.setSoTimeout(timeoutMillis);
            return s;
        });
    }

    /** The named counters {@code names} of a child's counter line. */
    static Map<String, Long> pick(Map<String, Long> counters, String... names) {
        Map<String, Long> picked = new HashMap<>();
        for (String name : names) {
            assertTrue(counters.containsKey(name), "no counter " + name + " in " + counters);
            picked.put(name, counters.get(name));
        }
        return picked;
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
