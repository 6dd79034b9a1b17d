package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.model.ExpectedCounters;
import io.xdprecon.tests.model.FibCode;
import io.xdprecon.tests.model.FrameCorpus6;
import io.xdprecon.tests.model.Ipv6DatapathModel;
import io.xdprecon.tests.model.Outcome;
import io.xdprecon.tests.model.StaticFib6;
import io.xdprecon.tests.packets.FrameView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 17 item 3: the IPv6 half of the real program against {@link Ipv6DatapathModel}, as
 * {@link DatapathConformanceTest} does for IPv4 — at least 100,000 generated IPv6 frames through BPF_PROG_TEST_RUN
 * ({@code -Dxdprecon.corpus.cases=N}, {@code -Dxdprecon.corpus.seed=S} to reproduce), verdict and bytes frame by
 * frame, then the datapath counters and every rule's per-flow counters, through xdp_main and the tc bridge.
 */
class Ipv6ConformanceTest {
    private static final int CASES = Integer.getInteger("xdprecon.corpus.cases", 100_000);
    private static final long SEED = Long.getLong("xdprecon.corpus.seed", System.nanoTime());
    /** Counter slots the test hands its rules (the control plane's bitmap is not used: no IPv4 rule is here). */
    private static final int FIRST_SLOT = 1000;

    private static KernelDatapath kernel;
    private static StaticFib6 fib;

    @BeforeAll
    static void start() {
        kernel = KernelDatapath.start();
        fib = kernel.ipv6();
    }

    @AfterAll
    static void stop() {
        if (kernel != null) {
            kernel.close();
        }
    }

