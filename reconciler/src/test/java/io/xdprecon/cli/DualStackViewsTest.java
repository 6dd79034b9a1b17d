package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.sessions.SessionService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 17: flows, top and sessions show IPv6 rules and sessions in RFC 5952 text, [address]:port, with counters. */
class DualStackViewsTest {
    /** ifindex 1 is the loopback device in every network namespace. */
    private static final int LO = 1;

    private static IpAddress.V6 v6(String text) {
        long[] bits = Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }

    /** Written the long way: the views must print the canonical text. */
    private static final FlowKey6 MATCH6 = new FlowKey6(LO, v6("2001:0db8:000c:0000:0000:0000:0000:0002"),
            v6("2001:DB8:C:0:0:0:0:100"), 20000, 30000);
    private static final FlowRule6 RULE6 = new FlowRule6(new FlowKey6(LO, v6("2001:db8:d:0:0:0:0:1"),
            v6("2001:db8:d::2"), 40000, 50000), Owner.CONFIG);
    private static final FlowKey MATCH4 = FlowKey.of(LO, "198.51.100.200", 52311, "203.0.113.110", 30000);
    private static final FlowRule RULE4 = new FlowRule(FlowKey.of(LO, "10.200.200.1", 40311, "10.200.200.222", 50000),
            Owner.CONFIG);

    @Test
    void flowsListIpv6RulesInCanonicalTextWithTheirCountersAfterTheIpv4Ones() throws Exception {
        List<FlowsCommand.Row> rows = new java.util.ArrayList<>(List.of(
                new FlowsCommand.Row(ShownRule.of(MATCH6, RULE6), new FlowCounters(1_500, 150_000), null, null, "six (forward)"),
                new FlowsCommand.Row(ShownRule.of(MATCH4, RULE4), new FlowCounters(7, 700), null, null, "four (forward)")));
        rows.sort(java.util.Comparator.comparing((FlowsCommand.Row r) -> r.rule().match(), FlowEnds.BY_DESTINATION));
        StringWriter wide = new StringWriter();
        FlowsCommand.table(new PrintWriter(wide, true), rows, new DeviceNames(), false, Integer.MAX_VALUE);
        List<String> lines = wide.toString().lines().toList();
        assertTrue(lines.get(1).startsWith("four (forward)"), "IPv4 first on an interface:\n" + wide);
        assertEquals("six (forward)  lo [2001:db8:c::2]:20000 -> [2001:db8:c::100]:30000"
                + " lo [2001:db8:d::1]:40000 -> [2001:db8:d::2]:50000    1.5k 150.0k", lines.get(2));
        assertEquals("2 rules", lines.getLast());

        StringWriter cut = new StringWriter();
        FlowsCommand.table(new PrintWriter(cut, true), rows, new DeviceNames(), true, FlowsCommand.WIDTH);
        assertTrue(cut.toString().lines().allMatch(l -> l.length() <= FlowsCommand.WIDTH), "fits 120 columns:\n" + cut);

        Map<String, Object> json = new DeviceNames().json(FlowEnds.of(MATCH6));
        assertEquals("[2001:db8:c::2]:20000", json.get("src"));
        assertEquals("[2001:db8:c::100]:30000", json.get("dst"));
        assertEquals(LO, json.get("ifindex"));
    }

    @Test
    void topCountsShowsAndSortsIpv6RulesBesideIpv4Ones() {
        List<TopView.Row> rows = List.of(
                new TopView.Row("four (forward)", null, ShownRule.of(MATCH4, RULE4), "lo", "lo",
                        new FlowCounters(10, 1000), 5, 4000),
                new TopView.Row("six (forward)", null, ShownRule.of(MATCH6, RULE6), "lo", "lo",
                        new FlowCounters(900, 90_000), 300, 240_000));
        TopView.Frame frame = new TopView.Frame(TopView.Table.of(rows), Map.of(Stat.REWRITE_HIT, 305.0), 1024, 64, 1, 3, 2);
        List<String> lines = TopView.render(frame, TopView.Sort.PPS, false, TopView.Filter.NONE, 0, 0);
        assertTrue(lines.get(0).contains("rules 1 of 1,024 + IPv6 1 of 64 (config 2, session 0)"), lines.get(0));
        String first = lines.get(lines.indexOf(lines.stream().filter(l -> l.startsWith("FLOW")).findFirst().orElseThrow()) + 1);
        assertTrue(first.startsWith("six (forward)") && first.contains("lo [2001:db8:c::2]:20000>[2001:db8:c::100]:30000")
                && first.endsWith(" 900"), first);

        Map<String, Object> json = TopView.json(frame, TopView.Sort.PPS, false, TopView.Filter.NONE, 0, new DeviceNames());
        assertEquals(1, json.get("rules"));
        assertEquals(1, json.get("ipv6Rules"));
        assertEquals(64, json.get("ipv6Capacity"));
        @SuppressWarnings("unchecked")
        Map<String, Object> top = ((List<Map<String, Object>>) json.get("top")).getFirst();
        assertEquals("[2001:db8:d::2]:50000", ((Map<?, ?>) top.get("rewrite")).get("dst"));
        assertEquals(900L, top.get("packets"));
    }

