package io.xdprecon.tests.bench;

import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.ConfigInput;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.plan.Baseline;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.LiveState;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a flow costs the control plane, at several sizes and key distributions, so that growth shows: a price list
 * (one JVM, no kernel: the stages a cold start runs, in process). For each config (one file of N flows, keys even,
 * random, or adversarial — every flow from one client, or to one server): the CPU time of the daemon's way from the
 * file to a plan of an empty node ({@link ConfigCache#load}: read, checks, desired rules; {@link Planner#plan}), and
 * the heap it keeps between revisions (the cache, the config, the desired rules and the {@link Baseline}, measured
 * after full collections). Linear growth is flat columns.
 *
 * <p>Usage: {@code FlowCostBench FLOWS[,FLOWS...] KEYS[,KEYS...]}; run it with the unit's heap ({@code -Xmx256m}).
 */
public final class FlowCostBench {
    private static final long SEED = 20261204;

    record Row(FleetConfigs.Keys keys, int flows, long cpuNanos, long retainedBytes) {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = Arrays.stream(args[0].split(",")).map(String::trim).map(Integer::parseInt).toList();
        List<FleetConfigs.Keys> keys = Arrays.stream(args[1].split(","))
                .map(k -> FleetConfigs.Keys.valueOf(k.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'))).toList();
        Path work = Files.createTempDirectory("xdprecon-flow-cost");
        List<Row> rows = new ArrayList<>();
        try {
            Path file = work.resolve("flows.yaml");
            FleetConfigs.writeFile(file, sizes.getFirst(), keys.getFirst(), SEED);
            measure(file, keys.getFirst(), sizes.getFirst()); // the JIT's first compilations: not in a row
            for (FleetConfigs.Keys k : keys) {
                for (int flows : sizes) {
                    FleetConfigs.writeFile(file, flows, k, SEED);
                    Row row = measure(file, k, flows);
                    rows.add(row);
                    System.err.println(row);
                }
            }
        } finally {
            Lab.deleteRecursively(work);
        }
        System.out.printf("%nCost per flow: one file to the plan of an empty node (CPU), and the heap kept between revisions;"
                + " one JVM, max heap %d MB (price list)%n", Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("| %-10s | %7s | %11s | %9s | %12s | %9s |%n", "keys", "flows", "CPU µs/flow", "vs first",
                "heap B/flow", "vs first");
        System.out.println("|------------|---------|-------------|-----------|--------------|-----------|");
        for (Row r : rows) {
            Row first = rows.stream().filter(x -> x.keys() == r.keys()).findFirst().orElseThrow();
            double cpu = r.cpuNanos() / 1000.0 / r.flows();
            double firstCpu = first.cpuNanos() / 1000.0 / first.flows();
            double bytes = (double) r.retainedBytes() / r.flows();
            double firstBytes = (double) first.retainedBytes() / first.flows();
            System.out.printf("| %-10s | %7d | %11.2f | %8.2fx | %12.1f | %8.2fx |%n", r.keys().label(), r.flows(), cpu,
                    cpu / firstCpu, bytes, bytes / firstBytes);
        }
    }

    private static Row measure(Path file, FleetConfigs.Keys keys, int flows) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(memory);
        long cpu = threads.getCurrentThreadCpuTime();
        ConfigCache cache = new ConfigCache();
        ConfigCache.Loaded loaded = cache.load(file, List.of(ConfigInput.of(file, "")), "lab",
                InterfaceResolver.of(Map.of("pc", 2, "ps", 3)));
        Plan plan = Planner.plan(loaded.desired(), new LiveState(false, 0, Map.of(), Set.of(), List.of(), Map.of()));
        cpu = threads.getCurrentThreadCpuTime() - cpu;
        if (plan.ruleChanges().size() != 2 * flows) {
            throw new IllegalStateException(plan.ruleChanges().size() + " rule changes for " + flows + " flows");
        }
        Baseline baseline = Baseline.of(loaded.desired());
        long retained = usedAfterGc(memory) - before;
        java.lang.ref.Reference.reachabilityFence(cache);
        java.lang.ref.Reference.reachabilityFence(loaded);
        java.lang.ref.Reference.reachabilityFence(baseline);
        return new Row(keys, flows, cpu, retained);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
