package io.xdprecon.tests.bench;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RulesMap;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes N rules (default 524,288, the map's full capacity) into an empty pinned {@code xdp_fwd_rules}
 * three ways and prints a table: one {@code bpf_map_update_elem} per rule from Java, batches of
 * {@link RulesMap#PAGE} through {@code bpf_map_update_batch} from Java, and {@code bpftool batch file}
 * doing the same writes. Each way runs {@code reps} times on an emptied map; the median counts.
 * Every run is checked: the map must hold exactly the N rules afterwards.
 *
 * <p>Usage: {@code RuleWriteBench [rules] [reps]}; needs root and a bpffs.
 */
public final class RuleWriteBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 524_288;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path pinRoot = Path.of("/sys/fs/bpf/xdprecon-test-bench-" + ProcessHandle.current().pid());
        Files.createDirectories(pinRoot);
        Map<FlowKey, FlowRule> rules = rules(n);
        Path batchFile = Files.createTempFile("xdprecon-bench", ".bpftool");
        try (Datapath datapath = Datapath.load(pinRoot, Math.max(n, 1024))) {
            RulesMap map = datapath.rules();
            writeBpftoolBatch(batchFile, pinRoot.resolve(Datapath.RULES_MAP), rules);
            Map<String, double[]> seconds = new LinkedHashMap<>();
            seconds.put("Java, one update_elem per rule", run(reps, map, rules, () -> {
                for (Map.Entry<FlowKey, FlowRule> e : rules.entrySet()) {
                    map.put(e.getKey(), e.getValue());
                }
            }));
            seconds.put("Java, update_batch of " + RulesMap.PAGE, run(reps, map, rules, () -> map.putAll(rules)));
            seconds.put("bpftool batch file", run(reps, map, rules, () -> bpftool(batchFile)));
            print(n, seconds);
        } finally {
            Files.deleteIfExists(batchFile);
            Datapath.unpin(pinRoot);
            Files.deleteIfExists(pinRoot);
        }
    }

    interface Write {
        void run() throws Exception;
    }

    private static double[] run(int reps, RulesMap map, Map<FlowKey, FlowRule> rules, Write write) throws Exception {
        double[] seconds = new double[reps];
        for (int i = 0; i < reps; i++) {
            map.removeAll(new ArrayList<>(map.readAll().keySet()));
            if (!map.readAll().isEmpty()) {
                throw new IllegalStateException("map not empty before a run");
            }
            long start = System.nanoTime();
            write.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
            Map<FlowKey, FlowRule> landed = map.readAll();
            if (!landed.equals(rules)) {
                throw new IllegalStateException("run wrote " + landed.size() + " rules, expected exactly " + rules.size());
            }
        }
        return seconds;
    }

    /** Distinct keys spread like real traffic: many clients, few VIPs, ports varying. */
    static Map<FlowKey, FlowRule> rules(int n) {
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            int client = 0x0A400000 + (i >>> 4);           // 10.64.0.0/10 clients
            int vip = 0x0A000064 + (i & 3);                 // 4 VIPs
            FlowKey key = new FlowKey(3, client, vip, 10_000 + (i & 0xfff), 30_000 + ((i >>> 2) & 3));
            FlowKey to = new FlowKey(4, 0x0A020001, 0x0A020002 + (i & 7), 20_000 + (i & 0x7fff), 50_000);
            rules.put(key, new FlowRule(to, Owner.CONFIG));
        }
        return rules;
    }

    static void writeBpftoolBatch(Path file, Path pin, Map<FlowKey, FlowRule> rules) throws IOException {
        HexFormat hex = HexFormat.ofDelimiter(" ");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (Map.Entry<FlowKey, FlowRule> e : rules.entrySet()) {
                out.write("map update pinned " + pin + " key hex " + hex.formatHex(Abi.keyBytes(e.getKey()))
                        + " value hex " + hex.formatHex(Abi.ruleBytes(e.getValue(), 0)) + "\n");
            }
        }
    }

    static void bpftool(Path batchFile) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "batch", "file", batchFile.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException("bpftool batch file exited " + rc);
        }
    }

    private static void print(int n, Map<String, double[]> seconds) {
        double bpftool = median(seconds.get("bpftool batch file"));
        double single = median(seconds.values().iterator().next());
        System.out.printf("%nWriting %,d rules into an empty xdp_fwd_rules (median of %d runs, %d possible CPUs)%n",
                n, seconds.values().iterator().next().length, BpfMap.possibleCpus());
        System.out.printf("| %-34s | %10s | %12s | %13s | %11s |%n", "method", "seconds", "rules/s", "vs bpftool", "vs single");
        System.out.printf("|%s|%s|%s|%s|%s|%n", "-".repeat(36), "-".repeat(12), "-".repeat(14), "-".repeat(15), "-".repeat(13));
        seconds.forEach((name, s) -> {
            double m = median(s);
            System.out.printf("| %-34s | %10.3f | %,12.0f | %12.1fx | %10.1fx |%n", name, m, n / m, bpftool / m, single / m);
        });
        seconds.forEach((name, s) -> System.out.println("  " + name + " runs: " + Arrays.toString(s)));
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private RuleWriteBench() {}

}
