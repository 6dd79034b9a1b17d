package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredState;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "flows", mixinStandardHelpOptions = true,
        description = {
            "List the live rules of both families (xdp_fwd_rules, xdp_rules6) with their counters: match (ingress ifindex, source -> destination as it"
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

    @Option(names = "--json", description = "Print a JSON array of flows instead of a table (match and rewrite with"
            + " iface and ifindex, exact counts).")
    boolean json;

    @Option(names = "--wide", description = "Never cut MATCH and REWRITE (the table may pass 120 columns).")
    boolean wide;

    @Spec
    CommandSpec spec;

    /** One live rule of either family with its counters (rates with --interval) and, with -c, its flow's name. */
    record Row(ShownRule rule, FlowCounters counters, Double pps, Double bps, String name) {}

    @Override
    public Integer call() throws Exception {
        double intervalSeconds = interval == null ? 0 : interval.toNanos() / 1e9;
        Map<FlowKey, String> names = new HashMap<>();
        Map<FlowKey6, String> names6 = new HashMap<>();
        if (config.given()) {
            DesiredState desired = config.desired();
            desired.rules().forEach((key, rule) -> names.put(key, rule.flow() + " (" + leg(rule.direction()) + ")"));
            desired.rules6().forEach((key, rule) -> names6.put(key, rule.flow() + " (" + leg(rule.direction()) + ")"));
        }
        List<Row> rows = new ArrayList<>();
        try (Datapath live = datapath.open()) {
            Map<FlowKey, FlowRule> rules = live.rules().readAll();
            Map<FlowKey6, FlowRule6> rules6 = live.rules6().readAll();
            Map<FlowKey, FlowCounters> first = live.rules().readAllCounters();
            Map<FlowKey6, FlowCounters> first6 = live.rules6().readAllCounters();
            Map<FlowKey, FlowCounters> second = first;
            Map<FlowKey6, FlowCounters> second6 = first6;
            if (intervalSeconds > 0) {
                Thread.sleep(interval); // the sampling interval itself
                second = live.rules().readAllCounters();
                second6 = live.rules6().readAllCounters();
            }
            for (Map.Entry<FlowKey, FlowRule> e : rules.entrySet()) {
                rows.add(row(ShownRule.of(e.getKey(), e.getValue()), first.get(e.getKey()), second.get(e.getKey()),
                        intervalSeconds, names.get(e.getKey())));
            }
            for (Map.Entry<FlowKey6, FlowRule6> e : rules6.entrySet()) {
                rows.add(row(ShownRule.of(e.getKey(), e.getValue()), first6.get(e.getKey()), second6.get(e.getKey()),
                        intervalSeconds, names6.get(e.getKey())));
            }
        }
        rows.sort(Comparator.comparing((Row r) -> r.rule().match(), FlowEnds.BY_DESTINATION));
        PrintWriter out = spec.commandLine().getOut();
        DeviceNames devices = new DeviceNames();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (r.name() != null) {
                    m.put("flow", r.name());
                }
                m.put("match", devices.json(r.rule().match()));
                m.put("rewrite", devices.json(r.rule().rewrite()));
                m.put("owner", r.rule().owner().name().toLowerCase(Locale.ROOT));
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
            table(out, rows, devices, intervalSeconds > 0, wide ? Integer.MAX_VALUE : WIDTH);
        }
        out.flush();
        return 0;
    }

    private static Row row(ShownRule rule, FlowCounters before, FlowCounters now, double seconds, String name) {
        FlowCounters first = before == null ? FlowCounters.ZERO : before;
        FlowCounters second = now == null ? FlowCounters.ZERO : now;
        Double pps = seconds > 0 ? (second.packets() - first.packets()) / seconds : null;
        Double bps = seconds > 0 ? 8 * (second.bytes() - first.bytes()) / seconds : null;
        return new Row(rule, second, pps, bps, name);
    }

    private static String leg(Enum<?> direction) {
        return direction.name().toLowerCase(Locale.ROOT);
    }

    /** What a terminal shows without wrapping: the table fits, the endpoint columns cut with '…' (--wide: not). */
    static final int WIDTH = io.xdprecon.text.Columns.WIDTH;

    /**
     * FLOW (its leg, or the owner of a rule the config does not own), MATCH and REWRITE with device names, then the
     * counters in k/M/G. Columns are as wide as their widest cell; past {@code width} the flow's name gives up
     * what is too much, then the two endpoint columns equally (cut cells end in '…').
     */
    static void table(PrintWriter out, List<Row> rows, DeviceNames devices, boolean rates, int width) {
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            // a rule the config does not own shows its owner, even at a key the config names (--json has both)
            String who = r.name() != null && r.rule().owner() == Owner.CONFIG ? r.name() : r.rule().ownerName();
            String[] c = {who, devices.format(r.rule().match()), devices.format(r.rule().rewrite()),
                TopView.human((double) r.counters().packets()), TopView.human((double) r.counters().bytes()),
                rates ? TopView.human(r.pps()) : "", rates ? TopView.human(r.bps()) : ""};
            cells.add(c);
        }
        String[] header = {"FLOW", "MATCH", "REWRITE", "PACKETS", "BYTES", rates ? "PPS" : "", rates ? "BPS" : ""};
        int[] w = new int[header.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = header[i].length();
            for (String[] c : cells) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        w[0] = width == Integer.MAX_VALUE ? w[0] : Math.min(w[0], 28);
        int columns = rates ? 7 : 5;
        int total = columns - 1;
        for (int i = 0; i < columns; i++) {
            total += w[i];
        }
        if (total > width) { // the flow's name gives way first (down to 12), then the endpoints, equally
            int over = total - width;
            int cut0 = Math.min(over, Math.max(0, w[0] - 12));
            over -= cut0;
            int cut1 = Math.min(over - over / 2, Math.max(0, w[1] - 24));
            int cut2 = Math.min(over - cut1, Math.max(0, w[2] - 24));
            w[0] -= cut0;
            w[1] -= cut1;
            w[2] -= cut2;
        }
        String format = "%-" + w[0] + "s %-" + w[1] + "s %-" + w[2] + "s %" + w[3] + "s %" + w[4] + "s"
                + (rates ? " %" + w[5] + "s %" + w[6] + "s" : "") + "%n";
        out.printf(format, (Object[]) header);
        for (String[] c : cells) {
            out.printf(format, cut(c[0], w[0]), cut(c[1], w[1]), cut(c[2], w[2]), c[3], c[4], c[5], c[6]);
        }
        out.printf("%d rules%n", rows.size());
    }

    /** {@code text} in {@code width} columns, its end replaced by '…' when it is longer. */
    static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width - 1)) + "…";
    }
}
