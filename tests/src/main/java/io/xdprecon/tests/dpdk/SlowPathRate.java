package io.xdprecon.tests.dpdk;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.traffic.LinkCounters;
import io.xdprecon.tests.traffic.Testpmd;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Forwarding rate of the DPDK slow path beside the XDP fast path for the same flows and the same traffic
 * generator, in a {@link DpdkPair}: {@code flows} client ports on dp1's address send to a service VIP on
 * dp0, where {@link DpdkLoopMain} runs the production session loop; the backend (on the peer segment, hairpin) gets
 * the rewritten datagrams, and dp1's {@code xdp_drop} discards them at the least cost.
 * <ul>
 *   <li>fast: each flow's first datagram makes its session and rules; the window counts XDP's hairpin TX;</li>
 *   <li>slow: the rules map is full beforehand, so every session stays on the slow path and DPDK forwards
 *       every datagram; the window counts the loop's forwarded packets.</li>
 * </ul>
 * The generator is {@code senders} platform threads in the peer namespace, each writing to connected
 * {@link DatagramChannel}s (one {@code sendto} per datagram) round-robin over its flows: no DPDK generator
 * is possible here (Debian's DPDK ships no testpmd, and mbuf allocation is inline-only in DPDK's API, out
 * of reach of FFM), and the kernel socket path is the same for both runs. What it offers is reported too.
 */
public final class SlowPathRate {
    static final int VIP_PORT = LoopConfig.VIP_PORT;
    static final String BACKEND = "10.211.0.3";
    static final int BACKEND_PORT = 7000;
    static final String PEER_MAC = "02:78:72:00:01:02";
    static final int FIRST_CLIENT_PORT = 20000;
    static final Pattern FORWARDED = Pattern.compile("forwarded=(\\d+)");
    static final Pattern RECEIVED = Pattern.compile("received=(\\d+)");
    static final Pattern TX_DROPPED = Pattern.compile("tx_dropped=(\\d+)");
    static final Pattern RX_MISSED = Pattern.compile("imissed=(\\d+)");

    /**
     * One window: datagrams the generator sent, those XDP handed to AF_XDP, those the measured path forwarded;
     * and for the whole run of the slow path, what DPDK lost: RX ring full ({@code imissed}), TX queue full.
     */
    public record Run(String path, long offered, long toAfXdp, long received, long forwarded, long rxMissed,
            long txDropped, Duration window) {
        public double offeredPps() {
            return offered / (window.toNanos() / 1e9);
        }

        public double toAfXdpPps() {
            return toAfXdp / (window.toNanos() / 1e9);
        }

        /** What the slow path's RX bursts returned in the window (0 for the fast path). */
        public double receivedPps() {
            return received / (window.toNanos() / 1e9);
        }

        public double forwardedPps() {
            return forwarded / (window.toNanos() / 1e9);
        }
    }

    private SlowPathRate() {}

