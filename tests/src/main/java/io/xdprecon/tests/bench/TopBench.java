package io.xdprecon.tests.bench;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code xdprecon top} costs on a full map: N rules (default 524,288, the map's capacity), each with per-CPU
 * flow counters, then {@code xdprecon top --once} run through the launcher (the JVM options a user gets) a few
 * times. Each run reads the maps twice one interval apart; its header says what one refresh cost (batch reads of
 * rules, counters and datapath counters, then the rows and their rates), and the process's CPU is measured whole.
 *
 * <p>Usage: {@code TopBench LAUNCHER [rules] [runs]}; needs root and a bpffs.
 */
public final class TopBench {
    private static final Pattern REFRESH = Pattern.compile("refresh (\\d+) ms \\(cpu (\\d+) ms\\)");

    public static void main(String[] args) throws Exception {
        Path launcher = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 524_288;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path pinRoot = Lab.BPFFS.resolve(Lab.PIN_PREFIX + "bench-top-" + ProcessHandle.current().pid());
        Files.createDirectories(pinRoot);
        List<double[]> measured = new ArrayList<>();
        try (Datapath datapath = Datapath.load(pinRoot, n)) {
            Map<FlowKey, FlowRule> rules = RuleWriteBench.rules(n);
            datapath.rules().putAll(rules);
            fillCounters(pinRoot, rules);
            for (int r = 0; r < runs; r++) {
                measured.add(run(launcher, pinRoot));
            }
        } finally {
            Datapath.unpin(pinRoot);
            Files.deleteIfExists(pinRoot);
        }
        double wall = RuleWriteBench.median(measured.stream().mapToDouble(m -> m[0]).toArray());
        double cpu = RuleWriteBench.median(measured.stream().mapToDouble(m -> m[1]).toArray());
        double process = RuleWriteBench.median(measured.stream().mapToDouble(m -> m[2]).toArray());
        System.out.printf("%n`xdprecon top` on a full map: %,d rules, each with per-CPU counters on %d CPUs (median of %d"
                + " runs of `top --once --interval 1s`)%n", n, BpfMap.possibleCpus(), runs);
        System.out.printf("| %-62s | %10s |%n|%s|%s|%n", "measure", "value", "-".repeat(64), "-".repeat(12));
        System.out.printf("| %-62s | %10.0f |%n", "one refresh, wall ms (3 batch reads + rows and rates)", wall);
        System.out.printf("| %-62s | %10.0f |%n", "one refresh, CPU ms of the refreshing thread", cpu);
        System.out.printf("| %-62s | %9.0f%% |%n", "  share of one core at the default 1 s interval", cpu / 10);
        System.out.printf("| %-62s | %10.0f |%n", "the whole `top --once` process, CPU ms (JVM start, 2 reads, GC)", process);
        System.out.println("  per run (wall ms, cpu ms, process cpu ms): "
                + measured.stream().map(m -> String.format("%.0f/%.0f/%.0f", m[0], m[1], m[2])).toList());
    }

    /**
     * Per-CPU counters for every rule, as the XDP program would leave them after traffic on each: every slot of
     * {@code xdp_flow_ctrs} a rule can hold (1..rules) gets some.
     */
    private static void fillCounters(Path pinRoot, Map<FlowKey, FlowRule> rules) {
        try (BpfMap counters = BpfMap.openPinned(pinRoot.resolve(Datapath.FLOW_COUNTERS_MAP))) {
            int cpus = BpfMap.possibleCpus();
            for (int slot = 1; slot <= rules.size(); slot++) {
                FlowCounters each = new FlowCounters(1000 + slot, 100_000 + slot);
                counters.update(Abi.u32Bytes(slot), Abi.perCpuCounterBytes(Collections.nCopies(cpus, each), cpus,
                        counters.slotSize()), UpdateMode.ANY);
            }
        }
    }

    /** {wall ms, cpu ms} of one refresh from the header, and the process's CPU ms. */
    private static double[] run(Path launcher, Path pinRoot) throws Exception {
        long childrenBefore = ReconcileBench.childrenCpuNanos();
        Process p = new ProcessBuilder(launcher.toString(), "top", "--once", "-n", "10", "--interval", "1s", "--pin-root",
                pinRoot.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("top failed:\n" + out);
        }
        double process = (ReconcileBench.childrenCpuNanos() - childrenBefore) / 1e6;
        Matcher m = REFRESH.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no refresh figure in:\n" + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), process};
    }

    private TopBench() {}
}
