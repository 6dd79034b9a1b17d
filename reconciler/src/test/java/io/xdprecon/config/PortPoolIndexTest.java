package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Services' egress port pools are checked against the flows through the index of flows the daemon keeps between
 * revisions (a lookup per port of a pool smaller than the flows, else a walk), not by a walk of every flow of every
 * file at each revision. Over random multi-file histories — flow files added, removed and edited, pools moved —
 * the daemon's cached load says exactly what a load from nothing says, and the pool errors are the ones a walk of
 * every flow against every pool finds (computed here from the model), each naming the flow's file:line:col.
 */
class PortPoolIndexTest {
    private static final Path ROOT = Path.of("/etc/xdprecon/fleet");
    private static final Pattern POOL_ERROR = Pattern.compile(
            "'(\\d+)-(\\d+)' contains 10\\.0\\.0\\.1:(\\d+), the egress of flow '(f\\d+)' \\(\\S*?(flows/\\S+\\.yaml):\\d+:\\d+\\)");

    @Test
    void poolErrorsOfTheKeptIndexAreAFullLoadsAndAWalksOfEveryFlow() {
        Random random = new Random(20261204);
        ConfigCache cache = new ConfigCache();
        InterfaceResolver devices = InterfaceResolver.of(Map.of("ens3", 2, "ens4", 3));
        Map<String, List<int[]>> files = new TreeMap<>(); // path -> flows {number, egress port}
        List<int[]> pools = new ArrayList<>();
        Set<Integer> usedPorts = new HashSet<>();
        int[] next = {0};
        for (int f = 0; f < 5; f++) {
            files.put("flows/" + f + ".yaml", flows(random, next, usedPorts, 1 + random.nextInt(8)));
        }
        pools.add(pool(random, 0));
        int withPoolErrors = 0;
        int bothBranches = 0;
        for (int revision = 0; revision < 300; revision++) {
            List<String> names = new ArrayList<>(files.keySet());
            String some = names.get(random.nextInt(names.size()));
            switch (random.nextInt(6)) {
                case 0 -> files.put("flows/n" + revision + ".yaml", flows(random, next, usedPorts, 1 + random.nextInt(6)));
                case 1 -> {
                    if (files.size() > 1) {
                        files.remove(some).forEach(flow -> usedPorts.remove(flow[1]));
                    }
                }
                case 2 -> { // a flow's egress port moved
                    int[] flow = files.get(some).get(random.nextInt(files.get(some).size()));
                    usedPorts.remove(flow[1]);
                    flow[1] = freePort(random, usedPorts);
                }
                case 3 -> { // the base: a pool added, moved or removed
                    int which = random.nextInt(3);
                    if (which == 0 && pools.size() < 3) {
                        pools.add(pool(random, pools.size()));
                    } else if (which == 1 && pools.size() > 1) {
                        pools.removeLast();
                    } else {
                        pools.set(pools.size() - 1, pool(random, pools.size() - 1));
                    }
                }
                default -> files.get(some).addAll(flows(random, next, usedPorts, 1));
            }
            Map<String, String> texts = texts(files, pools);
            List<ConfigInput> inputs = texts.entrySet().stream()
                    .map(e -> ConfigInput.ofText(ROOT.resolve(e.getKey()), e.getValue())).toList();
            Set<String> walked = walk(files, pools);
            if (walked.isEmpty()) {
                cache.load(ROOT, inputs, "n", devices); // valid: the cache keeps it as the next revision's base
                ConfigLoader.load(ROOT, inputs);
                continue;
            }
            ConfigException full = assertThrows(ConfigException.class, () -> ConfigLoader.load(ROOT, inputs));
            ConfigException cached = assertThrows(ConfigException.class, () -> cache.load(ROOT, inputs, "n", devices));
            assertEquals(full.lines(), cached.lines(), "revision " + revision);
            Set<String> found = new TreeSet<>();
            for (String line : cached.lines()) {
                Matcher m = POOL_ERROR.matcher(line);
                if (m.find()) {
                    found.add(m.group(1) + "-" + m.group(2) + " " + m.group(3) + " " + m.group(4) + " " + m.group(5));
                }
            }
            assertEquals(walked, found, "revision " + revision + ": " + cached.lines());
            withPoolErrors++;
            int flowCount = files.values().stream().mapToInt(List::size).sum();
            bothBranches |= pools.stream().anyMatch(p -> p[1] - p[0] + 1 < flowCount) ? 1 : 0;
            bothBranches |= pools.stream().anyMatch(p -> p[1] - p[0] + 1 >= flowCount) ? 2 : 0;
        }
        assertTrue(withPoolErrors > 100, "revisions with pool errors: " + withPoolErrors);
        assertEquals(3, bothBranches, "pools smaller (looked up) and larger (walked) than the flows");
    }

