package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "flows", mixinStandardHelpOptions = true,
        description = {
            "List the live rules with their counters: match (ingress ifindex, source -> destination as it"
                + " arrives), rewrite (expected egress ifindex, source -> destination as it leaves), owner"
                + " (config or session), packets and Ethernet bytes rewritten.",
            "With --interval the counters are sampled twice and PPS / BPS (bits per second) are shown.",
            "With -c CONFIG each rule the config declares is shown with its flow's name and leg"
                + " (forward: client to server, reverse: the replies)."
        })
final class FlowsCommand implements Callable<Integer> {
    @Mixin
    DatapathOptions datapath;

    @Mixin
    ConfigOptions config;

    @Option(names = "--interval", paramLabel = "DURATION", converter = SampleIntervalConverter.class,
            description = "Sample the counters twice this far apart (100ms to 1h, like 1s or 500ms) to show rates"
                    + " (default: no rates).")
    Duration interval;

    @Option(names = "--json", description = "Print a JSON array of flows instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    record Row(FlowKey match, FlowRule rule, FlowCounters counters, Double pps, Double bps, String name) {}

    @Override
    public Integer call() throws Exception {
        double intervalSeconds = interval == null ? 0 : interval.toNanos() / 1e9;
        Map<FlowKey, String> names = new java.util.HashMap<>();
        if (config.given()) {
            config.desired().rules().forEach((key, rule) ->
                    names.put(key, rule.flow() + " (" + rule.direction().name().toLowerCase() + ")"));
        }
        List<Row> rows = new ArrayList<>();
        try (Datapath live = datapath.open()) {
            Map<FlowKey, FlowRule> rules = live.rules().readAll();
            Map<FlowKey, FlowCounters> first = live.rules().readAllCounters();
            Map<FlowKey, FlowCounters> second = first;
            if (intervalSeconds > 0) {
                Thread.sleep(interval); // the sampling interval itself
                second = live.rules().readAllCounters();
            }
            for (Map.Entry<FlowKey, FlowRule> e : rules.entrySet()) {
                FlowCounters now = second.getOrDefault(e.getKey(), FlowCounters.ZERO);
                FlowCounters before = first.getOrDefault(e.getKey(), FlowCounters.ZERO);
                Double pps = intervalSeconds > 0 ? (now.packets() - before.packets()) / intervalSeconds : null;
                Double bps = intervalSeconds > 0 ? 8 * (now.bytes() - before.bytes()) / intervalSeconds : null;
                rows.add(new Row(e.getKey(), e.getValue(), now, pps, bps, names.get(e.getKey())));
            }
        }
        rows.sort(Comparator.comparing((Row r) -> r.match().ifindex())
                .thenComparing(r -> Integer.toUnsignedLong(r.match().dstIp()))
                .thenComparing(r -> r.match().dstPort())
                .thenComparing(r -> Integer.toUnsignedLong(r.match().srcIp()))
                .thenComparing(r -> r.match().srcPort()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (r.name() != null) {
                    m.put("flow", r.name());
                }
                m.put("match", endpoint(r.match()));
                m.put("rewrite", endpoint(r.rule().rewrite()));
                m.put("owner", r.rule().owner().name().toLowerCase());
                if (r.rule().owner() == Owner.UNKNOWN) {
                    m.put("ownerCode", Integer.toUnsignedLong(r.rule().ownerCode()));
                }
                m.put("packets", r.counters().packets());
                m.put("bytes", r.counters().bytes());
                if (r.pps() != null) {
                    m.put("pps", r.pps());
                    m.put("bps", r.bps());
                }
                list.add(m);
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list));
        } else {
            String rates = intervalSeconds > 0 ? String.format(" %12s %14s", "PPS", "BPS") : "";
            String nameHeader = names.isEmpty() ? "" : String.format("%-28s ", "FLOW");
            out.printf("%s%-46s %-46s %-7s %14s %16s%s%n", nameHeader, "MATCH", "REWRITE", "OWNER", "PACKETS", "BYTES", rates);
            for (Row r : rows) {
                String rate = r.pps() == null ? "" : String.format(" %12.0f %14.0f", r.pps(), r.bps());
                String name = names.isEmpty() ? "" : String.format("%-28s ", r.name() == null ? "-" : r.name());
                out.printf("%s%-46s %-46s %-7s %14d %16d%s%n", name, r.match(), r.rule().rewrite(),
                        r.rule().ownerName(), r.counters().packets(), r.counters().bytes(), rate);
            }
            out.printf("%d rules%n", rows.size());
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> endpoint(FlowKey key) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ifindex", key.ifindex());
        m.put("src", Ipv4.format(key.srcIp()) + ":" + key.srcPort());
        m.put("dst", Ipv4.format(key.dstIp()) + ":" + key.dstPort());
        return m;
    }
}
