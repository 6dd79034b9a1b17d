package io.xdprecon.cli;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
            throw new UsageException("--sort must be pps, bps, packets or name, got '" + word + "'");
        }
    }

    /**
     * One rule as shown: its flow's name and leg (or the session's service, or "-"), counters and rates.
     *
     * @param service the session service owning it, or null
     */
    record Row(String name, String service, ShownRule rule, String ingress, String egress, FlowCounters counters,
               double pps, double bps) {
    }

    /**
     * The rules of one refresh by index ({@code 0..size()-1}), as columns: filters, totals and the sort read the
     * columns, and only the rows that reach the screen become {@link Row}s — a full map is not half a million objects
     * per refresh.
     */
    interface Table {
        int size();

        String name(int i);

        /** The session service owning the rule, or null. */
        String service(int i);

        /** {@link Owner#code()} as the map holds it. */
        int ownerCode(int i);

        String ingress(int i);

        String egress(int i);

        double pps(int i);

        double bps(int i);

        long packets(int i);

        /** Whether the rule is an IPv6 one (xdp_rules6). */
        boolean ipv6(int i);

        /**
         * Orders by the match's fields (ifindex, source, destination; addresses unsigned, IPv4 before IPv6): the last
         * tie-break.
         */
        int compareKeys(int a, int b);

        Row row(int i);

        /** Rows already made (tests, small views). */
        static Table of(List<Row> rows) {
            return new Table() {
                public int size() {
                    return rows.size();
                }

                public String name(int i) {
                    return rows.get(i).name();
                }

                public String service(int i) {
                    return rows.get(i).service();
                }

                public int ownerCode(int i) {
                    return rows.get(i).rule().ownerCode();
                }

                public String ingress(int i) {
                    return rows.get(i).ingress();
                }

                public String egress(int i) {
                    return rows.get(i).egress();
                }

                public double pps(int i) {
                    return rows.get(i).pps();
                }

                public double bps(int i) {
                    return rows.get(i).bps();
                }

                public long packets(int i) {
                    return rows.get(i).counters().packets();
                }

                public boolean ipv6(int i) {
                    return rows.get(i).rule().match().ipv6();
                }

                public int compareKeys(int a, int b) {
                    return FlowEnds.BY_SOURCE.compare(rows.get(a).rule().match(), rows.get(b).rule().match());
                }

                public Row row(int i) {
                    return rows.get(i);
                }
            };
        }
    }

    /** Which rows to show; null fields match everything. */
    record Filter(String flow, String owner, String service, String iface) {
        static final Filter NONE = new Filter(null, null, null, null);

        boolean matches(Table t, int i) {
            return (flow == null || containsIgnoreCase(t.name(i), flow))
                    && (owner == null || t.ownerCode(i) == Owner.valueOf(owner.toUpperCase(Locale.ROOT)).code())
                    && (service == null || service.equals(t.service(i)))
                    && (iface == null || iface.equals(t.ingress(i)) || iface.equals(t.egress(i)));
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

        /** Without a lower-cased copy of each of half a million names. */
        private static boolean containsIgnoreCase(String text, String part) {
            for (int at = 0; at + part.length() <= text.length(); at++) {
                if (text.regionMatches(true, at, part, 0, part.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One refresh: the rules, the datapath counters' rates, and what the read cost. */
    record Frame(Table rows, Map<Stat, Double> statRates, int capacity, int capacity6, double interval, long readMillis,
                 long readCpuMillis) {
    }

    /** Compares two rows of a {@link Table} by index. */
    @FunctionalInterface
    interface IndexOrder {
        int compare(int a, int b);
    }

    static IndexOrder order(Table t, Sort sort, boolean reverse) {
        IndexOrder primary = switch (sort) {
            case PPS -> (a, b) -> Double.compare(t.pps(b), t.pps(a));
            case BPS -> (a, b) -> Double.compare(t.bps(b), t.bps(a));
            case PACKETS -> (a, b) -> Long.compare(t.packets(b), t.packets(a));
            case NAME -> (a, b) -> t.name(a).compareTo(t.name(b));
        };
        // ties (most rules carry nothing) by name, then the key's numbers
        IndexOrder whole = (a, b) -> {
            int c = primary.compare(a, b);
            c = c != 0 ? c : t.name(a).compareTo(t.name(b));
            return c != 0 ? c : t.compareKeys(a, b);
        };
        return reverse ? (a, b) -> whole.compare(b, a) : whole;
    }

    /**
     * The screen: a header (totals, datapath counters per second, sort, filter, keys) and as many rows, best
     * first, as fit in {@code height} lines of {@code width} columns; {@code height <= 0} shows every row.
     */
    static List<String> render(Frame frame, Sort sort, boolean reverse, Filter filter, int width, int height) {
        Table t = frame.rows();
        Shown selected = Shown.of(t, filter);
        int[] shown = selected.indexes();
        int count = selected.count();
        double pps = selected.pps();
        double bps = selected.bps();
        long config = selected.config();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "xdprecon top - every %.1f s - rules %,d of %,d + IPv6 %,d of %,d (config %,d,"
                        + " session %,d) - refresh %d ms (cpu %d ms)", frame.interval(), t.size() - selected.ipv6(),
                frame.capacity(), selected.ipv6(), frame.capacity6(), config, t.size() - config, frame.readMillis(),
                frame.readCpuMillis()));
        lines.add(String.format(Locale.ROOT, "shown %,d rules: %s pps %s bps   filter: %s", count, human(pps),
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
        int room = height <= 0 ? count : Math.max(0, height - lines.size() - 1);
        List<Row> rows = new ArrayList<>();
        int widest = "REWRITE".length();
        for (int i : best(shown, count, order(t, sort, reverse), room)) {
            Row r = t.row(i);
            rows.add(r);
            widest = Math.max(widest, Math.max(endpoints(r.ingress(), r.rule().match()).length(),
                    endpoints(r.egress(), r.rule().rewrite()).length()));
        }
        // the two address columns as wide as the rows shown need (IPv6 ones more), within what the terminal has left
        int ends = width <= 0 ? widest : Math.min(widest, Math.max(20, (width - (24 + 7 + 9 + 9 + 12 + 6)) / 2));
        String row = "%-24s %-7s %-" + ends + "s %-" + ends + "s %9s %9s %12s";
        lines.add(String.format(Locale.ROOT, row, "FLOW", "OWNER", "MATCH", "REWRITE", "PPS", "BPS", "PACKETS"));
        for (Row r : rows) {
            lines.add(String.format(Locale.ROOT, row.replace("%12s", "%12d"), cut(r.name(), 24),
                    r.rule().owner().name().toLowerCase(Locale.ROOT),
                    FlowsCommand.cut(endpoints(r.ingress(), r.rule().match()), ends),
                    FlowsCommand.cut(endpoints(r.egress(), r.rule().rewrite()), ends), human(r.pps()), human(r.bps()),
                    r.counters().packets()));
        }
        return width <= 0 ? lines : lines.stream().map(l -> cut(l, width)).toList();
    }

    /**
     * The rows a filter lets through ({@code indexes[0..count)}) with their totals, and the config and IPv6 rules of
     * all.
     */
    record Shown(int[] indexes, int count, double pps, double bps, long config, int ipv6) {
        static Shown of(Table t, Filter filter) {
            int[] shown = new int[t.size()];
            int count = 0;
            double pps = 0;
            double bps = 0;
            long config = 0;
            int ipv6 = 0;
            for (int i = 0; i < t.size(); i++) {
                if (t.ownerCode(i) == Owner.CONFIG.code()) {
                    config++;
                }
                if (t.ipv6(i)) {
                    ipv6++;
                }
                if (filter.matches(t, i)) {
                    shown[count++] = i;
                    pps += t.pps(i);
                    bps += t.bps(i);
                }
            }
            return new Shown(shown, count, pps, bps, config, ipv6);
        }
    }

    /**
     * {@code top --json}: what the table shows, exactly — the totals, the datapath counters per second by lower-case
     * name, and the best {@code n} rows ({@code n <= 0}: all) with match and rewrite as {@code flows --json} gives them.
     */
    static Map<String, Object> json(Frame frame, Sort sort, boolean reverse, Filter filter, int n, DeviceNames devices) {
        Table t = frame.rows();
        Shown selected = Shown.of(t, filter);
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("kind", "xdprecon-top/v1");
        doc.put("intervalSeconds", frame.interval());
        doc.put("rules", t.size() - selected.ipv6());
        doc.put("capacity", frame.capacity());
        doc.put("ipv6Rules", selected.ipv6());
        doc.put("ipv6Capacity", frame.capacity6());
        doc.put("configRules", selected.config());
        doc.put("sessionRules", t.size() - selected.config());
        doc.put("filter", filter.describe());
        doc.put("sort", sort.name().toLowerCase(Locale.ROOT) + (reverse ? " (reversed)" : ""));
        doc.put("shown", selected.count());
        doc.put("shownPps", selected.pps());
        doc.put("shownBps", selected.bps());
        Map<String, Object> datapath = new java.util.LinkedHashMap<>();
        frame.statRates().forEach((stat, rate) -> datapath.put(stat.name().toLowerCase(Locale.ROOT), rate));
        doc.put("datapathPerSecond", datapath);
        List<Map<String, Object>> rows = new ArrayList<>();
        int room = n <= 0 ? selected.count() : n;
        for (int i : best(selected.indexes(), selected.count(), order(t, sort, reverse), room)) {
            Row r = t.row(i);
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("flow", r.name());
            if (r.service() != null) {
                m.put("service", r.service());
            }
            m.put("owner", r.rule().owner().name().toLowerCase(Locale.ROOT));
            m.put("match", devices.json(r.rule().match()));
            m.put("rewrite", devices.json(r.rule().rewrite()));
            m.put("packets", r.counters().packets());
            m.put("bytes", r.counters().bytes());
            m.put("pps", r.pps());
            m.put("bps", r.bps());
            rows.add(m);
        }
        doc.put("top", rows);
        return doc;
    }

    /**
     * The first {@code k} of the first {@code n} indexes in {@code order}, best first: a heap of k indexes, so a
     * screenful of 524,288 rules is neither a full sort nor an object per rule.
     */
    static int[] best(int[] indexes, int n, IndexOrder order, int k) {
        if (k >= n) {
            return Arrays.stream(indexes, 0, n).boxed().sorted(order::compare).mapToInt(Integer::intValue).toArray();
        }
        if (k <= 0) {
            return new int[0];
        }
        int[] heap = new int[k]; // the worst of the best k at the root
        int size = 0;
        for (int j = 0; j < n; j++) {
            int candidate = indexes[j];
            if (size < k) {
                heap[size] = candidate;
                siftUp(heap, size++, order);
            } else if (order.compare(candidate, heap[0]) < 0) {
                heap[0] = candidate;
                siftDown(heap, size, order);
            }
        }
        return Arrays.stream(heap, 0, size).boxed().sorted(order::compare).mapToInt(Integer::intValue).toArray();
    }

    private static void siftUp(int[] heap, int at, IndexOrder order) {
        while (at > 0) {
            int parent = (at - 1) / 2;
            if (order.compare(heap[at], heap[parent]) <= 0) {
                return;
            }
            swap(heap, at, parent);
            at = parent;
        }
    }

    private static void siftDown(int[] heap, int size, IndexOrder order) {
        int at = 0;
        while (true) {
            int worst = at;
            for (int child = 2 * at + 1; child <= 2 * at + 2 && child < size; child++) {
                if (order.compare(heap[child], heap[worst]) > 0) {
                    worst = child;
                }
            }
            if (worst == at) {
                return;
            }
            swap(heap, at, worst);
            at = worst;
        }
    }

    private static void swap(int[] a, int i, int j) {
        int x = a[i];
        a[i] = a[j];
        a[j] = x;
    }

    static String endpoints(String iface, FlowEnds k) {
        return iface + " " + k.src().withPort(k.srcPort()) + ">" + k.dst().withPort(k.dstPort());
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

    private TopView() {}
}
