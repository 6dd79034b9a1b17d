package io.xdprecon.tests.bench;

import io.xdprecon.lab.FleetConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code xdprecon plan --offline} of a full map's config as a user meets it: the launcher, a new JVM with the build's
 * unit JVM options (systemd/xdprecon.env), the plan printed as text and as {@code --json} to a file. Per build, in
 * turns: wall time, CPU (user + system), peak RSS (/usr/bin/time), bytes printed, and how the run ended (ok, OOM, exit
 * N); the load average before and after. Where both builds finished, their ratio.
 *
 * <p>Arguments: FLOWS, RUNS, KEYS (even|random|one-client|one-server), then {@code name=CHECKOUT} per build (each
 * built there: its launcher runs its own target/ jars).
 */
public final class PlanOutputBench {
    private static final long SEED = 20_261_203L;

    private PlanOutputBench() {}

    record Build(String name, Path root) {
        Path launcher() {
            return root.resolve("xdprecon");
        }
    }

    record Result(String build, String output, String end, double wallSeconds, double cpuSeconds, long peakKb, long bytes) {}

    public static void main(String[] args) throws Exception {
        int flows = Integer.parseInt(args[0]);
        int runs = Integer.parseInt(args[1]);
        FleetConfigs.Keys keys = FleetConfigs.Keys.valueOf(args[2].toUpperCase(Locale.ROOT).replace('-', '_'));
        List<Build> builds = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String[] nameRoot = args[i].split("=", 2);
            builds.add(new Build(nameRoot[0], Path.of(nameRoot[1]).toAbsolutePath()));
        }
        Path work = Files.createTempDirectory("xdprecon-planout-");
        try {
            Path config = work.resolve("fleet.yaml");
            FleetConfigs.writeFile(config, flows, keys, SEED);
            String loadBefore = ScaleBench.load();
            List<Result> results = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                for (String output : List.of("text", "json")) {
                    for (Build build : builds) { // in turns: each build meets the same load
                        results.add(plan(build, output, config, work));
                    }
                }
            }
            print(results, builds, flows, keys, Files.size(config), loadBefore, ScaleBench.load());
        } finally {
            io.xdprecon.lab.Lab.deleteRecursively(work);
        }
    }

    private static Result plan(Build build, String output, Path config, Path work) throws IOException, InterruptedException {
        Path measured = work.resolve("time");
        Path stdout = work.resolve("stdout");
        Path stderr = work.resolve("stderr");
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-o", measured.toString(), "-f", "%e %U %S %M",
                build.launcher().toString(), "plan", "--offline", "--node", "lab", "-c", config.toString()));
        if (output.equals("json")) {
            command.add("--json");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().put("XDPRECON_JAVA_OPTS", DaemonUnderTest.unitJavaOptions(build.root()));
        int exit = builder.start().waitFor();
        String[] lines = Files.readString(measured).strip().split("\n");
        String[] fields = lines[lines.length - 1].strip().split(" ");
        String end = exit == 0 ? "ok" : Files.readString(stderr).contains("OutOfMemoryError") ? "OOM" : "exit " + exit;
        Result result = new Result(build.name(), output, end, Double.parseDouble(fields[0]),
                Double.parseDouble(fields[1]) + Double.parseDouble(fields[2]), Long.parseLong(fields[3]), Files.size(stdout));
        Files.delete(stdout);
        return result;
    }

    private static void print(List<Result> results, List<Build> builds, int flows, FleetConfigs.Keys keys, long configBytes,
            String loadBefore, String loadAfter) {
        System.out.printf("%n`xdprecon plan --offline` of %,d flows (%s keys, %.1f MB of YAML), each build's launcher with its"
                + " unit's JVM options, output to a file; %s before, %s after%n", flows, keys.name().toLowerCase(Locale.ROOT),
                configBytes / 1e6, loadBefore, loadAfter);
        System.out.printf("| %-6s | %-6s | %-5s | %8s | %8s | %8s | %10s |%n", "build", "output", "end", "wall s", "CPU s",
                "peak MB", "output MB");
        System.out.println("|--------|--------|-------|----------|----------|----------|------------|");
        for (Result r : results) {
            System.out.printf("| %-6s | %-6s | %-5s | %8.2f | %8.2f | %8.0f | %10.1f |%n", r.build(), r.output(), r.end(),
                    r.wallSeconds(), r.cpuSeconds(), r.peakKb() / 1024.0, r.bytes() / 1e6);
        }
        if (builds.size() < 2) {
            return;
        }
        for (String output : List.of("text", "json")) {
            List<Result> first = of(results, builds.get(0).name(), output);
            List<Result> second = of(results, builds.get(1).name(), output);
            boolean comparable = first.stream().allMatch(r -> r.end().equals("ok")) && second.stream().allMatch(r -> r.end().equals("ok"));
            System.out.printf("%s %s vs %s: %s%n", output, builds.get(0).name(), builds.get(1).name(), comparable
                    ? String.format(Locale.ROOT, "wall %.2fx, CPU %.2fx, peak %.2fx", ratio(first, second, Result::wallSeconds),
                            ratio(first, second, Result::cpuSeconds), ratio(first, second, r -> r.peakKb()))
                    : builds.get(1).name() + " " + second.stream().map(Result::end).distinct().toList() + ", "
                            + builds.get(0).name() + " " + first.stream().map(Result::end).distinct().toList()
                            + ": no ratio");
        }
    }

    private static List<Result> of(List<Result> results, String build, String output) {
        return results.stream().filter(r -> r.build().equals(build) && r.output().equals(output)).toList();
    }

    private static double ratio(List<Result> first, List<Result> second, java.util.function.ToDoubleFunction<Result> value) {
        return first.stream().mapToDouble(value).average().orElseThrow() / second.stream().mapToDouble(value).average().orElseThrow();
    }
}
