package io.xdprecon.tests.bench;

import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.ConfigInput;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.plan.RevisionDiff;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveRules;
import io.xdprecon.state.LiveState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the planner's merged walks of packed rules cost at FLOWS flows (one file, keys even): the revision diff
 * ({@link RevisionDiff#between}) and the full plan against the live rules packed ({@link Planner#plan(DesiredState,
 * LiveState, LiveRules)}, whose walk is the live diff), each for a revision that changes nothing and one that moves
 * every flow's server port. A price list: one JVM, configs loaded before the clock starts, no kernel; CPU time of the
 * planning thread, the median and the best of REPS runs after as many unmeasured ones.
 *
 * <p>It uses only API the base build has, so it compares two builds by running this class on each one's class path
 * ({@code bench.sh planwalk} with {@code WALK_BASE}).
 *
 * <p>Usage: {@code PlanWalkBench FLOWS REPS LABEL}.
 */
public final class PlanWalkBench {
    private static final long SEED = 20261204;

    public static void main(String[] args) throws Exception {
        int flows = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        String label = args[2];
        Path work = Files.createTempDirectory("xdprecon-plan-walk");
        DesiredState written;
        DesiredState edited;
        try {
            Path file = work.resolve("flows.yaml");
            FleetConfigs.writeFile(file, flows, FleetConfigs.Keys.EVEN, SEED);
            written = load(file);
            FleetConfigs.writeFile(file, flows, FleetConfigs.Keys.EVEN, SEED, i -> 1);
            edited = load(file);
        } finally {
            Lab.deleteRecursively(work);
        }
        LiveRules live = asWritten(written.packed());
        LiveState facts = new LiveState(false, 0, Map.of(), Set.of(), List.of(), Map.of());
        System.out.printf("%n%s: merged walks at %d flows (%d rules), CPU ms of the planning thread over %d runs"
                + " (price list)%n", label, flows, written.packed().size(), reps);
        System.out.printf("| %-38s | %8s | %8s | %9s |%n", "walk", "median", "best", "keys");
        System.out.println("|----------------------------------------|----------|----------|-----------|");
        row("revision diff, nothing changed", reps, () -> RevisionDiff.between(written, written).size());
        row("revision diff, every flow edited", reps, () -> RevisionDiff.between(written, edited).size());
        row("full plan, live as written", reps, () -> ruleChanges(Planner.plan(written, facts, live)));
        row("full plan, every flow edited", reps, () -> ruleChanges(Planner.plan(edited, facts, live)));
    }

    private static DesiredState load(Path file) {
        return new ConfigCache().load(file, List.of(ConfigInput.of(file, "")), "lab",
                InterfaceResolver.of(Map.of("pc", 2, "ps", 3))).desired();
    }

    /** The live map as the config wrote it: every desired rule, config-owned. */
    private static LiveRules asWritten(DesiredRules desired) {
        LiveRules.Builder builder = new LiveRules.Builder();
        for (int i = 0; i < desired.size(); i++) {
            builder.add(desired.key(i), new FlowRule(desired.rule(i).rule().rewrite(), Owner.CONFIG));
        }
        return builder.build();
    }

    private static int ruleChanges(Plan plan) {
        return plan.ruleChanges().size();
    }

    private static void row(String name, int reps, Supplier<Integer> walk) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int keys = 0;
        for (int r = 0; r < reps; r++) {
            keys = walk.get(); // the JIT's compilations: not measured
        }
        long[] nanos = new long[reps];
        for (int r = 0; r < reps; r++) {
            long cpu = threads.getCurrentThreadCpuTime();
            int got = walk.get();
            nanos[r] = threads.getCurrentThreadCpuTime() - cpu;
            if (got != keys) {
                throw new IllegalStateException(name + ": " + got + " keys, then " + keys);
            }
        }
        Arrays.sort(nanos);
        System.out.printf("| %-38s | %8.2f | %8.2f | %9d |%n", name, nanos[reps / 2] / 1e6, nanos[0] / 1e6, keys);
    }
}
