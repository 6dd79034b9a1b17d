package io.xdprecon.cli;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Stat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What {@code xdprecon top} shows, as text lines for a screen of a given size: pure, so it is tested without a
 * terminal or a datapath. Rates are the difference of two reads of the per-CPU counters divided by the time
 * between them.
 */
final class TopView {
    enum Sort {
        PPS('p'), BPS('b'), PACKETS('t'), NAME('n');

        final char key;

        Sort(char key) {
            this.key = key;
        }

        static Sort parse(String word) {
            for (Sort s : values()) {
                if (s.name().equalsIgnoreCase(word)) {
                    return s;
                }
            }
            throw new CliException("--sort must be pps, bps, packets or name, got '" + word + "'");
        }
    }

    /**
     * One rule: its flow's name and leg (or the session's service, or "-"), counters and rates.
     *
     * @param service the session service owning it, or null
     */
    record Row(String name, String service, FlowKey match, FlowRule rule, String ingress, String egress,
               FlowCounters counters, double pps, double bps) {
    }

    /** Which rows to show; null fields match everything. */
    record Filter(String flow, String owner, String service, String iface) {
        static final Filter NONE = new Filter(null, null, null, null);

        boolean matches(Row r) {
            return (flow == null || r.name().toLowerCase(Locale.ROOT).contains(flow.toLowerCase(Locale.ROOT)))
                    && (owner == null || r.rule().owner().name().equalsIgnoreCase(owner))
                    && (service == null || service.equals(r.service()))
                    && (iface == null || iface.equals(r.ingress()) || iface.equals(r.egress()));
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (flow != null) {
                parts.add("flow~" + flow);
            }
            if (owner != null) {
                parts.add("owner=" + owner);
            }
            if (service != null) {
                parts.add("service=" + service);
            }
            if (iface != null) {
                parts.add("interface=" + iface);
            }
            return parts.isEmpty() ? "none" : String.join(" ", parts);
        }
    }

    /** One refresh: the rows, the datapath counters' rates, and what the read cost. */
    record Frame(List<Row> rows, Map<Stat, Double> statRates, int capacity, double interval, long readMillis,
                 long readCpuMillis) {
    }

    static Comparator<Row> order(Sort sort, boolean reverse) {
        Comparator<Row> c = switch (sort) {
            case PPS -> Comparator.comparingDouble(Row::pps).reversed();
            case BPS -> Comparator.comparingDouble(Row::bps).reversed();
            case PACKETS -> Comparator.comparingLong((Row r) -> r.counters().packets()).reversed();
            case NAME -> Comparator.comparing(Row::name);
        };
        // ties (most rules carry nothing) by name, then the key's numbers: no strings made per comparison
        c = c.thenComparing(Row::name).thenComparingInt(r -> r.match().ifindex())
                .thenComparingLong(r -> Integer.toUnsignedLong(r.match().srcIp()))
                .thenComparingInt(r -> r.match().srcPort())
                .thenComparingLong(r -> Integer.toUnsignedLong(r.match().dstIp()))
                .thenComparingInt(r -> r.match().dstPort());
        return reverse ? c.reversed() : c;
    }

