package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.daemon.admin.SessionsJson;
import io.xdprecon.text.Escape;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Rules6Map;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sessions", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "List the dynamic sessions of the DPDK datapath (datapath.mode: dpdk), as the running daemon knows them.",
            "",
            "A session is born when a client's first packet to a service reaches DPDK: the daemon picks a backend"
                + " and an egress port from the service's pool and installs two rules (owner session) so that every"
                + " later packet, both ways, is rewritten in XDP. It ends when its counters stop moving for the"
                + " service's idle timeout.",
            "",
            "Columns: SERVICE; CLIENT as seen on the wire (after the client's NAT; an IPv6 one as [address]:port); BACKEND chosen for it; EGRESS,"
                + " this node's source port toward the backend; AGE; IDLE, since its counters last moved;"
                + " PKTS / BYTES, rewritten in XDP by both rules (k/M/G; exact in --json); SLOW, packets forwarded by"
                + " DPDK itself —"
                + " 1 for a healthy session (its first packet), growing when the rules map refused its rules"
                + " (marked 'slow path').",
            "",
            "Reads GET /sessions of the daemon's admin endpoint (--admin). When no daemon answers it says so and"
                + " lists what the pinned maps still hold: the session-owned rules of both families in pairs with their counters"
                + " (services, ages and slow-path counts are known only to the daemon).",
            "",
            "Metrics of the same loop are on /metrics: xdprecon_session_setups_total, xdprecon_session_expiries_total,"
                + " xdprecon_slow_path_packets_total{reason}, xdprecon_session_ports_used{service} of"
                + " xdprecon_session_ports{service}.",
        })
final class SessionsCommand implements Callable<Integer> {
    @Mixin
    AdminEndpoint endpoint;

    @Option(names = "--json", description = "Print JSON: the daemon's /sessions document; without a daemon"
            + " {\"daemon\": null, \"why\": …, \"rules\": […]}.")
    boolean json;

