package io.xdprecon.tests.bench;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Tc;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.PinRoot;
import io.xdprecon.state.TuningSetting;
import io.xdprecon.tests.dpdk.SlowPathRate;
import io.xdprecon.tests.packets.Frame6Builder;
import io.xdprecon.tests.packets.FrameBuilder;
import io.xdprecon.tests.packets.Mac;
import io.xdprecon.tests.traffic.LinkCounters;
import io.xdprecon.tests.traffic.Testpmd;
import io.xdprecon.tuning.TuningApplier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fast path at the forwarding ceiling, beside its peers, in one run: every row forwards 64-byte UDP frames
 * that {@code dpdk-testpmd} sends at line rate from the lab's client namespace (AF_XDP on c0) into the proxy's
 * pc, and counts what reaches the server's s0 (an {@code xdp_drop} sink; its veth RX counter) per second.
 * Rows run in turn, their order rotated each round, and each row's figure is the median of its rounds, so a
 * machine whose load drifts meets every row alike.
 *
 * <p>Rows (what runs on pc): XDP_DROP at ingress (counted on pc, the generator's and the veth's ceiling); the
 * forwarding ceiling, a redirect with fixed MACs and no lookup, by {@code bpf_redirect} and by a devmap; kernel
 * forwarding (no XDP); nftables DNAT+SNAT with conntrack (no XDP); xdprecon's {@code xdp_main} with one flow;
 * its tc bridge with the same flow; and, fed by testpmd's flowgen over {@code flows} flows, {@code xdp_main} on a
 * rules map filled to its 524,288 entries beside the ceiling fed the same flows; an IPv4 and an IPv6 hit of
 * {@code xdp_main}, each one frame replayed by {@link Testpmd#replay} (txonly makes no IPv6). Then the price list ({@code
 * xdp_main} built with one stage switched off), and the DPDK slow path ({@link SlowPathRate#measureTestpmd}:
 * every datagram refused a rule by a full map and forwarded by DPDK, beside the same flow on XDP).
 *
 * <p>Usage: {@code FastpathBench [rounds] [windowSeconds] [flows]}; needs root and {@code dpdk-testpmd}.
 */
public final class FastpathBench {
    private static final int CLIENT_PORT = 20000;
    private static final int VIP_PORT = 30000;
    private static final int SERVER_PORT = 50000;
    private static final String PRICE = "xdp_main, 1 flow, without ";
    /** The rows fed by {@link Testpmd#replay} (an IPv4 and an IPv6 hit): compared with each other only. */
    private static final String FAMILY = "xdp_main, 1 flow, one frame replayed [pcap], ";
    private static final String LOOKUP_CEILING = "second ceiling: the redirect ceiling + one lookup in the full map [flowgen]";

    /**
     * One way of forwarding: what to put in place on pc, what traffic to send, where to count, and the XDP program whose
     * {@code bpf_stats} give its cost per packet (none for the rows without XDP on pc).
     */
    private record Row(String name, Runnable arm, Runnable disarm, Supplier<Testpmd> generator, Lab.Iface counted,
            Optional<BpfProgram> program) {
        Row(String name, Runnable arm, Runnable disarm, Supplier<Testpmd> generator, Lab.Iface counted) {
            this(name, arm, disarm, generator, counted, Optional.empty());
        }

        Row(String name, BpfProgram xdp, Runnable arm, Runnable disarm, Supplier<Testpmd> generator, Lab.Iface counted) {
            this(name, arm, disarm, generator, counted, Optional.of(xdp));
        }
    }

    /** One window of a row: what reached the counted device per second, and the program's ns per run (NaN: none). */
    private record Sample(double pps, double nsPerRun) {}

    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    private final Lab lab;
    private final int rounds;
    private final double windowSeconds;

    private FastpathBench(Lab lab, int rounds, double windowSeconds) {
        this.lab = lab;
        this.rounds = rounds;
        this.windowSeconds = windowSeconds;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        double window = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        int flows = args.length > 2 ? Integer.parseInt(args[2]) : 524_288;
        if (!Testpmd.available()) {
            throw new IllegalStateException("dpdk-testpmd is missing: apt-get install dpdk-dev (scripts/setup.sh does)");
        }
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        String only = args.length > 3 ? args[3] : null;
        if (only == null || !"scaling".equals(only)) {
            // Run time per program run (run_time_ns / run_cnt): a cost per packet that load moves less than pps.
            String statsBefore = Files.readString(BPF_STATS).strip();
            Files.writeString(BPF_STATS, "1");
            try {
                runMain(rounds, window, flows, only, loadBefore);
            } finally {
                Files.writeString(BPF_STATS, statsBefore);
            }
        }
        if (only == null || "scaling".matches(only)) {
            scaling(rounds, window);
        }
    }

    private static void runMain(int rounds, double window, int flows, String only, String loadBefore) throws Exception {
        try (Lab lab = Lab.start();
                PinRoot fullPins = PinRoot.create();
                Datapath full = Datapath.load(fullPins.path(), 0);
                BpfObject lookupCeiling = BpfObject.openBundled("xdp_lab", null)) {
            lookupCeiling.maxEntries("lookup_rules", full.rules().capacity()).reuseMap("lookup_rules", full.rules().rulesMap()).load();
            new FastpathBench(lab, rounds, window).run(full, lookupCeiling, flows, loadBefore, only);
        }
    }

    private void run(Datapath full, BpfObject lookupCeiling, int flows, String loadBefore, String only) throws Exception {
        Datapath datapath = lab.datapath();
        BpfProgram main = datapath.program().orElseThrow();
        BpfObject labObject = lab.labObject();
        // The generator's AF_XDP PMD attaches its own program to c0; s0 becomes the sink.
        NetNs.run(lab.clientNs(), () -> Xdp.detach(lab.c0().ifindex(), XdpMode.NATIVE));
        NetNs.run(lab.serverNs(), () -> Xdp.replace(lab.s0().ifindex(), Xdp.query(lab.s0().ifindex()).orElseThrow().programId(),
                labObject.program("xdp_drop"), XdpMode.NATIVE));
        NetNs.run(lab.proxyNs(), () -> Xdp.detach(lab.pc().ifindex(), XdpMode.NATIVE));

        datapath.rules().put(FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, CLIENT_PORT, Lab.VIP, VIP_PORT),
                new FlowRule(FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, SERVER_PORT),
                        Owner.CONFIG));
        datapath.localIps().add(Ipv4.parse(Lab.VIP));
        setCeilingTarget(labObject);
        setCeilingTarget(lookupCeiling);
        fill(full.rules(), flows);

        Testpmd.Flow toVip = new Testpmd.Flow(Lab.CLIENT_IP, CLIENT_PORT, Lab.VIP, VIP_PORT, lab.pc().mac());
        Testpmd.Flow toServer = new Testpmd.Flow(Lab.CLIENT_IP, CLIENT_PORT, Lab.SERVER_IP, SERVER_PORT, lab.pc().mac());
        Supplier<Testpmd> oneFlow = () -> Testpmd.txonly(lab.clientNs(), "c0", toVip);
        Supplier<Testpmd> many = () -> Testpmd.flowgen(lab.clientNs(), "c0", flows, lab.pc().mac());
        int pc = lab.pc().ifindex();
        Runnable none = () -> {};
        Runnable noXdp = () -> xdp(pc, null);

        BpfObject bridgeObject = BpfObject.openBundled(DpdkDatapathLifecycle.BRIDGE_OBJECT, lab.pinRoot()).load();
        Tc.Filter bridgeFilter = DpdkDatapathLifecycle.bridgeFilter(pc);
        String fullName = String.format("xdprecon xdp_main, full map (%,d rules), %,d flows [flowgen]",
                full.rules().capacity(), flows);
        BpfProgram drop = labObject.program("xdp_drop");
        BpfProgram ceiling = labObject.program("xdp_redirect_ceiling");
        BpfProgram ceilingMap = labObject.program("xdp_redirect_ceiling_map");
        BpfProgram lookup = lookupCeiling.program("xdp_lookup_ceiling");
        BpfProgram fullMain = full.program().orElseThrow();
        List<Row> all = List.of(
                new Row("XDP_DROP at ingress (counted on pc)", drop, () -> xdp(pc, drop), noXdp, oneFlow, lab.pc()),
                new Row("ceiling: redirect, fixed MACs, no lookup", ceiling, () -> xdp(pc, ceiling), noXdp, oneFlow, lab.s0()),
                new Row("ceiling via devmap (bpf_redirect_map)", ceilingMap, () -> xdp(pc, ceilingMap), noXdp, oneFlow, lab.s0()),
                new Row("kernel forwarding (no XDP)", none, none, () -> Testpmd.txonly(lab.clientNs(), "c0", toServer), lab.s0()),
                new Row("nftables DNAT+SNAT, conntrack (no XDP)", this::nftAdd, this::nftDelete, oneFlow, lab.s0()),
                new Row("xdprecon xdp_main, 1 flow", main, () -> xdp(pc, main), noXdp, oneFlow, lab.s0()),
                new Row("xdprecon tc_bridge, 1 flow (no XDP)",
                        () -> NetNs.run(lab.proxyNs(), () -> Tc.attach(bridgeFilter, bridgeObject.program(DpdkDatapathLifecycle.BRIDGE_PROGRAM), false)),
                        () -> NetNs.run(lab.proxyNs(), () -> Tc.detach(bridgeFilter)), oneFlow, lab.s0()),
                new Row("ceiling: redirect, fixed MACs, many flows [flowgen]", ceiling, () -> xdp(pc, ceiling), noXdp, many, lab.s0()),
                new Row(LOOKUP_CEILING, lookup, () -> xdp(pc, lookup), noXdp, many, lab.s0()),
                new Row(fullName, fullMain, () -> xdp(pc, fullMain), noXdp, many, lab.s0()));

        // IPv4 and IPv6 hits through the same generator (txonly makes no IPv6): 64-byte frames, one flow each.
        lab.dualStack();
        datapath.rules6().put(new FlowKey6(pc, v6(Lab.CLIENT_IP6), v6(Lab.VIP6), CLIENT_PORT, VIP_PORT),
                new FlowRule6(new FlowKey6(lab.ps().ifindex(), v6(Lab.PROXY_SERVER_SIDE_IP6), v6(Lab.SERVER_IP6), 40000,
                        SERVER_PORT), Owner.CONFIG));
        Mac pcMac = Mac.parse(lab.pc().mac());
        Mac c0Mac = Mac.parse(lab.c0().mac());
        byte[] frame4 = FrameBuilder.udp(Ipv4.parse(Lab.CLIENT_IP), CLIENT_PORT, Ipv4.parse(Lab.VIP), VIP_PORT)
                .dstMac(pcMac).srcMac(c0Mac).payload(new byte[64 - 42]).build();
        byte[] frame6 = Frame6Builder.udp(v6(Lab.CLIENT_IP6), CLIENT_PORT, v6(Lab.VIP6), VIP_PORT)
                .dstMac(pcMac).srcMac(c0Mac).payload(new byte[64 - 62]).build();
        List<Row> withFamilies = new ArrayList<>(all);
        withFamilies.add(new Row(FAMILY + "IPv4", main, () -> xdp(pc, main), noXdp,
                () -> Testpmd.replay(lab.clientNs(), "c0", frame4), lab.s0()));
        withFamilies.add(new Row(FAMILY + "IPv6", main, () -> xdp(pc, main), noXdp,
                () -> Testpmd.replay(lab.clientNs(), "c0", frame6), lab.s0()));
        all = withFamilies;

        List<Row> rows = all;
        int dpdkRounds = only == null || "dpdk".matches(only) ? rounds : 0;
        if (only != null) {
            rows = all.stream().filter(r -> r.name().matches(only)).toList();
        }
        // The price list: xdp_main built with one stage switched off (bench-only objects over the same maps).
        Map<String, String> stages = new LinkedHashMap<>();
        stages.put("nocounters", "per-flow counters");
        stages.put("nostats", "datapath counters (xdp_counters)");
        stages.put("noipcheck", "IPv4 header checksum check");
        stages.put("nohopcache", "the next-hop cache (bpf_fib_lookup on every packet, as in layout 2)");
        List<BpfObject> variants = new ArrayList<>();
        List<Row> priced = new ArrayList<>(rows);
        for (Map.Entry<String, String> stage : stages.entrySet()) {
            BpfObject variant = BpfObject.openBundled("xdp_fwd_" + stage.getKey(), lab.pinRoot()).load();
            variants.add(variant);
            BpfProgram program = variant.program(Datapath.PROGRAM);
            priced.add(new Row(PRICE + stage.getValue(), program, () -> xdp(pc, program), noXdp, oneFlow, lab.s0()));
        }
        rows = priced;
        Map<String, double[]> pps = new LinkedHashMap<>();
        Map<String, double[]> ns = new LinkedHashMap<>();
        rows.forEach(r -> {
            pps.put(r.name(), new double[rounds]);
            ns.put(r.name(), new double[rounds]);
        });
        try {
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < rows.size(); i++) {
                    Row row = rows.get((i + round) % rows.size());
                    Sample sample = measure(row);
                    pps.get(row.name())[round] = sample.pps();
                    ns.get(row.name())[round] = sample.nsPerRun();
                }
            }
        } finally {
            bridgeObject.close();
            variants.forEach(BpfObject::close);
        }
        double[] slow = new double[dpdkRounds];
        double[] fast = new double[dpdkRounds];
        for (int round = 0; round < dpdkRounds; round++) {
            slow[round] = SlowPathRate.measureTestpmd(true, Duration.ofMillis((long) (windowSeconds * 1000)));
            fast[round] = SlowPathRate.measureTestpmd(false, Duration.ofMillis((long) (windowSeconds * 1000)));
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
        print(pps, ns, all, fullName, loadBefore, loadAfter);
        if (dpdkRounds > 0) {
            System.out.printf("%nDPDK slow path (its own veth pair: the session loop on AF_XDP, hairpin to the backend),"
                    + " dpdk-testpmd txonly, one client flow, %d rounds%n%n", dpdkRounds);
            System.out.println("| path | median pps | vs XDP |");
            System.out.println("|---|---:|---:|");
            System.out.printf("| DPDK slow path: rules map full, every datagram refused a rule | %,.0f | %.2fx |%n", median(slow),
                    median(slow) / median(fast));
            System.out.printf("| XDP: the session's rules (first datagram through DPDK) | %,.0f | 1.00x |%n", median(fast));
        }
    }

    /**
     * Both CPUs receiving: a lab whose veths can run 2 queues but start with 1, taken to 2 by the config's queue
     * tuning ({@link TuningApplier}, what {@code queues: 2} does on apply), then xdp_main and the ceiling fed by
     * testpmd with one forwarding lcore per queue (queue q from CPU q). Each CPU's share is read from s0's per-queue XDP
     * counters (a veth receiving a redirect queues it on the sending CPU's queue).
     */
    private static void scaling(int rounds, double windowSeconds) throws Exception {
        try (Lab lab = Lab.start(2)) {
            FastpathBench bench = new FastpathBench(lab, rounds, windowSeconds);
            BpfObject labObject = lab.labObject();
            NetNs.run(lab.clientNs(), () -> Xdp.detach(lab.c0().ifindex(), XdpMode.NATIVE));
            NetNs.run(lab.serverNs(), () -> Xdp.detach(lab.s0().ifindex(), XdpMode.NATIVE));
            TuningApplier tuning = new TuningApplier();
            // The proxy's ends (running XDP) first: a veth may not send on more queues than an XDP peer receives on.
            for (Lab.Iface end : List.of(lab.pc(), lab.ps(), lab.c0(), lab.s0())) {
                NetNs.run(end.ns(), () -> tuning.apply(new TuningSetting.QueueCount(end.name(), 2)));
            }
            NetNs.run(lab.serverNs(), () -> Xdp.attach(lab.s0().ifindex(), labObject.program("xdp_drop"), XdpMode.NATIVE));
            lab.datapath().rules().put(FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, CLIENT_PORT, Lab.VIP, VIP_PORT),
                    new FlowRule(FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, SERVER_PORT),
                            Owner.CONFIG));
            bench.setCeilingTarget(labObject);
            Testpmd.Flow toVip = new Testpmd.Flow(Lab.CLIENT_IP, CLIENT_PORT, Lab.VIP, VIP_PORT, lab.pc().mac());
            int pc = lab.pc().ifindex();
            BpfProgram main = lab.datapath().program().orElseThrow();
            BpfProgram ceiling = labObject.program("xdp_redirect_ceiling");
            record Scaled(String name, BpfProgram program, int queues) {}
            List<Scaled> rows = List.of(new Scaled("xdprecon xdp_main, 1 queue", main, 1),
                    new Scaled("xdprecon xdp_main, 2 queues", main, 2), new Scaled("ceiling, 2 queues", ceiling, 2));
            Map<String, double[][]> perQueue = new LinkedHashMap<>();
            rows.forEach(r -> perQueue.put(r.name(), new double[rounds][]));
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < rows.size(); i++) {
                    Scaled row = rows.get((i + round) % rows.size());
                    bench.xdp(pc, row.program());
                    try (Testpmd generator = Testpmd.txonly(lab.clientNs(), "c0", toVip, row.queues())) {
                        Row counted = new Row(row.name(), () -> {}, () -> {}, () -> generator, lab.s0());
                        bench.awaitTraffic(counted, generator, true);
                        Thread.sleep(500);
                        long[] c0 = rxQueues(lab.s0());
                        long t0 = System.nanoTime();
                        Thread.sleep((long) (windowSeconds * 1000));
                        long[] c1 = rxQueues(lab.s0());
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        generator.requireRunning();
                        perQueue.get(row.name())[round] = new double[] {(c1[0] - c0[0]) / seconds, (c1[1] - c0[1]) / seconds};
                    } finally {
                        bench.xdp(pc, null);
                    }
                }
            }
            System.out.printf("%nScaling: veths taken from 1 to 2 queues by the config's queue tuning, one testpmd lcore per queue"
                    + " and CPU, %d rounds, medians%n%n", rounds);
            System.out.println("| datapath | CPU 0 pps | CPU 1 pps | total pps | vs 1 queue | vs ceiling, 2 queues |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            Map<String, double[]> medians = new LinkedHashMap<>();
            perQueue.forEach((name, values) -> {
                double[] q0 = new double[rounds];
                double[] q1 = new double[rounds];
                double[] total = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    q0[r] = values[r][0];
                    q1[r] = values[r][1];
                    total[r] = q0[r] + q1[r];
                }
                medians.put(name, new double[] {median(q0), median(q1), median(total)});
            });
            double one = medians.get(rows.get(0).name())[2];
            double top = medians.get(rows.get(2).name())[2];
            medians.forEach((name, m) -> System.out.printf("| %s | %,.0f | %,.0f | %,.0f | %.2fx | %.2fx |%n", name, m[0], m[1],
                    m[2], m[2] / one, m[2] / top));
        }
    }

    private static final Pattern RX_QUEUE = Pattern.compile("rx_queue_(\\d+)_xdp_packets: (\\d+)");

    /** XDP packets per RX queue of a veth (queues 0 and 1), from {@code ethtool -S}. */
    private static long[] rxQueues(Lab.Iface iface) {
        long[] counts = new long[2];
        Matcher m = RX_QUEUE.matcher(Lab.inNs(iface.ns(), "ethtool", "-S", iface.name()));
        while (m.find()) {
            int q = Integer.parseInt(m.group(1));
            if (q < counts.length) {
                counts[q] = Long.parseLong(m.group(2));
            }
        }
        return counts;
    }

    private Sample measure(Row row) throws InterruptedException {
        row.arm().run();
        try {
            // Under load a generator now and then never gets going: one whose frames do not arrive is started again.
            for (int attempt = 1; ; attempt++) {
                try (Testpmd generator = row.generator().get()) {
                    if (awaitTraffic(row, generator, attempt == 3)) {
                        return window(row, generator);
                    }
                }
            }
        } finally {
            row.disarm().run();
        }
    }

    /** True once frames arrive where the row counts; false (or, on the last attempt, a failure) after 15 s. */
    private boolean awaitTraffic(Row row, Testpmd generator, boolean last) throws InterruptedException {
        Lab.Iface where = row.counted();
        long deadline = System.nanoTime() + 15_000_000_000L;
        long first = rxPackets(where);
        while (rxPackets(where) - first < 10_000) {
            generator.requireRunning();
            if (System.nanoTime() > deadline) {
                if (last) {
                    throw new IllegalStateException(row.name() + ": no traffic reached " + where.name() + " (pc received "
                            + rxPackets(lab.pc()) + ")\n" + generator.output());
                }
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private Sample window(Row row, Testpmd generator) throws InterruptedException {
        Lab.Iface where = row.counted();
        Thread.sleep(500);
        Optional<BpfProgram.RunStats> s0 = row.program().map(BpfProgram::runStats);
        long c0 = rxPackets(where);
        long t0 = System.nanoTime();
        Thread.sleep((long) (windowSeconds * 1000));
        long c1 = rxPackets(where);
        long t1 = System.nanoTime();
        Optional<BpfProgram.RunStats> s1 = row.program().map(BpfProgram::runStats);
        generator.requireRunning();
        double nsPerRun = s1.map(after -> after.minus(s0.orElseThrow()).nsPerRun()).orElse(Double.NaN);
        return new Sample((c1 - c0) / ((t1 - t0) / 1e9), nsPerRun);
    }

    /** What is attached to pc becomes {@code program} (none when null). */
    private void xdp(int ifindex, BpfProgram program) {
        NetNs.run(lab.proxyNs(), () -> {
            Xdp.detach(ifindex, XdpMode.NATIVE);
            if (program != null) {
                Xdp.attach(ifindex, program, XdpMode.NATIVE);
            }
        });
    }

    private void nftAdd() {
        String rules = """
                table ip xrbench {
                  chain pre { type nat hook prerouting priority dstnat; ip daddr %s udp dport %d dnat to %s:%d; }
                  chain post { type nat hook postrouting priority srcnat; ip daddr %s udp dport %d snat to %s:%d; }
                }
                """.formatted(Lab.VIP, VIP_PORT, Lab.SERVER_IP, SERVER_PORT, Lab.SERVER_IP, SERVER_PORT,
                Lab.PROXY_SERVER_SIDE_IP, 40000);
        try {
            Path file = Files.createTempFile("xdprecon-nft-", ".nft");
            try {
                Files.writeString(file, rules);
                Lab.inNs(lab.proxyNs(), "nft", "-f", file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void nftDelete() {
        // Without a NAT table the namespace's conntrack hooks go too, so the kernel rows do not pay for them.
        Lab.inNs(lab.proxyNs(), "nft", "delete", "table", "ip", "xrbench");
    }

    /** The redirect ceiling's fixed target: out of ps, to s0's MAC. */
    private void setCeilingTarget(BpfObject labObject) {
        BpfMap bss = labObject.map(".bss");
        byte[] target = new byte[bss.valueSize()];
        ByteBuffer.wrap(target).order(ByteOrder.nativeOrder()).putInt(0, lab.ps().ifindex());
        Mac.parse(lab.s0().mac()).write(target, 4);
        Mac.parse(lab.ps().mac()).write(target, 10);
        byte[] key = Abi.u32Bytes(0);
        bss.update(key, target, UpdateMode.ANY);
        // A devmap resolves the ifindex in the writer's namespace: write it from the proxy's.
        BpfMap ports = labObject.map("ceiling_ports");
        NetNs.run(lab.proxyNs(), () -> ports.update(key, Abi.u32Bytes(lab.ps().ifindex()), UpdateMode.ANY));
    }

    /** The map at capacity: a rule for each of flowgen's flows (to the server), the rest filler no packet meets. */
    private void fill(RulesMap rules, int flows) {
        int capacity = rules.capacity();
        if (flows > capacity) {
            throw new IllegalArgumentException(flows + " flows do not fit a rules map of " + capacity);
        }
        int source = Ipv4.parse(Testpmd.FLOWGEN_SOURCE);
        int firstDestination = Ipv4.parse(Testpmd.FLOWGEN_DESTINATION);
        int proxy = Ipv4.parse(Lab.PROXY_SERVER_SIDE_IP);
        int server = Ipv4.parse(Lab.SERVER_IP);
        Map<FlowKey, FlowRule> page = new HashMap<>();
        for (int i = 0; i < capacity; i++) {
            if (i < flows) {
                page.put(new FlowKey(lab.pc().ifindex(), source, firstDestination + i, Testpmd.FLOWGEN_SOURCE_PORT,
                                Testpmd.FLOWGEN_DESTINATION_PORT),
                        new FlowRule(new FlowKey(lab.ps().ifindex(), proxy, server, 1024 + i % 60000, SERVER_PORT), Owner.CONFIG));
            } else {
                page.put(new FlowKey(999, 0x0a800000 + i, 0x0a7f0000, 1, 1),
                        new FlowRule(new FlowKey(999, 0x0a800000, 0x0a7f0000, 1, 1), Owner.CONFIG));
            }
            if (page.size() == RulesMap.PAGE || i == capacity - 1) {
                rules.putAll(page);
                page.clear();
            }
        }
    }

    private static long rxPackets(Lab.Iface iface) {
        return LinkCounters.rxPackets(iface.ns(), iface.name());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private void print(Map<String, double[]> pps, Map<String, double[]> ns, List<Row> rows, String fullName, String loadBefore,
            String loadAfter) throws IOException {
        String ceiling = rows.get(1).name();
        String nft = rows.get(4).name();
        String hit = rows.get(5).name();
        String manyCeiling = rows.get(7).name();
        Map<String, Double> medians = new LinkedHashMap<>();
        pps.forEach((name, values) -> medians.put(name, median(values)));
        Map<String, Double> nsMedians = new LinkedHashMap<>();
        ns.forEach((name, values) -> nsMedians.put(name, median(values)));
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        System.out.printf("%nFast path, 64-byte UDP from dpdk-testpmd (AF_XDP on a veth), %s, %d CPUs (%s), kernel %s%n",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("os.version"));
        System.out.printf("%d rounds x %.1f s windows, median per row; load average before: %s, after: %s;"
                + " ns/packet: the XDP program's bpf_stats run_time_ns / run_cnt over the window%n%n",
                rounds, windowSeconds, loadBefore, loadAfter);
        System.out.println("| datapath | median pps | vs ceiling | vs nftables | ns/packet | rounds (kpps) |");
        System.out.println("|---|---:|---:|---:|---:|---|");
        for (Map.Entry<String, Double> e : medians.entrySet()) {
            if (e.getKey().startsWith(PRICE) || e.getKey().startsWith(FAMILY)) {
                continue;
            }
            boolean many = e.getKey().contains("[flowgen]");
            double reference = medians.getOrDefault(many ? manyCeiling : ceiling, Double.NaN);
            List<String> each = new ArrayList<>();
            for (double v : pps.get(e.getKey())) {
                each.add(String.format("%.0f", v / 1000));
            }
            System.out.printf("| %s | %,.0f | %.2fx | %s | %s | %s |%n", e.getKey(), e.getValue(), e.getValue() / reference,
                    many ? "" : String.format("%.2fx", e.getValue() / medians.getOrDefault(nft, Double.NaN)),
                    nanos(nsMedians.get(e.getKey())), String.join(" / ", each));
        }
        if (medians.containsKey(FAMILY + "IPv4") && medians.containsKey(FAMILY + "IPv6")) {
            System.out.printf("%nIPv4 and IPv6: xdp_main's hit path, one 64-byte frame replayed by testpmd through net_pcap"
                    + " (txonly makes no IPv6), same run; pps compare with each other only%n%n");
            System.out.println("| family | median pps | vs IPv4 | ns/packet | rounds (kpps) |");
            System.out.println("|---|---:|---:|---:|---|");
            double v4 = medians.get(FAMILY + "IPv4");
            for (String family : List.of("IPv4", "IPv6")) {
                List<String> each = new ArrayList<>();
                for (double v : pps.get(FAMILY + family)) {
                    each.add(String.format("%.0f", v / 1000));
                }
                System.out.printf("| %s | %,.0f | %.2fx | %s | %s |%n", family, medians.get(FAMILY + family),
                        medians.get(FAMILY + family) / v4, nanos(nsMedians.get(FAMILY + family)), String.join(" / ", each));
            }
        }
        if (medians.keySet().stream().anyMatch(k -> k.startsWith(PRICE)) && medians.containsKey(hit)) {
            System.out.printf("%nPrice list: xdp_main with one stage switched off (bench-only builds), same run; above 1.00x"
                    + " is what the stage costs, below it the run's noise; ns saved = xdp_main's ns/packet minus the variant's%n%n");
            System.out.println("| stage switched off | median pps | vs xdp_main | ns/packet | ns saved |");
            System.out.println("|---|---:|---:|---:|---:|");
            double base = medians.get(hit);
            double baseNs = nsMedians.get(hit);
            medians.forEach((name, value) -> {
                if (name.startsWith(PRICE)) {
                    double variantNs = nsMedians.get(name);
                    System.out.printf("| %s | %,.0f | %.2fx | %s | %s |%n", name.substring(PRICE.length()), value, value / base,
                            nanos(variantNs), nanos(baseNs - variantNs));
                }
            });
        }
        if (!medians.containsKey(hit) || !medians.containsKey(ceiling) || !medians.containsKey(nft)) {
            return; // a partial run (row filter): no goals
        }
        double hitVsCeiling = medians.get(hit) / medians.get(ceiling);
        double hitVsNft = medians.get(hit) / medians.get(nft);
        double fullVsCeiling = medians.getOrDefault(fullName, 0.0) / medians.getOrDefault(manyCeiling, 1.0);
        double fullVsLookup = medians.getOrDefault(fullName, 0.0) / medians.getOrDefault(LOOKUP_CEILING, 1.0);
        double lookupVsCeiling = medians.getOrDefault(LOOKUP_CEILING, 0.0) / medians.getOrDefault(manyCeiling, 1.0);
        System.out.printf("%nGoals: hit path %.2fx the ceiling (>= 0.90: %s), %.2fx nftables (>= 1.8: %s); "
                        + "full map %.2fx the ceiling fed the same flows (>= 0.80: %s)%n",
                hitVsCeiling, verdict(hitVsCeiling >= 0.90), hitVsNft, verdict(hitVsNft >= 1.8), fullVsCeiling,
                verdict(fullVsCeiling >= 0.80));
        System.out.printf("Full map: one lookup alone in it reaches %.2fx the ceiling (the most any datapath that looks a rule up"
                + " there can reach); xdp_main reaches %.2fx of that second ceiling%n", lookupVsCeiling, fullVsLookup);
    }

    private static IpAddress.V6 v6(String text) {
        long[] bits = Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }

    private static String nanos(Double ns) {
        return ns == null || ns.isNaN() ? "" : String.format("%.0f", ns);
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT met";
    }
}