    /**
     * The screen: a header (totals, datapath counters per second, sort, filter, keys) and as many rows, best
     * first, as fit in {@code height} lines of {@code width} columns; {@code height <= 0} shows every row.
     */
    static List<String> render(Frame frame, Sort sort, boolean reverse, Filter filter, int width, int height) {
        List<Row> shown = frame.rows().stream().filter(filter::matches).toList();
        double pps = shown.stream().mapToDouble(Row::pps).sum();
        double bps = shown.stream().mapToDouble(Row::bps).sum();
        long config = frame.rows().stream().filter(r -> r.rule().owner().name().equals("CONFIG")).count();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "xdprecon top - every %.1f s - rules %,d of %,d (config %,d, session %,d)"
                        + " - refresh %d ms (cpu %d ms)", frame.interval(), frame.rows().size(), frame.capacity(), config,
                frame.rows().size() - config, frame.readMillis(), frame.readCpuMillis()));
        lines.add(String.format(Locale.ROOT, "shown %,d rules: %s pps %s bps   filter: %s", shown.size(), human(pps),
                human(bps), filter.describe()));
        Map<Stat, Double> s = frame.statRates();
        lines.add(String.format(Locale.ROOT, "datapath/s: hit %s miss %s slow %s ttl %s malformed %s | tx %s redirect %s"
                        + " af_xdp %s pass %s drop %s", human(s.get(Stat.REWRITE_HIT)), human(s.get(Stat.REWRITE_MISS)),
                human(s.get(Stat.SLOW_PATH)), human(s.get(Stat.TTL_EXPIRED)), human(s.get(Stat.MALFORMED)),
                human(s.get(Stat.HAIRPIN_TX)), human(s.get(Stat.REDIRECT_OUT)), human(s.get(Stat.AFXDP_REDIRECT)),
                human(s.get(Stat.PASS_TO_KERNEL)), human(s.get(Stat.FIB_DROP))));
        lines.add("sort: " + sort.name().toLowerCase(Locale.ROOT) + (reverse ? " (reversed)" : "")
                + "   keys: p pps  b bps  t packets  n name  r reverse  q quit");
        lines.add("");
        // the two address columns take what the terminal has left, 20 to 44 columns each
        int ends = width <= 0 ? 44 : Math.clamp((width - (24 + 7 + 9 + 9 + 12 + 6)) / 2, 20, 44);
        String row = "%-24s %-7s %-" + ends + "s %-" + ends + "s %9s %9s %12s";
        lines.add(String.format(Locale.ROOT, row, "FLOW", "OWNER", "MATCH", "REWRITE", "PPS", "BPS", "PACKETS"));
        int room = height <= 0 ? shown.size() : Math.max(0, height - lines.size());
        for (Row r : best(shown, order(sort, reverse), room)) {
            lines.add(String.format(Locale.ROOT, row.replace("%12s", "%12d"), cut(r.name(), 24),
                    r.rule().owner().name().toLowerCase(Locale.ROOT), cut(endpoints(r.ingress(), r.match()), ends),
                    cut(endpoints(r.egress(), r.rule().rewrite()), ends), human(r.pps()), human(r.bps()),
                    r.counters().packets()));
        }
        return width <= 0 ? lines : lines.stream().map(l -> cut(l, width)).toList();
    }

    /** The first {@code k} rows in {@code order}: a heap of k, so a screenful of 524,288 rows is not a full sort. */
    static List<Row> best(List<Row> rows, Comparator<Row> order, int k) {
        if (k >= rows.size()) {
            return rows.stream().sorted(order).toList();
        }
        java.util.PriorityQueue<Row> heap = new java.util.PriorityQueue<>(k + 1, order.reversed());
        for (Row r : rows) {
            heap.add(r);
            if (heap.size() > k) {
                heap.poll();
            }
        }
        return heap.stream().sorted(order).toList();
    }

    static String endpoints(String iface, FlowKey k) {
        return iface + " " + io.xdprecon.dataplane.maps.Ipv4.format(k.srcIp()) + ":" + k.srcPort() + ">"
                + io.xdprecon.dataplane.maps.Ipv4.format(k.dstIp()) + ":" + k.dstPort();
    }

    /** 1234 → 1.2k, 5600000 → 5.6M: rates at a glance in 9 columns. */
    static String human(Double value) {
        if (value == null) {
            return "-";
        }
        double v = value;
        String[] units = {"", "k", "M", "G", "T"};
        int u = 0;
        while (Math.abs(v) >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }

    static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, Math.max(0, width));
    }

    /** Interface names by ifindex, looked up once per refresh. */
    static String name(IntFunction<String> names, int ifindex) {
        String n = names.apply(ifindex);
        return n == null ? "if" + ifindex : n;
    }

    private TopView() {}
}
