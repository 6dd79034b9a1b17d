package io.xdprecon.config;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A price list, not a user's figure: the YAML events of a fleet config pulled to the end by the loader's two
 * streaming ways — {@link FastYamlEvents} (the hand-written scanner) and {@link SnakeYamlEvents} (SnakeYAML's
 * parser) — in one JVM, rounds alternating, medians; no schema, checks or rules. It is why the scanner exists: the
 * loader takes SnakeYAML's parser for every text the scanner gives up on, so the scanner must pay for itself here.
 * (In package {@code config} for the package-private readers.)
 *
 * <p>Usage: {@code YamlScanBench FILE [rounds]}; {@code ScaleBench} runs it on its largest config.
 */
public final class YamlScanBench {
    public static void main(String[] args) throws Exception {
        print(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 5);
    }

    /** Pulls {@code file}'s events both ways, {@code rounds} times each, and prints the medians and ratio. */
    public static void print(Path file, int rounds) throws Exception {
        YamlReader.Way[] ways = {YamlReader.Way.FAST, YamlReader.Way.PARSER};
        long[][] nanos = new long[ways.length][rounds];
        long[][] cpu = new long[ways.length][rounds];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] events = new long[ways.length];
        for (int round = 0; round < rounds; round++) {
            for (int w = 0; w < ways.length; w++) {
                long start = System.nanoTime();
                long startCpu = threads.getCurrentThreadCpuTime();
                events[w] = drain(ways[w], file);
                nanos[w][round] = System.nanoTime() - start;
                cpu[w][round] = threads.getCurrentThreadCpuTime() - startCpu;
            }
        }
        if (events[0] != events[1]) {
            throw new IllegalStateException("the ways disagree on the number of events: " + Arrays.toString(events));
        }
        System.out.printf("%nYAML events of %s (%,d bytes, %,d events) pulled to the end, one JVM, median of %d (price list)%n",
                file.getFileName(), Files.size(file), events[0], rounds);
        System.out.printf("| %-22s | %9s | %8s | %9s | %8s |%n|%s|%s|%s|%s|%s|%n", "way", "wall ms", "ratio", "CPU ms",
                "ratio", "-".repeat(24), "-".repeat(11), "-".repeat(10), "-".repeat(11), "-".repeat(10));
        double fast = median(nanos[0]);
        double fastCpu = median(cpu[0]);
        for (int w = 0; w < ways.length; w++) {
            double m = median(nanos[w]);
            double c = median(cpu[w]);
            System.out.printf("| %-22s | %9.0f | %7.1fx | %9.0f | %7.1fx |%n",
                    ways[w] == YamlReader.Way.FAST ? "FastYamlEvents (ours)" : "SnakeYAML parser", m / 1e6, m / fast,
                    c / 1e6, c / fastCpu);
        }
    }

    private static long drain(YamlReader.Way way, Path file) throws Exception {
        long n = 0;
        try (BufferedReader text = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                YamlEvents events = YamlReader.events(way, text)) {
            for (YamlEvents.Kind kind = events.next(); kind != YamlEvents.Kind.END; kind = events.next()) {
                // Every scalar's text asked for, as the reader does: a scanner may make it lazily.
                n += kind == YamlEvents.Kind.SCALAR && events.value() == null ? 0 : 1;
            }
        }
        return n;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
