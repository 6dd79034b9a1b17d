package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.model.DatapathModel;
import io.xdprecon.tests.model.ExpectedCounters;
import io.xdprecon.tests.model.FrameCorpus;
import io.xdprecon.tests.model.Outcome;
import io.xdprecon.tests.model.Scenario;
import io.xdprecon.tests.packets.FrameView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
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
 * The real program against the reference model on a generated corpus: at least 100,000 frames reach
 * the program ({@code -Dxdprecon.corpus.cases=N}; {@code -Dxdprecon.corpus.seed=S} reproduces a failure,
 * and every failure message names its seed): verdict and output bytes frame by frame, then every
 * counter the maps hold. Twice: through xdp_main, and through the tc bridge (tc_bridge.c, the same
 * forward.h on the clsact hook, over the same pinned maps) that forwards while XDP is absent.
 */
class DatapathConformanceTest {
    private static final int CASES = Integer.getInteger("xdprecon.corpus.cases", 100_000);
    private static final long SEED = Long.getLong("xdprecon.corpus.seed", System.nanoTime());

    private static KernelDatapath kernel;

    @BeforeAll
    static void start() {
        kernel = KernelDatapath.start();
    }

    @AfterAll
    static void stop() {
        if (kernel != null) {
            kernel.close();
        }
    }

    @ParameterizedTest
    @EnumSource(KernelDatapath.Hook.class)
    void programAgreesWithTheModelOnEveryGeneratedFrame(KernelDatapath.Hook hook) {
        SplittableRandom random = new SplittableRandom(SEED);
        Map<FlowKey, FlowRule> rules = FrameCorpus.rulesFor(random, 400, List.of(kernel.pc(), kernel.ps()),
                KernelDatapath.RELAY_IPS, KernelDatapath.DESTINATIONS, kernel.fib());
        DatapathModel model = kernel.install(rules, KernelDatapath.RELAY_IPS);
        Scenario scenario = new Scenario(rules, Set.copyOf(KernelDatapath.RELAY_IPS), kernel.fib(),
                List.of(kernel.pc(), kernel.ps()), 1);
        FrameCorpus corpus = new FrameCorpus(scenario, SEED);
        // Runts (a few percent; for tc a few more) never reach the program: generate enough that CASES frames do.
        List<FrameCorpus.Case> cases = corpus.generate(CASES + CASES / 8);

        Map<Stat, Long> statsBefore = kernel.datapath().stats().read();
        Map<Integer, Long> localBefore = kernel.datapath().localIps().readAll();
        Map<FlowKey, FlowCounters> flowsBefore = kernel.datapath().rules().readAllCounters();

        // Frames shorter than an Ethernet header cannot exist on a wire; the kernel refuses to test-run them (see Hook.refuses).
        List<FrameCorpus.Case> runnable = new ArrayList<>();
        int refused = 0;
        for (FrameCorpus.Case c : cases) {
            if (hook.refuses(c.frame())) {
                refused++;
                assertRefused(c, hook);
            } else {
                runnable.add(c);
            }
        }
        List<KernelDatapath.Result> results = kernel.run(runnable.stream().map(FrameCorpus.Case::frame).toList(),
                runnable.stream().map(FrameCorpus.Case::ingressIfindex).toList(), hook);

        ExpectedCounters expected = new ExpectedCounters();
        List<String> mismatches = new ArrayList<>();
        Map<FrameCorpus.Category, Integer> perCategory = new EnumMap<>(FrameCorpus.Category.class);
        for (int i = 0; i < runnable.size(); i++) {
            FrameCorpus.Case c = runnable.get(i);
            Outcome want = model.evaluate(c.frame(), c.ingressIfindex(), c.rxQueue(), false);
            expected.add(want);
            perCategory.merge(c.category(), 1, Integer::sum);
            KernelDatapath.Result got = results.get(i);
            if (got.action() != hook.expected(want.action()) || !Arrays.equals(got.output(), want.output())) {
                mismatches.add(corpus.reproduce(c) + "\n  kernel: " + got.action() + ", model: " + want.describe()
                        + "\n  bytes: " + FrameView.diff(want.output(), got.output()));
            }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                mismatches.size() + " of " + runnable.size() + " frames differ (first 10 shown)");
        assertTrue(runnable.size() >= CASES, "ran " + runnable.size() + " frames through the program, " + refused + " refused");
        assertEquals(Set.of(FrameCorpus.Category.values()).size() - 1, perCategory.size(),
                "every category but runts reached the kernel: " + perCategory.keySet());

        Map<Stat, Long> statsDelta = new EnumMap<>(Stat.class);
        kernel.datapath().stats().read().forEach((stat, now) -> statsDelta.put(stat, now - statsBefore.get(stat)));
        assertEquals(expected.stats(), statsDelta, "xdp_counters, summed over CPUs");
        for (Stat stat : List.of(Stat.REWRITE_HIT, Stat.REWRITE_MISS, Stat.FIB_DROP, Stat.HAIRPIN_TX, Stat.REDIRECT_OUT,
                Stat.FIB_PASS, Stat.TTL_EXPIRED, Stat.SLOW_PATH, Stat.NOT_IPV4, Stat.MALFORMED, Stat.AFXDP_FALLBACK)) {
            assertTrue(statsDelta.get(stat) > 0, stat + " was exercised");
        }

        Map<FlowKey, FlowCounters> flows = new HashMap<>();
        kernel.datapath().rules().readAllCounters().forEach((key, now) -> {
            FlowCounters before = flowsBefore.getOrDefault(key, FlowCounters.ZERO);
            if (now.packets() != before.packets() || now.bytes() != before.bytes()) {
                flows.put(key, new FlowCounters(now.packets() - before.packets(), now.bytes() - before.bytes()));
            }
        });
        assertEquals(expected.flows(), flows, "xdp_flow_ctrs at each rule's slot, summed over CPUs");

        Map<Integer, Long> localDelta = new HashMap<>();
        kernel.datapath().localIps().readAll().forEach((ip, now) -> {
            long delta = now - localBefore.getOrDefault(ip, 0L);
            if (delta != 0) {
                localDelta.put(ip, delta);
            }
        });
        assertEquals(expected.localIps(), localDelta, "xdp_local_ips counters");
        System.out.printf("conformance (%s): seed %d, %d frames through BPF_PROG_TEST_RUN, %d refused by it, 0 mismatches%n",
                hook, SEED, runnable.size(), refused);
    }

    private static void assertRefused(FrameCorpus.Case c, KernelDatapath.Hook hook) {
        try {
            kernel.run(List.of(c.frame()), List.of(c.ingressIfindex()), hook);
        } catch (BpfException e) {
            assertInstanceOf(BpfException.InvalidArgument.class, e, "refused with EINVAL: " + e.getMessage());
            return;
        }
        throw new AssertionError("the kernel test-ran a " + c.frame().length + "-byte frame; compare it with the model instead");
    }
}