    @Mixin
    DatapathOptions datapath;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String body;
        try {
            body = endpoint.get("/sessions");
        } catch (AdminClient.UnreachableException e) {
            String why = "no daemon answers at " + endpoint.admin + " (it " + e.getMessage() + ")";
            pinnedRules(out, why);
            out.flush();
            return 0;
        }
        if (json) {
            out.println(body.strip());
        } else {
            List<SessionRow> rows;
            try {
                rows = SessionsJson.read(body);
            } catch (IOException e) {
                throw new CliException("the daemon at " + endpoint.admin + " sent sessions that are not JSON: " + e.getMessage());
            }
            print(out, rows);
        }
        out.flush();
        return 0;
    }

    /** The SERVICE column's widest, and narrowest when the addresses need its room (a longer name is cut with '…'). */
    private static final int SERVICE_WIDTH = 16;
    private static final int SERVICE_MIN = 8;

    /**
     * Columns as wide as their widest cell: IPv4 sessions take ~90 columns, IPv6 ones what their addresses need. An
     * address is never cut (it could not be read or copied); past {@link FlowsCommand#WIDTH} the service's name gives
     * way first, down to {@value #SERVICE_MIN} columns.
     */
    static void print(PrintWriter out, List<SessionRow> rows) {
        List<SessionRow> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(SessionRow::service).thenComparing(r -> r.client().ip(), FlowEnds.ADDRESS_ORDER)
                .thenComparing(r -> r.client().port()));
        String[] header = {"SERVICE", "CLIENT", "BACKEND", "EGRESS", "AGE", "IDLE", "PKTS", "BYTES", "SLOW"};
        List<String[]> cells = new ArrayList<>();
        for (SessionRow r : sorted) {
            cells.add(new String[] {Escape.line(r.service()), r.client().toString(), r.backend().toString(),
                Integer.toString(r.egressPort()), duration(r.age()), duration(r.idle()), TopView.human((double) r.fastPackets()),
                TopView.human((double) r.fastBytes()), TopView.human((double) r.slowPackets())});
        }
        int[] w = widths(header, cells);
        w[0] = Math.min(w[0], SERVICE_WIDTH);
        int total = java.util.Arrays.stream(w).sum() + w.length - 1;
        w[0] = Math.max(Math.min(w[0], SERVICE_MIN), w[0] - Math.max(0, total - FlowsCommand.WIDTH));
        // counts in k/M/G (exact ones in --json); a line's "  slow path" mark after the table's columns
        String format = "%-" + w[0] + "s %-" + w[1] + "s %-" + w[2] + "s %" + w[3] + "s %" + w[4] + "s %" + w[5] + "s %"
                + w[6] + "s %" + w[7] + "s %" + w[8] + "s";
        out.println(String.format(format, (Object[]) header).stripTrailing());
        int slow = 0;
        for (int i = 0; i < sorted.size(); i++) {
            String[] c = cells.get(i);
            c[0] = FlowsCommand.cut(c[0], w[0]);
            out.printf(format + "%s%n", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
                    sorted.get(i).installed() ? "" : "  slow path");
            slow += sorted.get(i).installed() ? 0 : 1;
        }
        out.printf("%d session%s", sorted.size(), sorted.size() == 1 ? "" : "s");
        out.println(slow == 0 ? "" : ", " + slow + " on the slow path (the rules map refused their rules; DPDK forwards"
                + " every packet of theirs)");
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 100_000) {
            return String.format("%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        return s < 6000 ? s / 60 + "m" + String.format("%02d", s % 60) + "s" : s / 3600 + "h" + String.format("%02d", s / 60 % 60) + "m";
    }

    /** Each column as wide as its header and its widest cell. */
    private static int[] widths(String[] header, List<String[]> cells) {
        int[] w = new int[header.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = header[i].length();
            for (String[] c : cells) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        return w;
    }

    /**
     * Without a daemon: the session-owned rules of the pinned maps (both families), each next to its partner (the
     * other direction).
     */
    private void pinnedRules(PrintWriter out, String why) throws IOException {
        if (!Datapath.isPinned(datapath.pinRoot)) {
            throw new CliException(why + ", and no datapath is pinned under " + datapath.pinRoot + ": no sessions");
        }
        Map<FlowEnds, ShownRule> rules = new LinkedHashMap<>();
        Map<FlowEnds, FlowCounters> counters = new HashMap<>();
        try (Datapath live = datapath.open()) {
            live.rules().readAll().forEach((k, r) -> {
                if (r.owner() == Owner.SESSION) {
                    rules.put(FlowEnds.of(k), ShownRule.of(k, r));
                }
            });
            live.rules().readAllCounters().forEach((k, c) -> counters.put(FlowEnds.of(k), c));
            live.rules6().forEach((Rules6Map.SlotVisitor) (k, r, slot) -> {
                if (r.owner() == Owner.SESSION) {
                    rules.put(FlowEnds.of(k), ShownRule.of(k, r));
                    counters.put(FlowEnds.of(k), live.rules6().countersAt(slot));
                }
            });
        }
        List<FlowEnds> ordered = pairs(rules);
        DeviceNames devices = new DeviceNames();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (FlowEnds k : ordered) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("match", devices.json(k));
                m.put("rewrite", devices.json(rules.get(k).rewrite()));
                FlowCounters c = counters.getOrDefault(k, FlowCounters.ZERO);
                m.put("packets", c.packets());
                m.put("bytes", c.bytes());
                m.put("partnerPresent", rules.containsKey(rules.get(k).partner()));
                list.add(m);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("daemon", null);
            doc.put("why", why);
            doc.put("rules", list);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
            return;
        }
        out.println(why + ": services, ages and slow-path counts are known only to the daemon.");
        out.println("Session-owned rules pinned under " + datapath.pinRoot + ", each session's two rules together:");
        String[] header = {"MATCH", "REWRITE", "PACKETS", "BYTES"};
        List<String[]> cells = new ArrayList<>();
        for (FlowEnds k : ordered) {
            FlowCounters c = counters.getOrDefault(k, FlowCounters.ZERO);
            cells.add(new String[] {devices.format(k), devices.format(rules.get(k).rewrite()),
                TopView.human((double) c.packets()), TopView.human((double) c.bytes())});
        }
        int[] w = widths(header, cells);
        String format = "%-" + w[0] + "s %-" + w[1] + "s %" + Math.max(8, w[2]) + "s %" + Math.max(8, w[3]) + "s";
        out.println(String.format(format, (Object[]) header));
        for (int i = 0; i < ordered.size(); i++) {
            String[] c = cells.get(i);
            out.printf(format + "%s%n", c[0], c[1], c[2], c[3],
                    rules.containsKey(rules.get(ordered.get(i)).partner()) ? "" : "  (its partner rule is missing)");
        }
        out.printf("%d session rules%n", ordered.size());
    }

    /**
     * Rules ordered so a session's two rules are adjacent, the client side first: the rule whose destination
     * (ifindex, address, port) more session rules share — a service's listen address — leads its pair.
     */
    static List<FlowEnds> pairs(Map<FlowEnds, ShownRule> rules) {
        Map<List<Object>, Integer> sharing = new HashMap<>();
        rules.keySet().forEach(k -> sharing.merge(List.of(k.ifindex(), k.dst(), k.dstPort()), 1, Integer::sum));
        Comparator<FlowEnds> order = Comparator.comparing((FlowEnds k) -> -sharing.get(List.of(k.ifindex(), k.dst(), k.dstPort())))
                .thenComparing(FlowEnds::src, FlowEnds.ADDRESS_ORDER).thenComparing(FlowEnds::srcPort)
                .thenComparing(FlowEnds::dstPort);
        List<FlowEnds> sorted = new ArrayList<>(rules.keySet());
        sorted.sort(order);
        Set<FlowEnds> out = new LinkedHashSet<>();
        for (FlowEnds k : sorted) {
            if (out.add(k)) {
                FlowEnds p = rules.get(k).partner();
                if (rules.containsKey(p)) {
                    out.add(p);
                }
            }
        }
        return List.copyOf(out);
    }
}