    @ParameterizedTest
    @EnumSource(KernelDatapath.Hook.class)
    void programAgreesWithTheModelOnEveryGeneratedIpv6Frame(KernelDatapath.Hook hook) {
        List<IpAddress.V6> relay = List.of("2001:db8:a::1", "2001:db8:a::100", "2001:db8:b::1").stream()
                .map(StaticFib6::address).toList();
        List<IpAddress.V6> destinations = List.of("2001:db8:a::2", "2001:db8:a::3", "2001:db8:b::2", "2001:db8:b::77",
                "2001:db8:9::5", "2001:db8:10::5", "2001:db8:11::5", "2001:db8:ff::7", "2001:db8:a::100").stream()
                .map(StaticFib6::address).toList();
        Map<FlowKey6, FlowRule6> rules = FrameCorpus6.rulesFor(new SplittableRandom(SEED), 400, List.of(kernel.pc(), kernel.ps()),
                relay, destinations);
        Map<FlowKey6, Integer> slots = new HashMap<>();
        try (BpfMap rules6 = BpfMap.openPinned(kernel.lab().pinRoot().resolve(Datapath.RULES6_MAP))) {
            for (Map.Entry<FlowKey6, FlowRule6> rule : rules.entrySet()) {
                int slot = FIRST_SLOT + slots.size();
                slots.put(rule.getKey(), slot);
                rules6.update(Abi.key6Bytes(rule.getKey()), Abi.rule6Bytes(rule.getValue(), slot), UpdateMode.ANY);
            }
        }
        // The first relay address is local (a DPDK service's): misses, hop limits <= 1 and echo requests toward it
        // are the slow path's; neighbour discovery toward it stays the kernel's.
        Set<IpAddress.V6> local = Set.of(relay.getFirst());
        local.forEach(kernel.datapath().localIps6()::add);
        Ipv6DatapathModel model = new Ipv6DatapathModel(rules, local, fib);
        FrameCorpus6 corpus = new FrameCorpus6(new FrameCorpus6.Scenario6(rules, fib, List.of(kernel.pc(), kernel.ps())), SEED);
        List<FrameCorpus6.Case> cases = corpus.generate(CASES + CASES / 8);

        Map<Stat, Long> statsBefore = kernel.datapath().stats().read();
        Map<FlowKey6, FlowCounters> flowsBefore = flowCounters(slots);
        Map<IpAddress.V6, Long> localBefore = kernel.datapath().localIps6().readAll();
        List<FrameCorpus6.Case> runnable = new ArrayList<>();
        for (FrameCorpus6.Case c : cases) {
            if (!hook.refuses(c.frame())) {
                runnable.add(c);
            }
        }
        List<KernelDatapath.Result> results = kernel.run(runnable.stream().map(FrameCorpus6.Case::frame).toList(),
                runnable.stream().map(FrameCorpus6.Case::ingressIfindex).toList(), hook);

        ExpectedCounters expected = new ExpectedCounters();
        List<String> mismatches = new ArrayList<>();
        Set<FibCode> answers = EnumSet.noneOf(FibCode.class);
        Map<FrameCorpus6.Category, Integer> perCategory = new EnumMap<>(FrameCorpus6.Category.class);
        for (int i = 0; i < runnable.size(); i++) {
            FrameCorpus6.Case c = runnable.get(i);
            Outcome want = model.evaluate(c.frame(), c.ingressIfindex());
            expected.add(want);
            want.fib().ifPresent(f -> answers.add(f.code()));
            perCategory.merge(c.category(), 1, Integer::sum);
            KernelDatapath.Result got = results.get(i);
            if (got.action() != hook.expected(want.action()) || !Arrays.equals(got.output(), want.output())) {
                mismatches.add(corpus.reproduce(c) + "\n  kernel: " + got.action() + ", model: " + want.describe()
                        + "\n  bytes: " + FrameView.diff(want.output(), got.output()));
            }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                mismatches.size() + " of " + runnable.size() + " frames differ (first 10 shown)");
        assertTrue(runnable.size() >= CASES, "ran " + runnable.size() + " frames through the program");
        assertEquals(FrameCorpus6.Category.values().length, perCategory.size(), "every category ran: " + perCategory.keySet());
        assertEquals(EnumSet.of(FibCode.SUCCESS, FibCode.BLACKHOLE, FibCode.UNREACHABLE, FibCode.PROHIBIT, FibCode.NOT_FWDED,
                FibCode.FWD_DISABLED, FibCode.NO_NEIGH, FibCode.FRAG_NEEDED), answers, "every FIB answer this FIB gives");

        Map<Stat, Long> statsDelta = new EnumMap<>(Stat.class);
        kernel.datapath().stats().read().forEach((stat, now) -> statsDelta.put(stat, now - statsBefore.get(stat)));
        assertEquals(expected.stats(), statsDelta, "xdp_counters, summed over CPUs");

        Map<FlowKey6, FlowCounters> flows = new HashMap<>();
        flowCounters(slots).forEach((key, now) -> {
            FlowCounters before = flowsBefore.get(key);
            if (!now.equals(before)) {
                flows.put(key, new FlowCounters(now.packets() - before.packets(), now.bytes() - before.bytes()));
            }
        });
        assertEquals(expected.flows6(), flows, "xdp_flow_ctrs at each IPv6 rule's slot, summed over CPUs");
        Map<IpAddress.V6, Long> localDelta = new HashMap<>();
        kernel.datapath().localIps6().readAll().forEach((ip, now) -> {
            long delta = now - localBefore.getOrDefault(ip, 0L);
            if (delta != 0) {
                localDelta.put(ip, delta);
            }
        });
        assertEquals(expected.localIps6(), localDelta, "xdp_local_ips6 counters");
        assertTrue(expected.stats().get(Stat.AFXDP_FALLBACK) > 0, "frames toward the local IPv6 address were the slow path's");
        System.out.printf("IPv6 conformance (%s): seed %d, %d frames through BPF_PROG_TEST_RUN, 0 mismatches, %s%n", hook,
                SEED, runnable.size(), expected.actions());
    }

    private static Map<FlowKey6, FlowCounters> flowCounters(Map<FlowKey6, Integer> slots) {
        Map<FlowKey6, FlowCounters> counters = new HashMap<>();
        try (BpfMap map = BpfMap.openPinned(kernel.lab().pinRoot().resolve(Datapath.FLOW_COUNTERS_MAP))) {
            byte[] value = new byte[map.valueSize()];
            slots.forEach((key, slot) -> {
                map.lookup(Abi.u32Bytes(slot), value);
                counters.put(key, Abi.sumCounters(value, BpfMap.possibleCpus(), map.slotSize()));
            });
        }
        return counters;
    }
}
