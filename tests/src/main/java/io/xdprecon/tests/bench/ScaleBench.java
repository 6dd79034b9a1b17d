package io.xdprecon.tests.bench;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The control plane at fleet scale as a user meets it: {@code xdprecon validate} of a generated config, and
 * {@code xdprecon run} with a file source — cold start (empty maps) until every rule is in the kernel's map, then a
 * one-flow edit (the file replaced, as editors and config tools do) until the edited rule is — each through the
 * launcher with the JVM options the shipped unit gives it ({@code XDPRECON_JAVA_OPTS} of systemd/xdprecon.env),
 * side by side for several builds (this checkout and a baseline checkout), at several sizes. The effect is read
 * from the pinned maps, not from the daemon's log. Prints a table and the ratios baseline / this.
 *
 * <p>Usage: {@code ScaleBench FLOWS[,FLOWS...] KEYS NAME=CHECKOUT[@JAVA_OPTS] ...}; needs root. The system property
 * {@code xdprecon.bench.files} (default 1) lists the layouts: 1 is one file, N a directory of a base file and N flow
 * files (a one-flow edit replaces the one file that holds the flow). KEYS is one of
 * {@link FleetConfigs.Keys} (even, random, one-client, one-server). The first checkout's unit options apply where
 * none are given.
 */
public final class ScaleBench {
    private static final long SEED = 20261203;
    private static final int EDITS = 3;
    private static final Duration COLD_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration EDIT_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long after the last edit the daemon's memory is read: at rest. */
    private static final Duration REST = Duration.ofSeconds(15);

    /** A build to measure: its checkout (whose launcher is run) and the JVM options it runs with. */
    record Build(String name, Path checkout, String javaOptions) {
        Path launcher() {
            return checkout.resolve("xdprecon");
        }
    }

    /** One build at one size and layout. A stage that failed holds its reason, and the later ones are not run. */
    record Row(Build build, int flows, int files, Stage validate, Stage cold, Stage edit, long rssKb, long peakKb, long coldCpuMs) {}

    /** Seconds, or why there are none (OOM, died, timeout). */
    record Stage(double seconds, String failure, long peakKb) {
        static Stage failed(String why) {
            return new Stage(Double.NaN, why, -1);
        }

