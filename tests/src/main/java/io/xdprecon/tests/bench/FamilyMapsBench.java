package io.xdprecon.tests.bench;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Abi;
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
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One rules map for both address families against layout 4's two (issue 17 item 3), in one run on the real kernel:
 * the shipped {@code xdp_main} ({@code xdp_fwd_rules}, 16-byte IPv4 keys to 64-byte values, beside {@code xdp_rules6},
 * 40-byte keys to 48-byte values) and the bench-only {@code xdp_fwd_onemap} (both families in {@code xdp_rules_one}:
 * 40-byte keys, an IPv4 flow's addresses as {@code ::ffff:a.b.c.d}, 64-byte values), the same code around the lookup.
 * Both layouts' maps are filled to capacity (524,288 IPv4 rules and 65,536 IPv6 rules, random keys but for the
 * measured flows).
 *
 * <p>Cost: lab traffic from the client namespace's sockets to pc, where the two programs take turns (atomically
 * replaced, rows rotated each round, median of the rounds): {@code kernel.bpf_stats_enabled} run_time_ns / run_cnt
 * of the program on pc, for an IPv4 hit, an IPv6 hit (both rewritten, FIB, redirected to ps) and an IPv4 miss
 * (non-local, XDP_PASS), each over {@code flows} flows (destination ports) in turn. Memory: the kernel's
 * {@code memlock} of each rules map (fdinfo) beside the key and value bytes the entries hold.
 *
 * <p>Usage: {@code FamilyMapsBench [rounds] [datagrams] [flows]}; needs root ({@code scripts/bench.sh families}).
 */
