package io.xdprecon.sessions;

import static io.xdprecon.sessions.SessionTableTest.B1;
import static io.xdprecon.sessions.SessionTableTest.EGRESS;
import static io.xdprecon.sessions.SessionTableTest.EGRESS_IF;
import static io.xdprecon.sessions.SessionTableTest.LISTEN_IF;
import static io.xdprecon.sessions.SessionTableTest.S;
import static io.xdprecon.sessions.SessionTableTest.VIP;
import static io.xdprecon.sessions.SessionTableTest.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.PortRange;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Caffeine keeps the session table: the loop's clock (moved by sweeps), per-session idle expiry refreshed by the
 * counter sweep, a size bound, and an eviction listener that releases rules and ports; its statistics recorded.
 */
class SessionTableCaffeineTest {
    private final SessionTableTest.FakeMap map = new SessionTableTest.FakeMap();

    private static SessionService service(int ports, Duration idle) {
        return new SessionService("relay", LISTEN_IF, VIP, 3478, EGRESS_IF, EGRESS, new PortRange(40000, 40000 + ports - 1),
                List.of(B1), idle);
    }

    /** 100 ms sweeps, as the loop runs them: gone from the table at its deadline, rules and port within ~1 s. */
    @Test
    void anIdleSessionExpiresAtItsDeadlineAndTheListenerReleasesItsRulesAndPort() {
        SessionTable t = new SessionTable(List.of(service(1, Duration.ofSeconds(30))), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        Session s = t.get(new SessionKey("relay", client(0), 5000));
        long sweep = 0;
        while (t.get(s.key()) != null) {
            sweep += S / 10;
            t.sweep(sweep);
        }
        assertTrue(sweep >= 30 * S && sweep <= 30 * S + S / 10, "gone at its deadline, not before: " + sweep);
        while (map.rules.containsKey(s.forwardKey())) {
            sweep += S / 10;
            t.sweep(sweep);
            assertTrue(sweep <= 30 * S + (1L << 30) + S / 5, "its rules leave within Caffeine's timer wheel bucket");
        }
        assertFalse(map.rules.containsKey(s.reverseKey()));
        assertEquals(1, t.stats().get(SessionTable.Counter.EXPIRED));
        assertNotNull(t.route(LISTEN_IF, client(1), VIP, 5001, 3478, sweep), "the one port is free again");
    }

    @Test
    void aSweepThatSeesCountersMoveSetsTheExpiryAgain() {
        SessionTable t = new SessionTable(List.of(service(4, Duration.ofSeconds(10))), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        Session s = t.get(new SessionKey("relay", client(0), 5000));
        for (long now = S; now <= 25 * S; now += S) {
            map.hit(s.forwardKey(), 1);
            t.sweep(now);
        }
        assertNotNull(t.get(s.key()), "alive on its counters alone, past its first deadline");
        t.sweep(34 * S);
        assertNotNull(t.get(s.key()), "10 s after its last movement (25 s) is 35 s");
        t.sweep(36 * S);
        assertNull(t.get(s.key()));
    }

    @Test
    void aNewConfigsIdleTimeoutAppliesToTheSessionsItKeeps() {
        SessionTable t = new SessionTable(List.of(service(4, Duration.ofSeconds(60))), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        t.sweep(S);
        t.update(List.of(service(4, Duration.ofSeconds(5))));
        t.sweep(7 * S);
        assertNull(t.get(new SessionKey("relay", client(0), 5000)), "5 s after its last activity, not 60");
    }

    /** The table's bound: past it Caffeine evicts one, and the listener takes its rules and port with it. */
    @Test
    void pastItsBoundTheTableEvictsASessionWithItsRulesAndPort() {
        SessionTable t = new SessionTable(List.of(service(10, Duration.ofSeconds(30))), map, map, 2);
        for (int i = 0; i < 3; i++) {
            assertNotNull(t.route(LISTEN_IF, client(i), VIP, 5000 + i, 3478, 0));
        }
        t.sweep(S);
        SessionTable.Stats stats = t.stats();
        assertEquals(2, stats.sessions());
        assertEquals(1, stats.get(SessionTable.Counter.EVICTED));
        assertEquals(1, stats.cache().evictionCount());
        assertEquals(4, map.rules.size(), "two sessions, two rules each: the evicted one's are gone");
        assertEquals(2, t.portsInUse("relay"));
    }

    @Test
    void lookupsAreCounted() {
        SessionTable t = new SessionTable(List.of(service(4, Duration.ofSeconds(30))), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        assertNotNull(t.get(new SessionKey("relay", client(0), 5000)));
        assertNull(t.get(new SessionKey("relay", client(9), 5000)));
        assertEquals(1, t.stats().cache().hitCount());
        assertEquals(1, t.stats().cache().missCount());
    }
}