        String cell() {
            return failure != null ? failure : "%.2f".formatted(seconds);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ScaleBench FLOWS[,FLOWS...] KEYS NAME=CHECKOUT[@JAVA_OPTS] ...");
            System.exit(2);
        }
        List<Integer> sizes = Arrays.stream(args[0].split(",")).map(String::trim).map(Integer::parseInt).toList();
        FleetConfigs.Keys keys = FleetConfigs.Keys.valueOf(args[1].toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        List<Integer> layouts = Arrays.stream(System.getProperty("xdprecon.bench.files", "1").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        List<Build> builds = new ArrayList<>();
        String unitOptions = null;
        for (int i = 2; i < args.length; i++) {
            String[] nameAndRest = args[i].split("=", 2);
            String[] checkoutAndOptions = nameAndRest[1].split("@", 2);
            Path checkout = Path.of(checkoutAndOptions[0]).toAbsolutePath().normalize();
            if (unitOptions == null) {
                unitOptions = DaemonUnderTest.unitJavaOptions(checkout);
            }
            builds.add(new Build(nameAndRest[0], checkout, checkoutAndOptions.length > 1 ? checkoutAndOptions[1] : unitOptions));
        }
        for (Build build : builds) {
            // The launcher makes its AOT cache on first use (an installed package ships one): not in a measurement.
            Process warm = new ProcessBuilder(build.launcher().toString(), "validate",
                    build.checkout().resolve("examples/flows.yaml").toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (warm.waitFor() != 0) {
                throw new IllegalStateException(build.launcher() + " validate examples/flows.yaml failed");
            }
        }
        List<Row> rows = new ArrayList<>();
        Path work = Files.createTempDirectory("xdprecon-scale-bench");
        try {
            for (int flows : sizes) {
                for (int files : layouts) {
                    Layout layout = new Layout(work, flows, files, keys);
                    layout.write();
                    System.err.printf("%,d flows (%s keys) in %s%n", flows, keys.label(), layout);
                    for (Build build : builds) {
                        Row row = measure(build, layout, flows, keys, work);
                        rows.add(row);
                        System.err.println(row);
                        layout.write(); // the next build starts from the same files
                    }
                }
            }
            Path file = work.resolve("flows.yaml");
            FleetConfigs.writeFile(file, sizes.getLast(), keys, SEED);
            io.xdprecon.config.YamlScanBench.print(file, 5);
        } finally {
            Lab.deleteRecursively(work);
        }
        print(rows, builds, keys);
    }

    /** The config: one file, or a directory of a base file and {@code files} flow files (flow i in file i % files). */
    record Layout(Path work, int flows, int files, FleetConfigs.Keys keys) {
        Path path() {
            return files == 1 ? work.resolve("flows.yaml") : work.resolve("fleet");
        }

        void write() throws IOException {
            if (files == 1) {
                FleetConfigs.writeFile(path(), flows, keys, SEED);
            } else {
                Lab.deleteRecursively(path());
                FleetConfigs.writeDirectory(path(), flows, files, keys, SEED);
            }
        }

        /** Flow {@code flow} in {@code variant}, the file (or the directory's one file that holds it) replaced. */
        void edit(int flow, int variant) {
            if (files == 1) {
                FleetConfigs.writeFile(path(), flows, keys, SEED, flow, variant);
            } else {
                FleetConfigs.editDirectory(path(), flows, files, keys, SEED, flow, variant);
            }
        }

        @Override
        public String toString() {
            try {
                return files == 1 ? "one file, %,d bytes".formatted(Files.size(path()))
                        : "%d flow files and a base file".formatted(files);
            } catch (IOException e) {
                return path().toString();
            }
        }
    }

    private static Row measure(Build build, Layout layout, int flows, FleetConfigs.Keys keys, Path work) throws Exception {
        Path file = layout.path();
        int files = layout.files();
        Stage validate = validate(build, file, work);
        try (Lab lab = Lab.start()) {
            Path state = Files.createDirectories(work.resolve("state-" + build.name() + "-" + flows));
            Path log = work.resolve("daemon-" + build.name() + "-" + flows + ".log");
            Map<String, Integer> devices = Map.of("pc", lab.pc().ifindex(), "ps", lab.ps().ifindex());
            Map<FlowKey, FlowRule> sample = new HashMap<>();
            for (int flow : new int[] {0, flows / 2, flows - 1}) {
                sample.putAll(rulesOf(work, flow, keys, 0, devices));
            }
            int edited = flows / 3;
            RulesMap rules = lab.datapath().rules();
            try (DaemonUnderTest daemon = DaemonUnderTest.start(lab, build.launcher(), build.javaOptions(),
                    "file:" + file, state, log, List.of())) {
                Stage cold;
                try {
                    long at = daemon.await("every rule applied", COLD_TIMEOUT, POLL,
                            () -> rules.slotsInUse() >= 2 * flows && holds(rules, sample) || stopped(daemon)
                                    // an older build given a directory applies what it reads of it: one file
                                    || polls % 50 == 0 && daemon.count("applied revision") > 0);
                    if (!holds(rules, sample)) {
                        return new Row(build, flows, files, validate, Stage.failed(failure(daemon)), Stage.failed("-"), -1, -1, -1);
                    }
                    cold = new Stage((at - daemon.startedNanos()) / 1e9, null, -1);
                } catch (IllegalStateException e) {
                    return new Row(build, flows, files, validate, Stage.failed(failure(daemon)), Stage.failed("-"), -1, -1, -1);
                }
                long coldCpu = daemon.cpuMillis();
                // The apply is done once the daemon says so: only then is an edit a new revision after it.
                daemon.await("the apply reported", Duration.ofMinutes(1), POLL, () -> daemon.count("applied revision") >= 1);
                double[] edits = new double[EDITS];
                for (int e = 0; e < EDITS; e++) {
                    Map<FlowKey, FlowRule> wanted = rulesOf(work, edited, keys, e + 1, devices);
                    int appliedBefore = daemon.count("applied revision");
                    layout.edit(edited, e + 1);
                    long saved = System.nanoTime();
                    try {
                        long at = daemon.await("the edit applied", EDIT_TIMEOUT, POLL,
                                () -> holds(rules, wanted) || stopped(daemon));
                        if (!holds(rules, wanted)) {
                            throw new IllegalStateException("out of memory");
                        }
                        edits[e] = (at - saved) / 1e9;
                        daemon.await("the apply reported", Duration.ofMinutes(1), POLL,
                                () -> daemon.count("applied revision") > appliedBefore);
                    } catch (IllegalStateException failed) {
                        Map<String, Long> memory = daemon.process().isAlive() ? daemon.memory() : Map.of();
                        return new Row(build, flows, files, validate, cold, Stage.failed(failure(daemon)),
                                memory.getOrDefault("VmRSS", -1L), memory.getOrDefault("VmHWM", -1L), coldCpu);
                    }
                }
                Arrays.sort(edits);
                // The daemon at rest, as it spends most of its life: past the unit's idle collection (every 5 s when idle).
                Thread.sleep(REST.toMillis());
                Map<String, Long> memory = daemon.memory();
                return new Row(build, flows, files, validate, cold, new Stage(edits[EDITS / 2], null, -1),
                        memory.get("VmRSS"), memory.get("VmHWM"), coldCpu);
            }
        }
    }

    /** {@code xdprecon validate FILE} in a new JVM with the build's options: wall time and peak RSS. */
    private static Stage validate(Build build, Path file, Path work) throws IOException, InterruptedException {
        Path peak = work.resolve("validate-peak");
        Path output = work.resolve("validate-output");
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/time", "-o", peak.toString(), "-f", "%M",
                build.launcher().toString(), "validate", file.toString()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("XDPRECON_JAVA_OPTS", build.javaOptions());
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String[] lines = Files.readString(peak).strip().split("\n");
        long peakKb = Long.parseLong(lines[lines.length - 1].strip());
        if (exit != 0) {
            String out = Files.readString(output);
            return new Stage(seconds, out.contains("OutOfMemoryError") ? "OOM" : "exit " + exit, peakKb);
        }
        return new Stage(seconds, null, peakKb);
    }

    /** The rules flow {@code flow} in {@code variant} gives, derived by the loader from a one-flow config. */
    private static Map<FlowKey, FlowRule> rulesOf(Path work, int flow, FleetConfigs.Keys keys, int variant,
            Map<String, Integer> devices) throws IOException {
        Path one = work.resolve("one-flow.yaml");
        Files.writeString(one, FleetConfigs.base(FleetConfigs.maxRules(1), true) + FleetConfigs.flow(flow, keys, SEED, variant));
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        ConfigLoader.load(one).forNode("lab", InterfaceResolver.of(devices)).rules()
                .forEach((key, rule) -> rules.put(key, rule.rule()));
        return rules;
    }

    private static boolean holds(RulesMap rules, Map<FlowKey, FlowRule> wanted) {
        for (Map.Entry<FlowKey, FlowRule> e : wanted.entrySet()) {
            Optional<FlowRule> live = rules.get(e.getKey());
            if (live.isEmpty() || !live.get().equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static int polls;

    /**
     * Whether the daemon's log reports an OutOfMemoryError or a source it cannot read (an older build given a
     * directory of several files): read every 50th poll, the rest cost a map lookup.
     */
    private static boolean stopped(DaemonUnderTest daemon) {
        if (++polls % 50 != 0) {
            return false;
        }
        String log = daemon.log();
        return log.contains("OutOfMemoryError") || log.contains("cannot read ");
    }

    /** Why the daemon stopped short: an OOM, its death, or a timeout. */
    private static String failure(DaemonUnderTest daemon) {
        String log = daemon.log();
        System.err.println("the daemon's log ends:\n" + daemon.tail());
        if (log.contains("OutOfMemoryError")) {
            return "OOM";
        }
        if (log.contains("cannot read ")) {
            return "refused";
        }
        if (log.contains("applied revision")) {
            return "partial";
        }
        return daemon.process().isAlive() ? "timeout" : "died";
    }

    private static void print(List<Row> rows, List<Build> builds, FleetConfigs.Keys keys) {
        System.out.printf("%nxdprecon at fleet scale (%s keys): validate, and `run` with a file source — cold start until"
                + " every rule is in the map, one-flow edit until the edited rule is (median of %d); each build through its"
                + " launcher%n", keys.label(), EDITS);
        for (Build build : builds) {
            System.out.printf("  %s: %s, XDPRECON_JAVA_OPTS=%s%n", build.name(), build.checkout(), build.javaOptions());
        }
        System.out.printf("| %-8s | %7s | %5s | %11s | %9s | %12s | %12s | %10s | %9s | %10s |%n", "build", "flows", "files",
                "validate s", "valid. MB", "cold start s", "one edit s", "daemon MB", "peak MB", "cold µs/fl");
        System.out.println("|----------|---------|-------|-------------|-----------|--------------|--------------|------------|-----------|------------|");
        for (Row r : rows) {
            System.out.printf("| %-8s | %7d | %5d | %11s | %9s | %12s | %12s | %10s | %9s | %10s |%n", r.build().name(), r.flows(), r.files(),
                    r.validate().cell(), mb(r.validate().peakKb()), r.cold().cell(), r.edit().cell(), mb(r.rssKb()),
                    mb(r.peakKb()), r.coldCpuMs() < 0 ? "-" : Long.toString(r.coldCpuMs() * 1000 / r.flows()));
        }
        if (builds.size() < 2) {
            return;
        }
        Build mine = builds.getFirst();
        System.out.printf("%nratios other build / %s (>1: %s is faster or smaller)%n", mine.name(), mine.name());
        System.out.printf("| %-8s | %7s | %5s | %10s | %9s | %12s | %10s | %10s |%n", "build", "flows", "files", "validate",
                "valid. MB", "cold start", "one edit", "daemon MB");
        System.out.println("|----------|---------|-------|------------|-----------|--------------|------------|------------|");
        for (Row r : rows) {
            if (r.build() == mine) {
                continue;
            }
            Row m = rows.stream().filter(x -> x.build() == mine && x.flows() == r.flows() && x.files() == r.files())
                    .findFirst().orElseThrow();
            System.out.printf("| %-8s | %7d | %5d | %10s | %9s | %12s | %10s | %10s |%n", r.build().name(), r.flows(), r.files(),
                    ratio(r.validate(), m.validate()), ratio(r.validate().peakKb(), m.validate().peakKb()),
                    ratio(r.cold(), m.cold()), ratio(r.edit(), m.edit()), ratio(r.rssKb(), m.rssKb()));
        }
    }

    private static String ratio(Stage other, Stage mine) {
        if (other.failure() != null || mine.failure() != null) {
            return other.failure() != null ? other.failure() : "-";
        }
        return "%.1fx".formatted(other.seconds() / mine.seconds());
    }

    private static String ratio(long other, long mine) {
        return other <= 0 || mine <= 0 ? "-" : "%.1fx".formatted((double) other / mine);
    }

    private static String mb(long kb) {
        return kb < 0 ? "-" : Long.toString(kb / 1024);
    }
}