    @Test
    void aSessionRuleOfEitherFamilyIsToldItsService() {
        SessionService six = new SessionService("turn6", 2, v6("2001:db8:211::1"), 3478, 3, v6("2001:db8:212::1"),
                new PortRange(40000, 40999), List.of(new Endpoint(v6("2001:db8:213::10"), 3478)), Duration.ofSeconds(30),
                Optional.empty(), Service.OnBackendRemoval.DRAIN);
        SessionService four = new SessionService("turn4", 2, 0x0a000001, 3478, 3, 0x0a000101, new PortRange(40000, 40999),
                List.of(Endpoint.of("10.0.2.10", 3478)), Duration.ofSeconds(30));
        List<SessionService> services = List.of(four, six);
        assertEquals("turn6", TopCommand.serviceOf(services, 2, v6("2001:db8:211::1"), 3478), "a client's leg");
        assertEquals("turn6", TopCommand.serviceOf(services, 3, v6("2001:db8:212::1"), 40017), "a backend's leg");
        assertEquals("turn4", TopCommand.serviceOf(services, 2, new IpAddress.V4(0x0a000001), 3478));
        assertNull(TopCommand.serviceOf(services, 3, v6("2001:db8:212::1"), 41000), "outside the pool");
    }

    private static SessionRow session(String service, String client, String backend, int egress) {
        return new SessionRow(service, Endpoint.parse(client), Endpoint.parse(backend), egress, Duration.ofSeconds(125),
                Duration.ofMillis(300), 1200, 190_000, 1, true);
    }

    @Test
    void theSessionsTableTakesTheWidthItsAddressesNeedAndNeverCutsOne() {
        StringWriter text = new StringWriter();
        SessionsCommand.print(new PrintWriter(text, true), List.of(
                session("relay-v6-with-a-long-name", "[2001:db8:1234:5678::abcd]:61234", "[2001:db8:1234:9abc::10]:3478", 40001),
                session("relay-v6-with-a-long-name", "[2001:db8:c::2]:20000", "[2001:db8:d::2]:3478", 40002),
                session("turn", "198.51.100.7:40001", "10.0.0.30:3478", 50012)));
        List<String> lines = text.toString().lines().toList();
        assertTrue(lines.stream().allMatch(l -> l.length() <= FlowsCommand.WIDTH), "fits 120 columns:\n" + text);
        assertTrue(text.toString().contains(" [2001:db8:1234:5678::abcd]:61234 [2001:db8:1234:9abc::10]:3478 "), text.toString());
        int backend = lines.get(0).indexOf("BACKEND");
        for (String line : lines.subList(1, 4)) {
            assertTrue(line.startsWith("[", backend) || line.startsWith("10.", backend), "BACKEND aligned:\n" + text);
        }
        assertTrue(lines.get(1).startsWith("relay-v6-with-a… [2001:db8:c::2]:20000 "), "the name is cut: " + lines.get(1));
        assertTrue(lines.get(3).matches("turn +198\\.51\\.100\\.7:40001 +10\\.0\\.0\\.30:3478 +50012 +2m05s +0\\.3s"
                + " +1\\.2k +190\\.0k +1"), lines.get(3));

        StringWriter four = new StringWriter();
        SessionsCommand.print(new PrintWriter(four, true), List.of(session("turn", "198.51.100.7:40001", "10.0.0.30:3478", 50012)));
        assertTrue(four.toString().lines().allMatch(l -> l.length() <= 80), "IPv4 sessions take what they need:\n" + four);

        StringWriter widest = new StringWriter();
        String full = "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535";
        SessionsCommand.print(new PrintWriter(widest, true), List.of(session("svc", full, full, 1)));
        assertTrue(widest.toString().contains(" " + full + " " + full + " "), "whole, even past 120:\n" + widest);
    }

    @Test
    void withoutTheDaemonAnIpv6SessionsTwoRulesAreListedTogether() {
        Map<FlowEnds, ShownRule> rules = new LinkedHashMap<>();
        IpAddress.V6 vip = v6("2001:db8:211::1");
        for (int n = 2; n >= 1; n--) {
            IpAddress.V6 client = v6("2001:db8:c::" + n);
            IpAddress.V6 backend = v6("2001:db8:d::" + n);
            FlowKey6 reverse = new FlowKey6(2, backend, vip, 3478, 40000 + n);
            FlowKey6 forward = new FlowKey6(2, client, vip, 5000, 3478);
            rules.put(FlowEnds.of(reverse), ShownRule.of(reverse,
                    new FlowRule6(new FlowKey6(2, vip, client, 3478, 5000), Owner.SESSION)));
            rules.put(FlowEnds.of(forward), ShownRule.of(forward,
                    new FlowRule6(new FlowKey6(2, vip, backend, 40000 + n, 3478), Owner.SESSION)));
        }
        List<FlowEnds> ordered = SessionsCommand.pairs(rules);
        assertEquals(4, ordered.size(), ordered.toString());
        assertEquals(v6("2001:db8:c::1"), ordered.get(0).src(), "the first client's leg leads: " + ordered);
        assertEquals(rules.get(ordered.get(0)).partner(), ordered.get(1), "its partner follows");
        assertEquals(v6("2001:db8:c::2"), ordered.get(2).src());
        assertEquals(rules.get(ordered.get(2)).partner(), ordered.get(3));
        assertFalse(ordered.get(1).src().equals(vip));
    }
}
