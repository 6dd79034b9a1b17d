package io.xdprecon.tests.kernel;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.XdpTestRun;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.model.DatapathModel;
import io.xdprecon.tests.model.StaticFib;
import io.xdprecon.tests.model.XdpAction;
import io.xdprecon.tests.packets.Mac;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The real XDP program in the real kernel, without a network: a {@link Lab} gives it devices with XDP
 * rx-queue info and a FIB, a few extra routes give every FIB answer, and frames run through
 * {@code BPF_PROG_TEST_RUN} on a thread inside the proxy namespace (whose FIB the program consults).
 * {@link #fib()} describes that FIB to the {@link DatapathModel}.
 *
 * <pre>
 * ingress pc (forwarding on)    ingress ps (forwarding off: every lookup answers FWD_DISABLED)
 * 10.210.1.2, .1.3  neighbours on pc      SUCCESS (XDP_TX back out of pc, or redirect from ps)
 * 10.210.2.2        neighbour on ps       SUCCESS (redirect)
 * 10.210.2.77       connected, no neighbour   NO_NEIGH
 * 10.210.9/10/11.5  blackhole / unreachable / prohibit
 * 198.51.100.7      no route              NOT_FWDED
 * 10.210.1.100 (VIP), .1.1, .2.1  local   NOT_FWDED (and the local IPs of xdp_local_ips)
 * frames over 1500 bytes of IP            FRAG_NEEDED (device MTU 1500)
 * </pre>
 */
final class KernelDatapath implements AutoCloseable {
    static final List<Integer> RELAY_IPS = ips(Lab.VIP, Lab.PROXY_CLIENT_SIDE_IP, Lab.PROXY_SERVER_SIDE_IP);
    static final List<Integer> DESTINATIONS = ips(Lab.CLIENT_IP, Lab.CLIENT2_IP, Lab.SERVER_IP, "10.210.2.77",
            "10.210.9.5", "10.210.10.5", "10.210.11.5", "198.51.100.7", Lab.VIP);

    private final Lab lab;
    private final StaticFib fib;
    private final ExecutorService inProxy;
    private final BpfProgram program;
    private final BpfObject tcBridge;

    /** One kernel run: the verdict (as an XDP action, see {@link Hook#verdict}) and the frame as the program left it. */
    record Result(XdpAction action, byte[] output) {}

    /** Which entry point of the datapath runs the frames: xdp_main, or the tc bridge over the same maps. */
    enum Hook {
        XDP, TC;

        private static final int ETH_HLEN = 14;
        private static final int TC_ACT_OK = 0;
        private static final int TC_ACT_SHOT = 2;
        private static final int TC_ACT_REDIRECT = 7;

        /** What the model (which speaks XDP) decided, as this hook carries it out: tc sends TX and REDIRECT alike with bpf_redirect. */
        XdpAction expected(XdpAction model) {
            return this == TC && model == XdpAction.TX ? XdpAction.REDIRECT : model;
        }

        /**
         * Whether BPF_PROG_TEST_RUN refuses {@code frame} (EINVAL) on this hook: anything shorter than an
         * Ethernet header; for tc (an skb) also a bare Ethernet header, and IPv4 / IPv6 frames whose
         * network header is cut short. A wire delivers such frames to tc too: the test cannot.
         */
        boolean refuses(byte[] frame) {
            if (frame.length < ETH_HLEN) {
                return true;
            }
            if (this == XDP) {
                return false;
            }
            int type = ((frame[12] & 0xff) << 8) | (frame[13] & 0xff);
            return frame.length == ETH_HLEN || (type == 0x0800 && frame.length < ETH_HLEN + 20)
                    || (type == 0x86dd && frame.length < ETH_HLEN + 40);
        }

        XdpAction verdict(int code) {
            if (this == XDP) {
                return XdpAction.ofCode(code);
            }
            return switch (code) {
                case TC_ACT_OK -> XdpAction.PASS;
                case TC_ACT_SHOT -> XdpAction.DROP;
                case TC_ACT_REDIRECT -> XdpAction.REDIRECT;
                default -> throw new IllegalArgumentException("tc bridge returned TC_ACT code " + code);
            };
        }
    }

    private KernelDatapath(Lab lab) {
        this.lab = lab;
        String ns = lab.proxyNs();
        Lab.ip("-n", ns, "route", "add", "blackhole", "10.210.9.0/24");
        Lab.ip("-n", ns, "route", "add", "unreachable", "10.210.10.0/24");
        Lab.ip("-n", ns, "route", "add", "prohibit", "10.210.11.0/24");
        Lab.inNs(ns, "sysctl", "-q", "-w", "net.ipv4.conf.ps.forwarding=0");
        int pc = lab.pc().ifindex();
        int ps = lab.ps().ifindex();
        fib = StaticFib.builder()
                .iface(pc, Mac.parse(lab.pc().mac()), 1500)
                .ifaceWithoutForwarding(ps, Mac.parse(lab.ps().mac()), 1500)
                .local(Lab.VIP + "/32").local(Lab.PROXY_CLIENT_SIDE_IP + "/32").local(Lab.PROXY_SERVER_SIDE_IP + "/32")
                .connected("10.210.1.0/24", pc)
                .connected("10.210.2.0/24", ps)
                .neighbour(pc, Lab.CLIENT_IP, Mac.parse(lab.c0().mac()))
                .neighbour(pc, Lab.CLIENT2_IP, Mac.parse(lab.c0().mac()))
                .neighbour(ps, Lab.SERVER_IP, Mac.parse(lab.s0().mac()))
                .blackhole("10.210.9.0/24").unreachable("10.210.10.0/24").prohibit("10.210.11.0/24")
                .build();
        program = lab.datapath().program().orElseThrow();
        tcBridge = BpfObject.openBundled("tc_bridge", lab.pinRoot()).load();
        inProxy = Executors.newSingleThreadExecutor(task -> Thread.ofPlatform().name("test-run-" + ns).unstarted(() -> {
            NetNs.enter(ns);
            task.run();
        }));
    }

    static KernelDatapath start() {
        Lab lab = Lab.start();
        try {
            return new KernelDatapath(lab);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    Lab lab() {
        return lab;
    }

    Datapath datapath() {
        return lab.datapath();
    }

    StaticFib fib() {
        return fib;
    }

    int pc() {
        return lab.pc().ifindex();
    }

    int ps() {
        return lab.ps().ifindex();
    }

    /** Installs rules and local IPs in the live maps and returns the model of exactly that state. */
    DatapathModel install(Map<FlowKey, FlowRule> rules, List<Integer> localIps) {
        datapath().rules().putAll(rules);
        localIps.forEach(datapath().localIps()::add);
        return new DatapathModel(datapath().rules().readAll(), Set.copyOf(datapath().localIps().readAll().keySet()), fib);
    }

    /** Runs every frame through xdp_main in the proxy namespace, reusing one test-run context; results in order. */
    List<Result> run(List<byte[]> frames, List<Integer> ingress) {
        return run(frames, ingress, Hook.XDP);
    }

    /** Runs every frame through the program of {@code hook} in the proxy namespace; results in order. */
    List<Result> run(List<byte[]> frames, List<Integer> ingress, Hook hook) {
        return inProxy(() -> {
            try (XdpTestRun run = hook == Hook.XDP ? new XdpTestRun(program, 4096)
                    : XdpTestRun.ofTc(tcBridge.program("tc_bridge"), 4096)) {
                Result[] results = new Result[frames.size()];
                for (int i = 0; i < results.length; i++) {
                    int code = run.run(frames.get(i), ingress.get(i), 0);
                    results[i] = new Result(hook.verdict(code), run.output());
                }
                return List.of(results);
            }
        });
    }

    /**
     * IPv6 in the proxy namespace, for the IPv6 conformance test: addresses on pc and ps (no DAD, so they serve at
     * once), the peers as permanent neighbours, the same three failing routes, forwarding on pc and off on ps; and
     * {@link StaticFib6}, that FIB written down for the model.
     * <pre>
     * 2001:db8:a::2, ::3 neighbours on pc    SUCCESS     2001:db8:b::2 neighbour on ps   SUCCESS
     * 2001:db8:b::77  connected, no neighbour  NO_NEIGH    2001:db8:9/10/11::5  blackhole / unreachable / prohibit
     * 2001:db8:ff::7  no route  NOT_FWDED   2001:db8:a::1, ::100, 2001:db8:b::1  local  NOT_FWDED
     * over 1500 bytes of IPv6   FRAG_NEEDED       ingress ps (forwarding off)  FWD_DISABLED
     * </pre>
     */
    io.xdprecon.tests.model.StaticFib6 ipv6() {
        String ns = lab.proxyNs();
        Lab.inNs(ns, "sysctl", "-q", "-w", "net.ipv6.conf.pc.disable_ipv6=0", "net.ipv6.conf.ps.disable_ipv6=0",
                "net.ipv6.conf.pc.forwarding=1", "net.ipv6.conf.ps.forwarding=0");
        Lab.ip("-n", ns, "-6", "addr", "add", "2001:db8:a::1/64", "dev", "pc", "nodad");
        Lab.ip("-n", ns, "-6", "addr", "add", "2001:db8:a::100/128", "dev", "pc", "nodad");
        Lab.ip("-n", ns, "-6", "addr", "add", "2001:db8:b::1/64", "dev", "ps", "nodad");
        Lab.ip("-n", ns, "-6", "neigh", "replace", "2001:db8:a::2", "lladdr", lab.c0().mac(), "dev", "pc", "nud", "permanent");
        Lab.ip("-n", ns, "-6", "neigh", "replace", "2001:db8:a::3", "lladdr", lab.c0().mac(), "dev", "pc", "nud", "permanent");
        Lab.ip("-n", ns, "-6", "neigh", "replace", "2001:db8:b::2", "lladdr", lab.s0().mac(), "dev", "ps", "nud", "permanent");
        Lab.ip("-n", ns, "-6", "route", "add", "blackhole", "2001:db8:9::/64");
        Lab.ip("-n", ns, "-6", "route", "add", "unreachable", "2001:db8:10::/64");
        Lab.ip("-n", ns, "-6", "route", "add", "prohibit", "2001:db8:11::/64");
        int pc = pc();
        int ps = ps();
        return io.xdprecon.tests.model.StaticFib6.builder()
                .iface(pc, Mac.parse(lab.pc().mac()), 1500)
                .ifaceWithoutForwarding(ps, Mac.parse(lab.ps().mac()), 1500)
                .local("2001:db8:a::1/128").local("2001:db8:a::100/128").local("2001:db8:b::1/128")
                .connected("2001:db8:a::/64", pc)
                .connected("2001:db8:b::/64", ps)
                .neighbour(pc, "2001:db8:a::2", Mac.parse(lab.c0().mac()))
                .neighbour(pc, "2001:db8:a::3", Mac.parse(lab.c0().mac()))
                .neighbour(ps, "2001:db8:b::2", Mac.parse(lab.s0().mac()))
                .blackhole("2001:db8:9::/64").unreachable("2001:db8:10::/64").prohibit("2001:db8:11::/64")
                .build();
    }

    Result run(byte[] frame, int ingressIfindex) {
        return run(List.of(frame), List.of(ingressIfindex)).getFirst();
    }

    <T> T inProxy(java.util.concurrent.Callable<T> task) {
        Future<T> future = inProxy.submit(task);
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static List<Integer> ips(String... addresses) {
        return java.util.Arrays.stream(addresses).map(Ipv4::parse).toList();
    }

    @Override
    public void close() {
        inProxy.shutdownNow();
        tcBridge.close();
        lab.close();
    }
}
