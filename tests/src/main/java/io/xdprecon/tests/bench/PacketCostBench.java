package io.xdprecon.tests.bench;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Tc;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.bpf.XdpTestRun;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.packets.FrameBuilder;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The XDP program's cost per packet beside a ceiling: {@code xdp_ceiling} (same parse and header
 * rewrite, no map lookup, XDP_TX) and {@code xdp_pass} (nothing at all).
 *
 * <p>Method 1, real traffic in the lab: with {@code kernel.bpf_stats_enabled=1} the kernel adds each
 * program run's time to the program's {@code run_time_ns}/{@code run_cnt}; N datagrams go from the
 * client to the proxy and the average per run is read back, for each program attached to pc in turn
 * (atomically replaced, so the same traffic meets each). The tc bridge ({@code tc_bridge}, what forwards
 * during a DPDK restart) runs once on pc's clsact ingress with no XDP program there.
 *
 * <p>Method 2, {@code BPF_PROG_TEST_RUN} with a repeat count, for the paths whose packet the program
 * leaves unchanged (a rewriting hit would meet its own output on the next repetition).
 *
 * <p>Usage: {@code PacketCostBench [datagrams] [repeat]}; needs root.
 */
public final class PacketCostBench {
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    private static final int PAYLOAD = 64;

    public static void main(String[] args) throws Exception {
        int datagrams = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int repeat = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
        String statsBefore = Files.readString(BPF_STATS).trim();
        Files.writeString(BPF_STATS, "1");
        try (Lab lab = Lab.start()) {
            Datapath datapath = lab.datapath();
            FlowKey clientToVip = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
            FlowKey toServer = FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, 50000);
            datapath.rules().put(clientToVip, new FlowRule(toServer, Owner.CONFIG));
            datapath.localIps().add(Ipv4.parse(Lab.VIP));
            BpfProgram main = datapath.program().orElseThrow();
            BpfProgram ceiling = lab.labObject().program("xdp_ceiling");
            BpfProgram pass = lab.labObject().program("xdp_pass");

            DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
            lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000);             // no ICMP unreachable back
            lab.udpSocket(lab.proxyNs(), Lab.PROXY_CLIENT_SIDE_IP, 32000);
            InetSocketAddress vip = new InetSocketAddress(Lab.VIP, 30000);
            InetSocketAddress proxyAddress = new InetSocketAddress(Lab.PROXY_CLIENT_SIDE_IP, 32000);

            Map<String, Double> traffic = new LinkedHashMap<>();
            traffic.put("xdp_main: rule hit -> rewrite, FIB, redirect", nsPerRun(main, client, vip, datagrams));
            traffic.put("xdp_main: miss -> non-local, XDP_PASS", nsPerRun(main, client, proxyAddress, datagrams));
            int ifindex = lab.pc().ifindex();
            // The same program built without per-flow counters (it adopts the lab's pinned maps).
            try (BpfObject variant = BpfObject.openBundled("xdp_fwd_nocounters", lab.pinRoot()).load()) {
                BpfProgram noCounters = variant.program(Datapath.PROGRAM);
                NetNs.run(lab.proxyNs(), () -> Xdp.replace(ifindex, main.id(), noCounters, XdpMode.NATIVE));
                traffic.put("xdp_main without per-flow counters: rule hit", nsPerRun(noCounters, client, vip, datagrams));
                NetNs.run(lab.proxyNs(), () -> Xdp.replace(ifindex, noCounters.id(), main, XdpMode.NATIVE));
            }
            // The tc bridge that stands in for xdp_main during a DPDK restart: same maps, no XDP on pc.
            try (BpfObject bridgeObject = BpfObject.openBundled(DpdkDatapathLifecycle.BRIDGE_OBJECT, lab.pinRoot()).load()) {
                BpfProgram bridge = bridgeObject.program(DpdkDatapathLifecycle.BRIDGE_PROGRAM);
                Tc.Filter filter = DpdkDatapathLifecycle.bridgeFilter(ifindex);
                NetNs.run(lab.proxyNs(), () -> {
                    Tc.attach(filter, bridge, false);
                    Xdp.detach(ifindex, XdpMode.NATIVE);
                });
                traffic.put("tc_bridge (no XDP on pc): rule hit, same path", nsPerRun(bridge, client, vip, datagrams));
                NetNs.run(lab.proxyNs(), () -> {
                    Xdp.attach(ifindex, main, XdpMode.NATIVE);
                    Tc.detach(filter);
                });
            }
            NetNs.run(lab.proxyNs(), () -> Xdp.replace(ifindex, main.id(), ceiling, XdpMode.NATIVE));
            traffic.put("xdp_ceiling: parse, swap, XDP_TX (no lookup)", nsPerRun(ceiling, client, vip, datagrams));
            NetNs.run(lab.proxyNs(), () -> Xdp.replace(ifindex, ceiling.id(), pass, XdpMode.NATIVE));
            traffic.put("xdp_pass: return XDP_PASS", nsPerRun(pass, client, vip, datagrams));
            NetNs.run(lab.proxyNs(), () -> Xdp.replace(ifindex, pass.id(), main, XdpMode.NATIVE));