    public static Run measure(boolean slowPath, int flows, int senders, Duration window) throws Exception {
        try (DpdkPair pair = DpdkPair.start(); BpfObject lab = BpfObject.openBundled("xdp_lab", null)) {
            lab.load();
            NetNs.run(pair.peerNs, () -> Xdp.attach(NetNs.ifindex("dp1"), lab.program("xdp_drop"), XdpMode.NATIVE));
            for (String peer : List.of(DpdkPair.PEER_IP, BACKEND)) {
                Lab.ip("-n", pair.dpdkNs, "neigh", "replace", peer, "lladdr", PEER_MAC, "dev", "dp0", "nud", "permanent");
            }
            Lab.inNs(pair.dpdkNs, "sysctl", "-q", "-w", "net.ipv4.conf.all.forwarding=1", "net.ipv4.conf.dp0.forwarding=1",
                    "net.ipv4.conf.dp0.accept_local=1");
            try (Datapath datapath = Datapath.load(pair.pinRoot, 0)) {
                datapath.localIps().add(Ipv4.parse(DpdkPair.LOCAL_IP));
                if (slowPath) {
                    fill(datapath.rules());
                }
            }
            DpdkPair.Child loop = startLoop(pair);
            List<DatagramChannel> channels = clients(pair, flows);
            try (Datapath datapath = Datapath.openPinned(pair.pinRoot)) {
                for (DatagramChannel c : channels) {
                    c.write(ByteBuffer.wrap("first".getBytes(StandardCharsets.US_ASCII)));
                }
                awaitSessions(datapath.rules(), slowPath ? 0 : 2 * flows);
                Map<Stat, Long> before = datapath.stats().read();
                long sent = send(channels, senders, window);
                Thread.sleep(200); // what is in flight lands
                Map<Stat, Long> after = datapath.stats().read();
                long hairpin = after.get(Stat.HAIRPIN_TX) - before.get(Stat.HAIRPIN_TX);
                long toAfXdp = after.get(Stat.AFXDP_REDIRECT) - before.get(Stat.AFXDP_REDIRECT);
                try (OutputStream in = loop.process.getOutputStream()) {
                    in.write("STOP\n".getBytes(StandardCharsets.US_ASCII));
                }
                if (loop.finish(60_000) != 0) {
                    throw new IllegalStateException("session loop failed:\n" + loop.text());
                }
                long dpdk = count(loop, "LOOP", FORWARDED) - flows; // minus the first datagrams, sent before the window
                long received = slowPath ? count(loop, "LOOP", RECEIVED) - flows : 0;
                return new Run(slowPath ? "slow (DPDK)" : "fast (XDP)", sent, toAfXdp, received, slowPath ? dpdk : hairpin,
                        count(loop, "STATS", RX_MISSED), count(loop, "LOOP", TX_DROPPED), window);
            } finally {
                for (DatagramChannel c : channels) {
                    c.close();
                }
            }
        }
    }

