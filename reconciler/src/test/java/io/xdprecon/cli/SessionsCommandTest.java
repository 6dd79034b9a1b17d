package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionsCommandTest {
    /** A session's two rules as the session table derives them (hairpin on ifindex 2, VIP 10.0.0.1:3478). */
    static void session(Map<FlowEnds, ShownRule> rules, String client, int clientPort, String backend, int egressPort) {
        put(rules, FlowKey.of(2, backend, 7000, "10.0.0.1", egressPort), FlowKey.of(2, "10.0.0.1", 3478, client, clientPort));
        put(rules, FlowKey.of(2, client, clientPort, "10.0.0.1", 3478), FlowKey.of(2, "10.0.0.1", egressPort, backend, 7000));
    }

    private static void put(Map<FlowEnds, ShownRule> rules, FlowKey match, FlowKey rewrite) {
        rules.put(FlowEnds.of(match), ShownRule.of(match, new FlowRule(rewrite, Owner.SESSION)));
    }

    @Test
    void withoutTheDaemonEachSessionsRulesAreListedTogetherClientSideFirst() {
        Map<FlowEnds, ShownRule> rules = new LinkedHashMap<>();
        session(rules, "198.51.100.9", 5000, "10.0.0.31", 40001);
        session(rules, "198.51.100.7", 6000, "10.0.0.30", 40000);
        FlowKey half = FlowKey.of(2, "10.0.0.32", 7000, "10.0.0.1", 40002);
        put(rules, half, FlowKey.of(2, "10.0.0.1", 3478, "198.51.100.8", 7000));

        List<FlowEnds> ordered = SessionsCommand.pairs(rules);
        assertEquals(5, ordered.size(), ordered.toString());
        assertEquals(FlowEnds.of(FlowKey.of(2, "198.51.100.7", 6000, "10.0.0.1", 3478)), ordered.get(0), "a client leg leads");
        assertEquals(rules.get(ordered.get(0)).partner(), ordered.get(1), "its partner follows");
        assertEquals(FlowEnds.of(FlowKey.of(2, "198.51.100.9", 5000, "10.0.0.1", 3478)), ordered.get(2));
        assertEquals(rules.get(ordered.get(2)).partner(), ordered.get(3));
        assertEquals(FlowEnds.of(half), ordered.get(4), "a rule without its partner comes last, alone");
        assertFalse(rules.containsKey(rules.get(FlowEnds.of(half)).partner()));
    }

    @Test
    void theTableNamesEverySessionAndCountsThoseOnTheSlowPath() {
        StringWriter text = new StringWriter();
        SessionsCommand.print(new PrintWriter(text, true), List.of(
                new SessionRow("turn", Endpoint.of("198.51.100.7", 40001), Endpoint.of("10.0.0.30", 3478), 50012,
                        Duration.ofSeconds(125), Duration.ofMillis(300), 1200, 190_000, 1, true),
                new SessionRow("turn", Endpoint.of("198.51.100.8", 5000), Endpoint.of("10.0.0.31", 3478), 50013,
                        Duration.ofSeconds(2), Duration.ZERO, 0, 0, 9, false)));
        List<String> lines = text.toString().lines().toList();
        assertTrue(lines.get(0).startsWith("SERVICE") && lines.get(0).contains("EGRESS"), lines.get(0));
        assertTrue(lines.get(1).matches("turn +198\\.51\\.100\\.7:40001 +10\\.0\\.0\\.30:3478 +50012 +2m05s +0\\.3s +1\\.2k +190\\.0k +1"),
                lines.get(1));
        assertTrue(lines.subList(0, 3).stream().allMatch(l -> l.length() <= 120), "the table fits 120 columns:\n" + text);
        assertTrue(lines.get(2).endsWith("9  slow path"), lines.get(2));
        assertTrue(lines.get(3).startsWith("2 sessions, 1 on the slow path"), lines.get(3));
    }
}