            byte[] missNonLocal = udpFrame(Lab.CLIENT_IP, 20000, Lab.PROXY_CLIENT_SIDE_IP, 32000);
            byte[] missLocal = udpFrame(Lab.CLIENT_IP, 20000, Lab.VIP, 31000);
            Map<String, Double> testRun = new LinkedHashMap<>();
            NetNs.run(lab.proxyNs(), () -> {
                testRun.put("xdp_main: miss -> non-local, XDP_PASS", repeatRun(main, missNonLocal, ifindex, repeat));
                testRun.put("xdp_main: miss -> local IP, no AF_XDP socket", repeatRun(main, missLocal, ifindex, repeat));
                testRun.put("xdp_pass: return XDP_PASS", repeatRun(pass, missNonLocal, ifindex, repeat));
                try (BpfObject bridgeObject = BpfObject.openBundled(DpdkDatapathLifecycle.BRIDGE_OBJECT, lab.pinRoot()).load();
                        XdpTestRun run = XdpTestRun.ofTc(bridgeObject.program(DpdkDatapathLifecycle.BRIDGE_PROGRAM), 2048)) {
                    run.run(missNonLocal, missNonLocal.length, ifindex, 0, repeat);
                    testRun.put("tc_bridge: miss -> non-local, TC_ACT_OK (skb)", (double) run.durationNs());
                }
            });

            double ceilingNs = traffic.get("xdp_ceiling: parse, swap, XDP_TX (no lookup)");
            System.out.printf("%nProgram cost per packet, lab traffic (%,d datagrams of %d bytes payload per row;"
                    + " kernel.bpf_stats_enabled run_time_ns / run_cnt)%n", datagrams, PAYLOAD);
            table(traffic, ceilingNs, "vs ceiling");
            System.out.printf("%nProgram cost per run, BPF_PROG_TEST_RUN repeat=%,d (paths that leave the packet unchanged)%n", repeat);
            table(testRun, testRun.get("xdp_pass: return XDP_PASS"), "vs xdp_pass");
        } finally {
            Files.writeString(BPF_STATS, statsBefore);
        }
    }

    private static double nsPerRun(BpfProgram program, DatagramSocket client, InetSocketAddress to, int n) throws Exception {
        byte[] payload = new byte[PAYLOAD];
        DatagramPacket packet = new DatagramPacket(payload, payload.length, to);
        BpfProgram.RunStats before = program.runStats();
        for (int i = 0; i < n; i++) {
            client.send(packet);
        }
        BpfProgram.RunStats delta = program.runStats().minus(before);
        if (delta.runCount() < n) {
            throw new IllegalStateException(program.name() + " ran " + delta.runCount() + " times for " + n + " datagrams");
        }
        return delta.nsPerRun();
    }

    private static double repeatRun(BpfProgram program, byte[] frame, int ifindex, int repeat) {
        try (XdpTestRun run = new XdpTestRun(program, 2048)) {
            run.run(frame, frame.length, ifindex, 0, repeat);
            return run.durationNs();
        }
    }

    private static byte[] udpFrame(String src, int srcPort, String dst, int dstPort) {
        return FrameBuilder.udp(Ipv4.parse(src), srcPort, Ipv4.parse(dst), dstPort).payload(new byte[PAYLOAD]).build();
    }

    private static void table(Map<String, Double> rows, double reference, String ratioName) {
        System.out.printf("| %-46s | %8s | %10s |%n", "program and path", "ns", ratioName);
        System.out.printf("|%s|%s|%s|%n", "-".repeat(48), "-".repeat(10), "-".repeat(12));
        rows.forEach((name, ns) -> System.out.printf("| %-46s | %8.1f | %9.2fx |%n", name, ns, ns / reference));
    }

    private PacketCostBench() {}
}
