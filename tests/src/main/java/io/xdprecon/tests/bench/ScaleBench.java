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
 * <p>Usage: {@code ScaleBench FLOWS[,FLOWS...] KEYS NAME=CHECKOUT[@JAVA_OPTS] ...}; needs root. KEYS is one of
 * {@link FleetConfigs.Keys} (even, random, one-client, one-server). The first checkout's unit options apply where
 * none are given.
 */
public final class ScaleBench {
    private static final long SEED = 20261203;
    private static final int EDITS = 3;
    private static final Duration COLD_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration EDIT_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(20);

    /** A build to measure: its checkout (whose launcher is run) and the JVM options it runs with. */
    record Build(String name, Path checkout, String javaOptions) {
        Path launcher() {
            return checkout.resolve("xdprecon");
        }
    }

    /** One build at one size. A stage that failed holds its reason, and the later ones are not run. */
    record Row(Build build, int flows, Stage validate, Stage cold, Stage edit, long rssKb, long peakKb, long coldCpuMs) {}

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
                Path file = work.resolve("flows.yaml");
                FleetConfigs.writeFile(file, flows, keys, SEED);
                System.err.printf("%,d flows (%s keys): %,d bytes%n", flows, keys.label(), Files.size(file));
                for (Build build : builds) {
                    Row row = measure(build, file, flows, keys, work);
                    rows.add(row);
                    System.err.println(row);
                    FleetConfigs.writeFile(file, flows, keys, SEED); // the next build starts from the same file
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

    private static Row measure(Build build, Path file, int flows, FleetConfigs.Keys keys, Path work) throws Exception {
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
                            () -> rules.slotsInUse() >= 2 * flows && holds(rules, sample) || outOfMemory(daemon));
                    if (!holds(rules, sample)) {
                        return new Row(build, flows, validate, Stage.failed(failure(daemon)), Stage.failed("-"), -1, -1, -1);
                    }
                    cold = new Stage((at - daemon.startedNanos()) / 1e9, null, -1);
                } catch (IllegalStateException e) {
                    return new Row(build, flows, validate, Stage.failed(failure(daemon)), Stage.failed("-"), -1, -1, -1);
                }
                long coldCpu = daemon.cpuMillis();
                // The apply is done once the daemon says so: only then is an edit a new revision after it.
                daemon.await("the apply reported", Duration.ofMinutes(1), POLL, () -> daemon.count("applied revision") >= 1);
                double[] edits = new double[EDITS];
                for (int e = 0; e < EDITS; e++) {
                    Map<FlowKey, FlowRule> wanted = rulesOf(work, edited, keys, e + 1, devices);
                    int appliedBefore = daemon.count("applied revision");
                    FleetConfigs.writeFile(file, flows, keys, SEED, edited, e + 1);
                    long saved = System.nanoTime();
                    try {
                        long at = daemon.await("the edit applied", EDIT_TIMEOUT, POLL,
                                () -> holds(rules, wanted) || outOfMemory(daemon));
                        if (!holds(rules, wanted)) {
                            throw new IllegalStateException("out of memory");
                        }
                        edits[e] = (at - saved) / 1e9;
                        daemon.await("the apply reported", Duration.ofMinutes(1), POLL,
                                () -> daemon.count("applied revision") > appliedBefore);
                    } catch (IllegalStateException failed) {
                        Map<String, Long> memory = daemon.process().isAlive() ? daemon.memory() : Map.of();
                        return new Row(build, flows, validate, cold, Stage.failed(failure(daemon)),
                                memory.getOrDefault("VmRSS", -1L), memory.getOrDefault("VmHWM", -1L), coldCpu);
                    }
                }
                Arrays.sort(edits);
                Map<String, Long> memory = daemon.memory();
                return new Row(build, flows, validate, cold, new Stage(edits[EDITS / 2], null, -1),
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

    /** Whether the daemon's log reports an OutOfMemoryError: read every 50th poll, the rest cost a map lookup. */
    private static boolean outOfMemory(DaemonUnderTest daemon) {
        return ++polls % 50 == 0 && daemon.log().contains("OutOfMemoryError");
    }

    /** Why the daemon stopped short: an OOM, its death, or a timeout. */
    private static String failure(DaemonUnderTest daemon) {
        String log = daemon.log();
        System.err.println("the daemon's log ends:\n" + daemon.tail());
        if (log.contains("OutOfMemoryError")) {
            return "OOM";
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
        System.out.printf("| %-8s | %7s | %11s | %9s | %12s | %12s | %10s | %9s | %10s |%n", "build", "flows",
                "validate s", "valid. MB", "cold start s", "one edit s", "daemon MB", "peak MB", "cold µs/fl");
        System.out.println("|----------|---------|-------------|-----------|--------------|--------------|------------|-----------|------------|");
        for (Row r : rows) {
            System.out.printf("| %-8s | %7d | %11s | %9s | %12s | %12s | %10s | %9s | %10s |%n", r.build().name(), r.flows(),
                    r.validate().cell(), mb(r.validate().peakKb()), r.cold().cell(), r.edit().cell(), mb(r.rssKb()),
                    mb(r.peakKb()), r.coldCpuMs() < 0 ? "-" : Long.toString(r.coldCpuMs() * 1000 / r.flows()));
        }
        if (builds.size() < 2) {
            return;
        }
        Build mine = builds.getFirst();
        System.out.printf("%nratios other build / %s (>1: %s is faster or smaller)%n", mine.name(), mine.name());
        System.out.printf("| %-8s | %7s | %10s | %9s | %12s | %10s | %10s |%n", "build", "flows", "validate", "valid. MB",
                "cold start", "one edit", "daemon MB");
        System.out.println("|----------|---------|------------|-----------|--------------|------------|------------|");
        for (Row r : rows) {
            if (r.build() == mine) {
                continue;
            }
            Row m = rows.stream().filter(x -> x.build() == mine && x.flows() == r.flows()).findFirst().orElseThrow();
            System.out.printf("| %-8s | %7d | %10s | %9s | %12s | %10s | %10s |%n", r.build().name(), r.flows(),
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
