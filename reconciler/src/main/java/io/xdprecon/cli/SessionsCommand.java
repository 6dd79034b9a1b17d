package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.daemon.admin.SessionsJson;
import io.xdprecon.text.Escape;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
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
            "Columns: SERVICE; CLIENT as seen on the wire (after the client's NAT); BACKEND chosen for it; EGRESS,"
                + " this node's source port toward the backend; AGE; IDLE, since its counters last moved;"
                + " PKTS / BYTES, rewritten in XDP by both rules (k/M/G; exact in --json); SLOW, packets forwarded by"
                + " DPDK itself —"
                + " 1 for a healthy session (its first packet), growing when the rules map refused its rules"
                + " (marked 'slow path').",
            "",
            "Reads GET /sessions of the daemon's admin endpoint (--admin). When no daemon answers it says so and"
                + " lists what the pinned maps still hold: the session-owned rules in pairs with their counters"
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

    /** IPv4 clients before IPv6 ones, each in numeric order. */
    private static final Comparator<IpAddress> ADDRESS_ORDER = Comparator
            .comparing((IpAddress a) -> a instanceof IpAddress.V6)
            .thenComparing(a -> a instanceof IpAddress.V4(int bits) ? Integer.toUnsignedLong(bits) : 0L)
            .thenComparing(a -> a instanceof IpAddress.V6(long high, long low) ? high : 0L, Long::compareUnsigned)
            .thenComparing(a -> a instanceof IpAddress.V6(long high, long low) ? low : 0L, Long::compareUnsigned);

    static void print(PrintWriter out, List<SessionRow> rows) {
        List<SessionRow> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(SessionRow::service).thenComparing(r -> r.client().ip(), ADDRESS_ORDER)
                .thenComparing(r -> r.client().port()));
        // 104 columns and a line's "  slow path" mark: counts in k/M/G (exact ones in --json)
        out.printf("%-16s %-21s %-21s %6s %6s %6s %7s %7s %6s%n", "SERVICE", "CLIENT", "BACKEND", "EGRESS", "AGE",
                "IDLE", "PKTS", "BYTES", "SLOW");
        int slow = 0;
        for (SessionRow r : sorted) {
            out.printf("%-16s %-21s %-21s %6d %6s %6s %7s %7s %6s%s%n", FlowsCommand.cut(Escape.line(r.service()), 16),
                    r.client().toString(), r.backend().toString(),
                    r.egressPort(), duration(r.age()), duration(r.idle()), TopView.human((double) r.fastPackets()),
                    TopView.human((double) r.fastBytes()), TopView.human((double) r.slowPackets()),
                    r.installed() ? "" : "  slow path");
            slow += r.installed() ? 0 : 1;
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

    /** Without a daemon: the session-owned rules of the pinned maps, each next to its partner (the other direction). */
    private void pinnedRules(PrintWriter out, String why) throws IOException {
        if (!Datapath.isPinned(datapath.pinRoot)) {
            throw new CliException(why + ", and no datapath is pinned under " + datapath.pinRoot + ": no sessions");
        }
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        Map<FlowKey, FlowCounters> counters = new HashMap<>();
        try (Datapath live = datapath.open()) {
            live.rules().readAll().forEach((k, r) -> {
                if (r.owner() == Owner.SESSION) {
                    rules.put(k, r);
                }
            });
            counters.putAll(live.rules().readAllCounters());
        }
        List<FlowKey> ordered = pairs(rules);
        DeviceNames devices = new DeviceNames();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (FlowKey k : ordered) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("match", devices.json(k));
                m.put("rewrite", devices.json(rules.get(k).rewrite()));
                FlowCounters c = counters.getOrDefault(k, FlowCounters.ZERO);
                m.put("packets", c.packets());
                m.put("bytes", c.bytes());
                m.put("partnerPresent", rules.containsKey(partner(rules.get(k))));
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
        out.printf("%-44s %-44s %8s %8s%n", "MATCH", "REWRITE", "PACKETS", "BYTES");
        for (FlowKey k : ordered) {
            FlowCounters c = counters.getOrDefault(k, FlowCounters.ZERO);
            out.printf("%-44s %-44s %8s %8s%s%n", devices.format(k), devices.format(rules.get(k).rewrite()),
                    TopView.human((double) c.packets()), TopView.human((double) c.bytes()),
                    rules.containsKey(partner(rules.get(k))) ? "" : "  (its partner rule is missing)");
        }
        out.printf("%d session rules%n", ordered.size());
    }

    /** The key of the rule that carries the other direction of {@code rule}'s session. */
    static FlowKey partner(FlowRule rule) {
        FlowKey t = rule.rewrite();
        return new FlowKey(t.ifindex(), t.dstIp(), t.srcIp(), t.dstPort(), t.srcPort());
    }

    /**
     * Rules ordered so a session's two rules are adjacent, the client side first: the rule whose destination
     * (ifindex, address, port) more session rules share — a service's listen address — leads its pair.
     */
    static List<FlowKey> pairs(Map<FlowKey, FlowRule> rules) {
        Map<List<Integer>, Integer> sharing = new HashMap<>();
        rules.keySet().forEach(k -> sharing.merge(List.of(k.ifindex(), k.dstIp(), k.dstPort()), 1, Integer::sum));
        Comparator<FlowKey> order = Comparator.comparing((FlowKey k) -> -sharing.get(List.of(k.ifindex(), k.dstIp(), k.dstPort())))
                .thenComparing(k -> Integer.toUnsignedLong(k.srcIp())).thenComparing(FlowKey::srcPort)
                .thenComparing(FlowKey::dstPort);
        List<FlowKey> sorted = new ArrayList<>(rules.keySet());
        sorted.sort(order);
        Set<FlowKey> out = new LinkedHashSet<>();
        for (FlowKey k : sorted) {
            if (out.add(k)) {
                FlowKey p = partner(rules.get(k));
                if (rules.containsKey(p)) {
                    out.add(p);
                }
            }
        }
        return List.copyOf(out);
    }
}
