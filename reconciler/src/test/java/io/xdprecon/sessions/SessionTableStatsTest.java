package io.xdprecon.sessions;

import static io.xdprecon.sessions.SessionTableTest.B1;
import static io.xdprecon.sessions.SessionTableTest.B2;
import static io.xdprecon.sessions.SessionTableTest.B3;
import static io.xdprecon.sessions.SessionTableTest.EGRESS;
import static io.xdprecon.sessions.SessionTableTest.EGRESS_IF;
import static io.xdprecon.sessions.SessionTableTest.LISTEN_IF;
import static io.xdprecon.sessions.SessionTableTest.S;
import static io.xdprecon.sessions.SessionTableTest.VIP;
import static io.xdprecon.sessions.SessionTableTest.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.dataplane.maps.IpAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SessionTable#stats}' gauges are kept as sessions change, not counted by a walk at each publish: through
 * every way a session enters, changes or leaves (created on or off the map, retried into it, rebound, its backend
 * removed under drain or move, retired, expired, evicted, adopted by a restarted table) they equal a count of the sessions themselves.
 */
class SessionTableStatsTest {
    private final SessionTableTest.FakeMap map = new SessionTableTest.FakeMap();

    private static SessionService relay(List<Endpoint> backends, Service.OnBackendRemoval policy, int listenPort) {
        return new SessionService("relay", LISTEN_IF, new IpAddress.V4(VIP), listenPort, EGRESS_IF, new IpAddress.V4(EGRESS),
                new PortRange(40000, 40063), backends, Duration.ofSeconds(30), Optional.empty(), policy);
    }

    private static void assertGaugesCountTheSessions(SessionTable t, String after) {
        long slow = t.sessions().stream().filter(s -> !s.installed()).count();
        long draining = t.sessions().stream().filter(s -> !s.service().backends().contains(s.backend())).count();
        SessionTable.Stats stats = t.stats();
        assertEquals(t.sessions().size(), stats.sessions(), after);
        assertEquals(slow, stats.slowPathSessions(), "slow path, after " + after);
        assertEquals(draining, stats.draining(), "draining, after " + after);
    }

    @Test
    void theGaugesFollowEverySessionChangeWithoutAWalk() {
        Random random = new Random(17);
        List<List<Endpoint>> backendSets = List.of(List.of(B1, B2, B3), List.of(B1, B3), List.of(B2), List.of(B1, B2));
        List<SessionService> current = List.of(relay(backendSets.get(0), Service.OnBackendRemoval.DRAIN, 3478));
        SessionTable t = new SessionTable(current, map, map, 16);
        int listenPort = 3478;
        long now = 0;
        int slowSeen = 0;
        int drainingSeen = 0;
        long adopted = 0;
        List<String> done = new ArrayList<>();
        // What the tables a restart replaced counted: the run's events are theirs and the last table's together (the
        // table's Caffeine bound evicts with a random element, so where the last restart falls varies from run to run).
        Map<SessionTable.Counter, Long> counted = new java.util.EnumMap<>(SessionTable.Counter.class);
        for (int step = 0; step < 3_000; step++) {
            now += S / 20;
            int op = random.nextInt(100);
            String what;
            if (op < 50) {
                map.capacity = random.nextInt(4) == 0 ? map.rules.size() + random.nextInt(2) : Integer.MAX_VALUE;
                int c = random.nextInt(80);
                t.route(LISTEN_IF, client(c), VIP, 5000 + c % 3, listenPort, now);
                what = "route of client " + c + " (capacity " + map.capacity + ")";
            } else if (op < 75) {
                map.capacity = random.nextInt(3) == 0 ? map.rules.size() : Integer.MAX_VALUE;
                for (Session s : List.copyOf(t.sessions())) {
                    if (s.installed() && random.nextBoolean()) {
                        map.hit(s.forwardKey(), 1);
                    }
                }
                now += random.nextInt(3) == 0 ? 20 * S : 0;
                t.sweep(now);
                what = "sweep";
            } else if (op < 85 && !t.sessions().isEmpty()) {
                Session s = List.copyOf(t.sessions()).get(random.nextInt(t.sessions().size()));
                int c = 200 + random.nextInt(50);
                t.rebind(s.key(), client(c), 6000);
                what = "rebind of " + s.key();
            } else if (op < 97) {
                List<Endpoint> backends = backendSets.get(random.nextInt(backendSets.size()));
                Service.OnBackendRemoval policy = random.nextBoolean() ? Service.OnBackendRemoval.DRAIN
                        : Service.OnBackendRemoval.MOVE;
                map.capacity = random.nextInt(4) == 0 ? map.rules.size() : Integer.MAX_VALUE;
                current = List.of(relay(backends, policy, listenPort));
                t.update(current);
                what = "update to " + backends + " " + policy;
            } else if (op < 99) {
                listenPort = listenPort == 3478 ? 3479 : 3478; // a moved listen retires every session
                current = List.of(relay(backendSets.get(0), Service.OnBackendRemoval.DRAIN, listenPort));
                t.update(current);
                what = "listen moved to " + listenPort;
            } else {
                // a restart: a new table adopts the sessions back from the map (draining ones too)
                for (SessionTable.Counter c : SessionTable.Counter.values()) {
                    counted.merge(c, t.stats().get(c), Long::sum); // the new table counts from zero
                }
                t = new SessionTable(current, map, map, 16);
                t.adopt(Map.copyOf(map.rules), now);
                what = "restart adopting " + t.stats().get(SessionTable.Counter.ADOPTED);
                adopted += t.stats().get(SessionTable.Counter.ADOPTED);
            }
            done.add(what);
            assertGaugesCountTheSessions(t, "step " + step + ": " + what);
            slowSeen += t.stats().slowPathSessions() > 0 ? 1 : 0;
            drainingSeen += t.stats().draining() > 0 ? 1 : 0;
        }
        // the run went through the states it is about
        SessionTable.Stats stats = t.stats();
        assertTrue(slowSeen > 100 && drainingSeen > 100 && adopted > 0,
                "slow " + slowSeen + ", draining " + drainingSeen + ", adopted " + adopted);
        for (SessionTable.Counter c : List.of(SessionTable.Counter.MAP_REFUSED, SessionTable.Counter.EXPIRED,
                SessionTable.Counter.REBOUND, SessionTable.Counter.MOVED, SessionTable.Counter.RETIRED,
                SessionTable.Counter.EVICTED)) {
            assertTrue(stats.get(c) + counted.getOrDefault(c, 0L) > 0,
                    c + " never happened: " + stats + "; before the last restart: " + counted);
        }
    }
}
