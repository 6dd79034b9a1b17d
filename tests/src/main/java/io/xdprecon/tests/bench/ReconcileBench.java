package io.xdprecon.tests.bench;

import io.xdprecon.apply.Applier;
import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Baseline;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.plan.RevisionDiff;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import io.xdprecon.state.LiveState;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reconciler at full scale, in the lab's proxy namespace: a config of 262,144 static flows
 * (524,288 rules), applied cold to empty maps, beside {@code bpftool batch file} doing the same 524,288
 * writes; then one flow changed among them, round after round: through the daemon's path for a new
 * revision (planned from the last one, point lookups of the changed keys) and through its full path
 * (full read, full plan), and once as {@code xdprecon apply -c} does it. Prints wall and CPU time per phase.
 *
 * <p>Usage: {@code ReconcileBench [flows[,flows...]]}; needs root. With several sizes it runs each in a JVM and
 * a lab of its own and charts time against flows ({@code reconcile-cold}, {@code reconcile-one-flow}: {@link ChartWriter}).
 */
public final class ReconcileBench {
    private static final int EGRESS_ADDRESSES = 8;
    /** One-flow changes through the daemon's path, and through the full path. */
    private static final int ROUNDS = 7;
    private static final int FULL_ROUNDS = 3;

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = args.length > 0
                ? java.util.Arrays.stream(args[0].split(",")).map(String::trim).map(Integer::parseInt).toList()
                : List.of(262_144);
        if (sizes.size() == 1) {
            Result result = measure(sizes.getFirst());
            if (args.length > 1) {
                Files.writeString(Path.of(args[1]), result.line());
            }
            return;
        }
        // Each size in a JVM of its own with this one's options, as a daemon or `apply` meets it: in one JVM
        // the first size would pay for the JIT and every later one would look cheaper than it is.
        List<Result> results = new ArrayList<>();
        for (int flows : sizes) {
            Path line = Files.createTempFile("xdprecon-reconcile-bench", ".result");
            try {
                List<String> command = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
                command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReconcileBench.class.getName(),
                        Integer.toString(flows), line.toString()));
                int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
                if (exit != 0) {
                    throw new IllegalStateException("ReconcileBench " + flows + " exited " + exit);
                }
                results.add(Result.parse(Files.readString(line)));
            } finally {
                Files.deleteIfExists(line);
            }
        }
        chart(results);
    }

    /** One size's figures for the charts: ms, wall. */
    record Result(int flows, double load, double resolve, double plan, double apply, double total, double bpftool,
                  double daemonPath, double fullPath) {
        String line() {
            return flows + " " + load + " " + resolve + " " + plan + " " + apply + " " + total + " " + bpftool + " "
                    + daemonPath + " " + fullPath;
        }

        static Result parse(String line) {
            double[] v = java.util.Arrays.stream(line.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
            return new Result((int) v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
        }
    }

    private static Result measure(int flows) throws Exception {
        Path dir = Files.createTempDirectory("xdprecon-reconcile-bench");
        try (Lab lab = Lab.start()) {
            Path config = dir.resolve("flows.yaml");
            writeConfig(config, flows);
            return NetNs.call(lab.proxyNs(), () -> run(lab, config, dir, flows));
        } finally {
            Lab.deleteRecursively(dir);
        }
    }

    /** Time against flows (log-log): each cold phase beside bpftool, and one changed flow by both daemon paths. */
    static void chart(List<Result> results) {
        List<Double> flows = results.stream().map(r -> (double) r.flows()).toList();
        java.util.function.Function<java.util.function.ToDoubleFunction<Result>, List<Double>> ys =
                f -> results.stream().map(r -> f.applyAsDouble(r)).toList();
        ChartWriter charts = ChartWriter.fromSystemProperty();
        charts.write(new Chart.Lines("reconcile-cold", "Cold apply into empty maps: wall time by phase",
                Chart.Axis.log("flows (2 rules each)"), Chart.Axis.log("ms (wall)"), List.of(
                        new Chart.Series("load + validate YAML", flows, ys.apply(Result::load)),
                        new Chart.Series("resolve for the node", flows, ys.apply(Result::resolve)),
                        new Chart.Series("plan", flows, ys.apply(Result::plan)),
                        new Chart.Series("apply (batch writes)", flows, ys.apply(Result::apply)),
                        new Chart.Series("total, file to kernel", flows, ys.apply(Result::total)),
                        new Chart.Series("bpftool batch file, same writes", flows, ys.apply(Result::bpftool)))));
        charts.write(new Chart.Lines("reconcile-one-flow", "One flow changed among N: plan + apply, median wall",
                Chart.Axis.log("flows in the config"), Chart.Axis.log("ms (wall)"), List.of(
                        new Chart.Series("daemon: planned from the last revision", flows, ys.apply(Result::daemonPath)),
                        new Chart.Series("full read + full plan", flows, ys.apply(Result::fullPath)))));
    }

    private static Result run(Lab lab, Path configFile, Path dir, int flows) throws Exception {
        Phases cold = new Phases();
        Config config = ConfigLoader.load(configFile);
        double[] loadTime = cold.stop("load + validate config (YAML, schema, checks)");
        DesiredState desired = config.forNode("bench", InterfaceResolver.currentNetns());
        double[] resolveTime = cold.stop("resolve for the node (expand to rules)");
        LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
        LiveState live = reader.read(desired);
        cold.stop("read live state");
        Plan plan = Planner.plan(desired, live);
        double[] planTime = cold.stop("plan");
        Applier applier = new Applier(reader, setting -> { }, line -> { });
        applier.apply(plan, new Applier.Options(false, false));
        double[] applyTime = cold.stop("apply (" + desired.rules().size() + " rules written in batches)");
        double[] total = cold.total();
        if (lab.datapath().rules().readAll().size() != 2 * flows) {
            throw new IllegalStateException("cold apply left " + lab.datapath().rules().readAll().size() + " rules");
        }

        // The same 524,288 writes through bpftool, into the emptied map.
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        desired.rules().forEach((key, rule) -> rules.put(key, rule.rule()));
        lab.datapath().rules().removeAll(new ArrayList<>(rules.keySet()));
        Path batch = dir.resolve("rules.bpftool");
        RuleWriteBench.writeBpftoolBatch(batch, lab.pinRoot().resolve("xdp_fwd_rules"), rules);
        Phases tool = new Phases();
        RuleWriteBench.bpftool(batch);
        double[] bpftool = tool.stop("bpftool batch file, the same " + 2 * flows + " writes");
        if (!lab.datapath().rules().readAll().equals(rules)) {
            throw new IllegalStateException("bpftool did not write the same rules");
        }
        // One flow changed among all of them: the daemon's everyday case (desired state in memory). The
        // daemon plans a new revision from the one the node holds (point lookups of the keys they disagree
        // on); on its drift interval, and as before this path existed, from a full read.
        // Each round moves another flow; the first round runs the code for the first time in this JVM.
        DesiredState current = desired;
        Baseline baseline = Baseline.of(desired); // the daemon keeps it from the revision before
        List<Phases> incremental = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            DesiredState edited = withOneFlowMoved(current, round);
            Phases phases = new Phases();
            RevisionDiff diff = RevisionDiff.between(baseline.desired(), edited);
            phases.stop("diff of the two revisions (" + diff.keys().size() + " key)");
            LiveState facts = reader.readFacts(edited);
            Map<FlowKey, FlowRule> lookedUp = reader.readRules(diff.keys());
            phases.stop("read the node without its rules, look up that key");
            Plan plan1 = Planner.planChange(baseline, edited, diff, facts, 2 * flows, lookedUp).orElseThrow();
            phases.stop("plan (" + plan1.summary().line() + ")");
            applier.applyFresh(plan1, new Applier.Options(false, false));
            phases.stop("apply (looks up the touched key, writes 1 rule)");
            baseline = baseline.next(edited, diff);
            phases.stop("carry the baseline to the new revision");
            incremental.add(phases);
            current = edited;
        }
        List<Phases> full = new ArrayList<>();
        for (int round = ROUNDS + 1; round <= ROUNDS + FULL_ROUNDS; round++) {
            DesiredState edited = withOneFlowMoved(current, round);
            Phases phases = new Phases();
            LiveState liveNow = reader.read(edited);
            phases.stop("read live state (" + liveNow.rules().size() + " rules)");
            Plan fullPlan = Planner.plan(edited, liveNow);
            phases.stop("plan (" + fullPlan.summary().line() + ")");
            applier.applyFresh(fullPlan, new Applier.Options(false, false));
            phases.stop("apply (looks up the touched key, writes 1 rule)");
            full.add(phases);
            current = edited;
        }
        // `xdprecon apply -c` (and a saved plan): the same, but apply walks the live map into the fingerprint.
        DesiredState cliEdited = withOneFlowMoved(current, ROUNDS + FULL_ROUNDS + 1);
        Phases cli = new Phases();
        Plan cliPlan = Planner.plan(cliEdited, reader.read(cliEdited));
        cli.stop("read + plan");
        applier.apply(cliPlan, new Applier.Options(false, false));
        double[] cliApply = cli.stop("apply with the fingerprint walk");
        current = cliEdited;
        if (!lab.datapath().rules().readAll().equals(rulesOf(current))) {
            throw new IllegalStateException("the one-flow changes did not leave the edited rules");
        }

        System.out.printf("%nCold apply of %,d flows (%,d rules) into empty maps, in-process phases%n", flows, 2 * flows);
        System.out.printf("(cpu: this thread's user+sys, bpftool's for its row; GC and JIT threads not counted)%n");
        System.out.printf("| %-58s | %10s | %10s |%n", "phase", "wall ms", "cpu ms");
        System.out.printf("|%s|%s|%s|%n", "-".repeat(60), "-".repeat(12), "-".repeat(12));
        cold.rows.forEach((name, ms) -> System.out.printf("| %-58s | %10.1f | %10.1f |%n", name, ms[0], ms[1]));
        double[] planApply = {planTime[0] + applyTime[0], planTime[1] + applyTime[1]};
        System.out.printf("| %-58s | %10.1f | %10.1f |%n", "plan + apply", planApply[0], planApply[1]);
        System.out.printf("| %-58s | %10.1f | %10.1f |%n", "total, config file to rules in the kernel", total[0], total[1]);
        tool.rows.forEach((name, ms) -> System.out.printf("| %-58s | %10.1f | %10.1f |%n", name, ms[0], ms[1]));
        System.out.printf("%nbpftool / xdprecon apply step: %.1fx wall, %.1fx cpu (goal >= 10x, apply <= 1 s)%n",
                bpftool[0] / applyTime[0], bpftool[1] / applyTime[1]);
        System.out.printf("bpftool / xdprecon plan + apply: %.1fx wall, %.1fx cpu; bpftool / xdprecon total: %.1fx wall%n",
                bpftool[0] / planApply[0], bpftool[1] / planApply[1], bpftool[0] / total[0]);
        System.out.printf("%nOne flow changed among %,d (desired state in memory, as the daemon holds it)%n", flows);
        System.out.printf("%nthe daemon's path for a new revision: planned from the last one (%d rounds)%n", ROUNDS);
        double incrementalTotal = rounds(incremental, "total (goal <= 100 ms)");
        System.out.printf("%nthe daemon's full path (drift interval, start): full read, full plan (%d rounds)%n",
                FULL_ROUNDS);
        double fullTotal = rounds(full, "total");
        System.out.printf("`xdprecon apply -c` instead checks the plan by walking the live map: apply %.1f ms wall, %.1f ms"
                + " cpu (read + plan + apply %.1f ms wall)%n", cliApply[0], cliApply[1], cli.total()[0]);
        System.out.printf("%nfull path / daemon path, medians: %.1fx%n", fullTotal / incrementalTotal);
        return new Result(flows, loadTime[0], resolveTime[0], planTime[0], applyTime[0], total[0], bpftool[0],
                incrementalTotal, fullTotal);
    }

    /** Prints the first round and the medians of all rounds per phase, wall and cpu; returns the median wall total. */
    private static double rounds(List<Phases> rounds, String totalName) {
        System.out.printf("| %-58s | %10s | %10s | %10s |%n", "phase", "first ms", "median ms", "median cpu");
        System.out.printf("|%s|%s|%s|%s|%n", "-".repeat(60), "-".repeat(12), "-".repeat(12), "-".repeat(12));
        for (String phase : rounds.getFirst().rows.keySet()) {
            System.out.printf("| %-58s | %10.1f | %10.1f | %10.1f |%n", phase, rounds.getFirst().rows.get(phase)[0],
                    median(rounds.stream().map(r -> r.rows.get(phase)[0]).toList()),
                    median(rounds.stream().map(r -> r.rows.get(phase)[1]).toList()));
        }
        double median = median(rounds.stream().map(r -> r.total()[0]).toList());
        System.out.printf("| %-58s | %10.1f | %10.1f | %10.1f |%n", totalName, rounds.getFirst().total()[0], median,
                median(rounds.stream().map(r -> r.total()[1]).toList()));
        return median;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /**
     * Wall and CPU time of consecutive phases, each from the end of the one before: CPU is this thread's
     * (user + sys, so the kernel's share of a syscall counts) plus that of the child processes waited for.
     */
    private static final class Phases {
        private static final java.lang.management.ThreadMXBean THREADS =
                java.lang.management.ManagementFactory.getThreadMXBean();
        final Map<String, double[]> rows = new LinkedHashMap<>();
        private long wall = System.nanoTime();
        private long cpu = cpuNanos();

        /** Ends the current phase; returns its {wall ms, cpu ms}. */
        double[] stop(String name) {
            long wallNow = System.nanoTime();
            long cpuNow = cpuNanos();
            double[] row = {(wallNow - wall) / 1e6, (cpuNow - cpu) / 1e6};
            rows.put(name, row);
            wall = wallNow;
            cpu = cpuNow;
            return row;
        }

        double[] total() {
            return new double[] {rows.values().stream().mapToDouble(r -> r[0]).sum(),
                    rows.values().stream().mapToDouble(r -> r[1]).sum()};
        }

        private static long cpuNanos() {
            return THREADS.getCurrentThreadCpuTime() + childrenCpuNanos();
        }
    }

    /** cutime + cstime of /proc/self/stat: children reaped so far, in clock ticks (100 Hz). */
    static long childrenCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) * 10_000_000L;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<FlowKey, FlowRule> rulesOf(DesiredState state) {
        Map<FlowKey, FlowRule> rules = new HashMap<>();
        state.rules().forEach((key, rule) -> rules.put(key, rule.rule()));
        return rules;
    }

    /** {@code state} with flow f{n}'s forward leg sent to another server port: one rule changes. */
    private static DesiredState withOneFlowMoved(DesiredState state, int n) {
        Map<FlowKey, DesiredRule> changed = new HashMap<>(state.rules());
        Map.Entry<FlowKey, DesiredRule> leg = state.rules().entrySet().stream()
                .filter(e -> e.getValue().flow().equals("f" + n) && e.getValue().direction() == Direction.FORWARD)
                .findFirst().orElseThrow();
        DesiredRule old = leg.getValue();
        FlowKey target = old.rule().rewrite();
        changed.put(leg.getKey(), new DesiredRule(new FlowRule(new FlowKey(target.ifindex(), target.srcIp(),
                target.dstIp(), target.srcPort(), (target.dstPort() + 1) & 0xffff), old.rule().owner()), old.flow(),
                old.direction()));
        return new DesiredState(state.node(), state.source(), changed, state.localIps(), state.tuning(),
                state.datapath());
    }

    /** 262,144 flows: distinct clients, 8 egress addresses with distinct ports, 64 servers. */
    static void writeConfig(Path file, int flows) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write(LabConfigs.header(List.of(Lab.VIP), 524288));
            for (int i = 0; i < flows; i++) {
                int egressAddress = i % EGRESS_ADDRESSES;
                int egressPort = 1024 + i / EGRESS_ADDRESSES;
                out.write("  - name: f" + i + "\n");
                out.write("    client: 10." + (64 + (i >>> 16)) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff) + ":" + (10000 + (i & 0x3ff)) + "\n");
                out.write("    listen: { interface: public, address: " + Lab.VIP + ", port: 30000 }\n");
                out.write("    egress: { interface: private, address: 10.210.2." + (1 + egressAddress) + ", port: " + egressPort + " }\n");
                out.write("    server: 10.210.3." + (1 + (i & 63)) + ":5004\n");
            }
        }
    }

    private ReconcileBench() {}
}