    /** A walk of every flow against every pool: "first-last port flow file" of each flow a pool contains. */
    private static Set<String> walk(Map<String, List<int[]>> files, List<int[]> pools) {
        Set<String> taken = new TreeSet<>();
        for (int[] pool : pools) {
            files.forEach((file, flows) -> flows.forEach(flow -> {
                if (flow[1] >= pool[0] && flow[1] <= pool[1]) {
                    taken.add(pool[0] + "-" + pool[1] + " " + flow[1] + " f" + flow[0] + " " + file);
                }
            }));
        }
        return taken;
    }

    /** Pool {@code i}: disjoint from the others (each its own thousand), a few ports or many. */
    private static int[] pool(Random random, int i) {
        int base = 40_000 + 1_000 * i;
        int first = base + random.nextInt(500);
        int last = first + (random.nextBoolean() ? random.nextInt(8) : 100 + random.nextInt(399));
        return new int[] {first, last};
    }

    private static List<int[]> flows(Random random, int[] next, Set<Integer> usedPorts, int n) {
        List<int[]> flows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            flows.add(new int[] {next[0]++, freePort(random, usedPorts)});
        }
        return flows;
    }

    /** An egress port no other flow has (a shared one is another error), often inside some pool's thousand. */
    private static int freePort(Random random, Set<Integer> used) {
        while (true) {
            int port = 40_000 + random.nextInt(3_000);
            if (used.add(port)) {
                return port;
            }
        }
    }

    private static Map<String, String> texts(Map<String, List<int[]>> files, List<int[]> pools) {
        Map<String, String> texts = new TreeMap<>();
        StringBuilder base = new StringBuilder("""
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: ens3 }
                  private: { device: ens4 }
                localIps: [203.0.113.10, 10.0.0.1]
                datapath: { mode: dpdk, attachMode: native, maxRules: 65536 }
                services:
                """);
        for (int i = 0; i < pools.size(); i++) {
            base.append("  - name: s").append(i).append('\n')
                    .append("    listen: { interface: public, address: 203.0.113.10, port: ").append(3478 + i).append(" }\n")
                    .append("    backends: [10.0.0.30:").append(3478 + i).append("]\n")
                    .append("    egress: { interface: private, address: 10.0.0.1, ports: ").append(pools.get(i)[0]).append('-')
                    .append(pools.get(i)[1]).append(" }\n");
        }
        texts.put("base.yaml", base.toString());
        files.forEach((name, flows) -> {
            StringBuilder text = new StringBuilder("flows:\n");
            for (int[] flow : flows) {
                text.append("  - name: f").append(flow[0]).append('\n')
                        .append("    client: 192.0.2.").append(1 + flow[0] % 250).append(':').append(10_000 + flow[0]).append('\n')
                        .append("    listen: { interface: public, address: 203.0.113.10, port: 30000 }\n")
                        .append("    egress: { interface: private, address: 10.0.0.1, port: ").append(flow[1]).append(" }\n")
                        .append("    server: 10.0.0.42:27016\n");
            }
            texts.put(name, text.toString());
        });
        return texts;
    }
}