public final class FamilyMapsBench {
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final String VARIANT = "xdp_fwd_onemap";
    private static final String ONE_MAP = "xdp_rules_one";
    private static final int CLIENT_PORT = 20000;
    private static final int VIP_PORT = 30000;
    private static final int SERVER_PORT = 50000;
    private static final int PAYLOAD = 18; // 64-byte IPv4 frames (60 + 4 FCS)
    private static final List<String> PATHS = List.of("IPv4 hit", "IPv6 hit", "IPv4 miss");
    private static final List<String> LAYOUTS = List.of("two maps (layout 4)", "one map");

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int datagrams = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int flows = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        String statsBefore = Files.readString(BPF_STATS).strip();
        Files.writeString(BPF_STATS, "1");
        try (Lab lab = Lab.start().dualStack();
                BpfObject variant = BpfObject.openBundled(VARIANT, lab.pinRoot()).load()) {
            Datapath datapath = lab.datapath();
            BpfMap rules = datapath.rules().rulesMap();
            BpfMap rules6 = datapath.rules6().rulesMap();
            BpfMap one = variant.map(ONE_MAP);
            if (one.maxEntries() != rules.maxEntries() + rules6.maxEntries()) {
                throw new IllegalStateException(ONE_MAP + " holds " + one.maxEntries() + ", not " + rules.maxEntries() + " + "
                        + rules6.maxEntries());
            }
            long t0 = System.nanoTime();
            fill(lab, flows, rules, rules6, one);
            System.out.printf("filled %,d + %,d rules into each layout in %.1f s%n", rules.maxEntries(), rules6.maxEntries(),
                    (System.nanoTime() - t0) / 1e9);

            BpfProgram two = datapath.program().orElseThrow();
            BpfProgram single = variant.program(Datapath.PROGRAM);
            List<BpfProgram> programs = List.of(two, single);
            int pc = lab.pc().ifindex();
            DatagramSocket client4 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, CLIENT_PORT);
            DatagramSocket client6 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP6, CLIENT_PORT);
            lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, SERVER_PORT); // no ICMP unreachable back
            lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, SERVER_PORT);
            lab.udpSocket(lab.proxyNs(), Lab.PROXY_CLIENT_SIDE_IP, VIP_PORT); // the miss's destination: no ICMP either
            List<Send> sends = List.of(
                    new Send(client4, Lab.VIP, flows), new Send(client6, Lab.VIP6, flows),
                    new Send(client4, Lab.PROXY_CLIENT_SIDE_IP, 1));

            Map<String, List<Double>> samples = new LinkedHashMap<>();
            int attached = two.id();
            for (int round = -1; round < rounds; round++) { // round -1 warms caches, neighbours and the JIT: not kept
                for (int l = 0; l < LAYOUTS.size(); l++) {
                    int layout = (l + round + 1) % LAYOUTS.size();
                    BpfProgram program = programs.get(layout);
                    int from = attached;
                    NetNs.run(lab.proxyNs(), () -> Xdp.replace(pc, from, program, XdpMode.NATIVE));
                    attached = program.id();
                    for (int p = 0; p < PATHS.size(); p++) {
                        int path = (p + round + 1) % PATHS.size();
                        double ns = nsPerRun(program, sends.get(path), datagrams);
                        if (round >= 0) {
                            samples.computeIfAbsent(LAYOUTS.get(layout) + "|" + PATHS.get(path), k -> new ArrayList<>()).add(ns);
                        }
                    }
                }
            }
            int back = attached;
            NetNs.run(lab.proxyNs(), () -> Xdp.replace(pc, back, two, XdpMode.NATIVE));
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();

            System.out.printf("%nRules lookup, one map for both families vs two (issue 17 item 3): ns per program run on pc"
                    + " (bpf_stats), median of %d rounds of %,d datagrams, %,d flows per path; maps full%n", rounds, datagrams,
                    flows);
            System.out.printf("load before %s, after %s%n%n", loadBefore, loadAfter);
            System.out.printf("| %-10s | %23s | %11s | %9s |%n", "path", LAYOUTS.get(0) + ", ns", "one map, ns", "one / two");
            System.out.printf("|%s|%s|%s|%s|%n", "-".repeat(12), "-".repeat(25), "-".repeat(13), "-".repeat(11));
            for (String path : PATHS) {
                double twoNs = median(samples.get(LAYOUTS.get(0) + "|" + path));
                double oneNs = median(samples.get(LAYOUTS.get(1) + "|" + path));
                System.out.printf("| %-10s | %23.1f | %11.1f | %8.2fx |%n", path, twoNs, oneNs, oneNs / twoNs);
            }
            for (String key : samples.keySet()) {
                System.out.printf("  %s: %s%n", key.replace('|', ' '), samples.get(key).stream()
                        .map(ns -> String.format("%.1f", ns)).toList());
            }

            long twoData = (long) rules.maxEntries() * (rules.keySize() + rules.valueSize())
                    + (long) rules6.maxEntries() * (rules6.keySize() + rules6.valueSize());
            long oneData = (long) one.maxEntries() * (one.keySize() + one.valueSize());
            long twoKernel = memlock(rules) + memlock(rules6);
            long oneKernel = memlock(one);
            System.out.printf("%nRules maps' memory at capacity (preallocated hash maps: the kernel's memlock in fdinfo)%n%n");
            System.out.printf("| %-34s | %9s | %9s | %12s | %12s |%n", "map", "entries", "key+value", "entries' B", "kernel B");
            System.out.printf("|%s|%s|%s|%s|%s|%n", "-".repeat(36), "-".repeat(11), "-".repeat(11), "-".repeat(14), "-".repeat(14));
            for (BpfMap m : List.of(rules, rules6, one)) {
                System.out.printf("| %-34s | %,9d | %4d+%-4d | %,12d | %,12d |%n", m.name(), m.maxEntries(), m.keySize(),
                        m.valueSize(), (long) m.maxEntries() * (m.keySize() + m.valueSize()), memlock(m));
            }
            System.out.printf("| %-34s | %,9d | %9s | %,12d | %,12d |%n", "two maps together", rules.maxEntries()
                    + rules6.maxEntries(), "", twoData, twoKernel);
            System.out.printf("%none map / two maps: entries' bytes %.2fx, kernel memory %.2fx%n", (double) oneData / twoData,
                    (double) oneKernel / twoKernel);
        } finally {
            Files.writeString(BPF_STATS, statsBefore);
        }
    }

    /** A path's traffic: datagrams from {@code from} to {@code to} at {@code ports} destination ports in turn. */
    private record Send(DatagramSocket from, String to, int ports) {}

    private static double nsPerRun(BpfProgram program, Send send, int n) throws Exception {
        DatagramPacket[] packets = new DatagramPacket[send.ports()];
        for (int i = 0; i < packets.length; i++) {
            packets[i] = new DatagramPacket(new byte[PAYLOAD], PAYLOAD, new InetSocketAddress(send.to(), VIP_PORT + i));
        }
        BpfProgram.RunStats before = program.runStats();
        for (int i = 0; i < n; i++) {
            send.from().send(packets[i % packets.length]);
        }
        BpfProgram.RunStats delta = program.runStats().minus(before);
        if (delta.runCount() < n / 2) { // a veth drops some before XDP when its ring is full: ns per run stays true
            throw new IllegalStateException(program.name() + " ran " + delta.runCount() + " times for " + n + " datagrams");
        }
        return delta.nsPerRun();
    }

    /**
     * Both layouts filled to capacity with the same rules: the measured flows (client to the VIP's ports, to the server)
     * and random filler no packet meets. Raw writes (the counters slot is the bench's choice): the shipped maps share
     * 524,289 counter slots between the families, so the views' slot writers could not fill both to capacity.
     */
    private static void fill(Lab lab, int flows, BpfMap rules, BpfMap rules6, BpfMap one) {
        int pc = lab.pc().ifindex();
        int ps = lab.ps().ifindex();
        byte[] value6 = new byte[one.valueSize()];
        for (int i = 0; i < flows; i++) {
            FlowKey key = FlowKey.of(pc, Lab.CLIENT_IP, CLIENT_PORT, Lab.VIP, VIP_PORT + i);
            FlowRule rule = new FlowRule(FlowKey.of(ps, Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, SERVER_PORT), Owner.CONFIG);
            write4(rules, one, key, rule, 1 + i);
            FlowKey6 key6 = new FlowKey6(pc, v6(Lab.CLIENT_IP6), v6(Lab.VIP6), CLIENT_PORT, VIP_PORT + i);
            FlowRule6 rule6 = new FlowRule6(new FlowKey6(ps, v6(Lab.PROXY_SERVER_SIDE_IP6), v6(Lab.SERVER_IP6), 40000,
                    SERVER_PORT), Owner.CONFIG);
            write6(rules6, one, key6, rule6, 1 + flows + i, value6);
        }
        SplittableRandom random = new SplittableRandom(17);
        FlowRule filler = new FlowRule(FlowKey.of(ps, "10.99.0.1", 1, "10.99.0.2", 2), Owner.CONFIG);
        for (int n = flows; n < rules.maxEntries(); n++) {
            // 10.128.0.0/9 sources: never a lab address, so never a measured flow
            FlowKey key = new FlowKey(pc, 0x0a800000 | random.nextInt(1 << 23), random.nextInt(), random.nextInt(1, 65536),
                    random.nextInt(1, 65536));
            if (!write4(rules, one, key, filler, 0)) {
                n--; // drawn twice
            }
        }
        FlowRule6 filler6 = new FlowRule6(new FlowKey6(ps, v6("2001:db8:99::1"), v6("2001:db8:99::2"), 1, 2), Owner.CONFIG);
        for (int n = flows; n < rules6.maxEntries(); n++) {
            FlowKey6 key = new FlowKey6(pc, new IpAddress.V6(0x20010db8_00ff0000L, random.nextLong()),
                    new IpAddress.V6(random.nextLong(), random.nextLong()), random.nextInt(1, 65536), random.nextInt(1, 65536));
            if (!write6(rules6, one, key, filler6, 0, value6)) {
                n--;
            }
        }
    }

    /** Writes an IPv4 rule into both layouts; false when the key was there already. */
    private static boolean write4(BpfMap rules, BpfMap one, FlowKey key, FlowRule rule, int slot) {
        byte[] value = Abi.ruleBytes(rule, slot);
        byte[] keyBytes = Abi.keyBytes(key);
        if (rules.lookup(keyBytes, new byte[rules.valueSize()])) {
            return false;
        }
        rules.update(keyBytes, value, UpdateMode.CREATE);
        one.update(Abi.key6Bytes(mapped(key)), Arrays.copyOf(value, one.valueSize()), UpdateMode.CREATE);
        return true;
    }

    private static boolean write6(BpfMap rules6, BpfMap one, FlowKey6 key, FlowRule6 rule, int slot, byte[] value6) {
        byte[] value = Abi.rule6Bytes(rule, slot);
        byte[] keyBytes = Abi.key6Bytes(key);
        if (rules6.lookup(keyBytes, new byte[rules6.valueSize()])) {
            return false;
        }
        rules6.update(keyBytes, value, UpdateMode.CREATE);
        System.arraycopy(value, 0, value6, 0, value.length);
        one.update(keyBytes, value6, UpdateMode.CREATE);
        return true;
    }

    /** The IPv4 key as the one map holds it: addresses as {@code ::ffff:a.b.c.d}. */
    private static FlowKey6 mapped(FlowKey key) {
        return new FlowKey6(key.ifindex(), new IpAddress.V6(0, 0xffff_0000_0000L | Integer.toUnsignedLong(key.srcIp())),
                new IpAddress.V6(0, 0xffff_0000_0000L | Integer.toUnsignedLong(key.dstIp())), key.srcPort(), key.dstPort());
    }

    /** The kernel's count of the map's memory ({@code memlock:} of its fdinfo). */
    private static long memlock(BpfMap map) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + map.fd()))) {
            if (line.startsWith("memlock:")) {
                return Long.parseLong(line.substring("memlock:".length()).strip());
            }
        }
        throw new IllegalStateException("no memlock in the fdinfo of " + map);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static IpAddress.V6 v6(String text) {
        long[] bits = Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }

    private FamilyMapsBench() {}
}