    /**
     * The same two paths fed by {@code dpdk-testpmd} (txonly at line rate, one client flow, AF_XDP on dp1)
     * instead of sockets: datagrams per second reaching the backend's side (dp1's RX counter) in the window,
     * forwarded by DPDK (slow: the rules map is full, every datagram is refused a rule) or by XDP's hairpin
     * (fast: the session's rules carry all but the first).
     */
    public static double measureTestpmd(boolean slowPath, Duration window) throws Exception {
        try (DpdkPair pair = DpdkPair.start()) {
            for (String peer : List.of(DpdkPair.PEER_IP, BACKEND)) {
                Lab.ip("-n", pair.dpdkNs, "neigh", "replace", peer, "lladdr", PEER_MAC, "dev", "dp0", "nud", "permanent");
            }
            Lab.inNs(pair.dpdkNs, "sysctl", "-q", "-w", "net.ipv4.conf.all.forwarding=1", "net.ipv4.conf.dp0.forwarding=1",
                    "net.ipv4.conf.dp0.accept_local=1");
            try (Datapath datapath = Datapath.load(pair.pinRoot, 0)) {
                datapath.localIps().add(Ipv4.parse(DpdkPair.LOCAL_IP));
                if (slowPath) {
                    fill(datapath.rules());
                }
            }
            DpdkPair.Child loop = startLoop(pair);
            Testpmd.Flow flow = new Testpmd.Flow(DpdkPair.PEER_IP, FIRST_CLIENT_PORT, DpdkPair.LOCAL_IP, VIP_PORT, DpdkPair.DP0_MAC);
            try (Testpmd generator = Testpmd.txonly(pair.peerNs, "dp1", flow)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                long first = LinkCounters.rxPackets(pair.peerNs, "dp1");
                while (LinkCounters.rxPackets(pair.peerNs, "dp1") - first < 10_000) {
                    generator.requireRunning();
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("nothing came back to dp1:\n" + generator.output() + "\n" + loop.text());
                    }
                    Thread.sleep(100);
                }
                Thread.sleep(500);
                long c0 = LinkCounters.rxPackets(pair.peerNs, "dp1");
                long t0 = System.nanoTime();
                Thread.sleep(window.toMillis());
                long c1 = LinkCounters.rxPackets(pair.peerNs, "dp1");
                long t1 = System.nanoTime();
                generator.requireRunning();
                return (c1 - c0) / ((t1 - t0) / 1e9);
            } finally {
                try (OutputStream in = loop.process.getOutputStream()) {
                    in.write("STOP\n".getBytes(StandardCharsets.US_ASCII));
                }
                loop.finish(60_000);
            }
        }
    }

    /** The production session loop on dp0 ({@link DpdkLoopMain}) with the bench's service, once READY. */
    private static DpdkPair.Child startLoop(DpdkPair pair) throws Exception {
        Path config = LoopConfig.of(List.of(BACKEND), BACKEND_PORT, "40000-49999", 600_000)
                .write(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            DpdkPair.Child loop = pair.startJava(DpdkLoopMain.class.getName(), config.toString(), "edge-1");
            loop.await("READY", 60_000);
            return loop;
        } finally {
            Files.deleteIfExists(config); // read at the start
        }
    }

    private static long count(DpdkPair.Child loop, String line, Pattern field) {
        Matcher m = field.matcher(loop.lines(line).getFirst());
        if (!m.find()) {
            throw new IllegalStateException("no " + field + " in " + line + ":\n" + loop.text());
        }
        return Long.parseLong(m.group(1));
    }

    /** Config rules up to the map's capacity: no session gets rules, all stay on the slow path. */
    private static void fill(RulesMap rules) {
        FlowRule filler = new FlowRule(FlowKey.of(999, "192.0.2.1", 1, "192.0.2.2", 1), Owner.CONFIG);
        Map<FlowKey, FlowRule> page = new HashMap<>();
        for (int i = 0, n = rules.capacity(); i < n; i++) {
            page.put(new FlowKey(999, 0x0a800000 + i, 0x0a7f0000, 1, 1), filler);
            if (page.size() == RulesMap.PAGE || i == n - 1) {
                rules.putAll(page);
                page.clear();
            }
        }
    }

    private static List<DatagramChannel> clients(DpdkPair pair, int flows) {
        InetSocketAddress vip = new InetSocketAddress(DpdkPair.LOCAL_IP, VIP_PORT);
        List<DatagramChannel> channels = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            int port = FIRST_CLIENT_PORT + i;
            channels.add(NetNs.call(pair.peerNs, () -> {
                DatagramChannel c = DatagramChannel.open(StandardProtocolFamily.INET);
                c.bind(new InetSocketAddress(InetAddress.getByName(DpdkPair.PEER_IP), port));
                c.connect(vip);
                return c;
            }));
        }
        return channels;
    }

    private static void awaitSessions(RulesMap rules, int sessionRules) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (rules.keysOwnedBy(Owner.SESSION).size() < sessionRules) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sessions not installed: " + rules.keysOwnedBy(Owner.SESSION).size());
            }
            Thread.sleep(20);
        }
        Thread.sleep(300); // the slow path's first datagrams are through
    }

    /** {@code senders} threads writing 18-byte datagrams round-robin over their flows for {@code window}. */
    private static long send(List<DatagramChannel> channels, int senders, Duration window) throws InterruptedException {
        AtomicLong sent = new AtomicLong();
        long deadline = System.nanoTime() + window.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < senders; t++) {
            List<DatagramChannel> mine = new ArrayList<>();
            for (int i = t; i < channels.size(); i += senders) {
                mine.add(channels.get(i));
            }
            threads.add(Thread.ofPlatform().start(() -> {
                ByteBuffer payload = ByteBuffer.wrap("xdprecon-benchmark".getBytes(StandardCharsets.US_ASCII));
                long n = 0;
                try {
                    while (System.nanoTime() < deadline) {
                        for (int i = 0, k = mine.size(); i < k; i++) {
                            payload.rewind();
                            n += mine.get(i).write(payload) > 0 ? 1 : 0;
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                sent.addAndGet(n);
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return sent.get();
    }
}
