package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.sessions.CounterSource;
import io.xdprecon.sessions.RuleSink;
import io.xdprecon.sessions.Session;
import io.xdprecon.sessions.SessionService;
import io.xdprecon.sessions.SessionTable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions and the config share one rules map, and ownership lives in each entry: the config may claim a
 * session's key (the plan shows it as a replacement). Proven on the real map that a session then neither
 * overwrites nor — at its expiry — deletes the config's rule, while its own rules come and go as before.
 */
class SessionRuleOwnershipTest {
    private static final int LISTEN_IFINDEX = 3;
    private static final int EGRESS_IFINDEX = 4;
    private static final int VIP = 0x0A000064;
    private static final int CLIENT = 0x0A400001;

    @RegisterExtension
    final PinRootPerTest pins = PinRootPerTest.withDatapath(0);

    private RulesMap rules() {
        return pins.datapath().rules();
    }

    @Test
    void aSessionNeverOverwritesNorDeletesAnotherOwnersRule() {
        RuleSink sink = RuleSink.of(rules());
        FlowKey claimed = new FlowKey(LISTEN_IFINDEX, CLIENT, VIP, 40000, 3478);
        FlowRule config = new FlowRule(new FlowKey(EGRESS_IFINDEX, 0x0A020001, 0x0A02000A, 50000, 7000), Owner.CONFIG);
        rules().put(claimed, config);

        FlowRule session = new FlowRule(new FlowKey(EGRESS_IFINDEX, 0x0A020001, 0x0A02000B, 1024, 7000), Owner.SESSION);
        assertFalse(sink.put(claimed, session), "the key holds the config's rule");
        assertEquals(Optional.of(config), rules().get(claimed));
        assertFalse(sink.remove(claimed), "not the session's to delete");
        assertEquals(Optional.of(config), rules().get(claimed));

        FlowKey own = new FlowKey(LISTEN_IFINDEX, CLIENT, VIP, 40001, 3478);
        assertTrue(sink.put(own, session), "a new key");
        FlowRule moved = new FlowRule(new FlowKey(EGRESS_IFINDEX, 0x0A020001, 0x0A02000C, 1024, 7000), Owner.SESSION);
        assertTrue(sink.put(own, moved), "a session's rule is replaced (a move or a rebind)");
        assertEquals(Optional.of(moved), rules().get(own));
        assertTrue(sink.remove(own));
        assertEquals(Optional.empty(), rules().get(own));
        assertFalse(sink.remove(own), "absent");
    }

    @Test
    void anExpiredSessionLeavesTheRuleTheConfigClaimedFromIt() {
        Duration idle = Duration.ofSeconds(30);
        SessionService service = new SessionService("turn", LISTEN_IFINDEX, VIP, 3478, EGRESS_IFINDEX, 0x0A020001,
                new PortRange(1024, 2047), List.of(Endpoint.of("10.2.0.10", 7000)), idle);
        SessionTable table = new SessionTable(List.of(service), RuleSink.of(rules()), CounterSource.of(rules()));
        long now = System.nanoTime();
        assertNotNull(table.route(LISTEN_IFINDEX, CLIENT, VIP, 40000, 3478, now), "a first packet makes a session");
        Session made = table.sessions().iterator().next();
        assertEquals(Owner.SESSION, rules().get(made.forwardKey()).orElseThrow().owner());

        // What apply does when a revision's flow claims the session's forward key.
        FlowRule config = new FlowRule(new FlowKey(EGRESS_IFINDEX, 0x0A020001, 0x0A02000A, 50000, 7000), Owner.CONFIG);
        rules().put(made.forwardKey(), config);

        table.sweep(now);
        assertEquals(1, table.sweep(now + idle.toNanos()), "the session went idle and expired");
        assertEquals(Optional.of(config), rules().get(made.forwardKey()), "the config's rule survives the expiry");
        assertEquals(Optional.empty(), rules().get(made.reverseKey()), "the session's own rule is gone");
    }
}
