package io.xdprecon.sessions;

import static io.xdprecon.sessions.SessionTableTest.B1;
import static io.xdprecon.sessions.SessionTableTest.EGRESS;
import static io.xdprecon.sessions.SessionTableTest.EGRESS_IF;
import static io.xdprecon.sessions.SessionTableTest.LISTEN_IF;
import static io.xdprecon.sessions.SessionTableTest.S;
import static io.xdprecon.sessions.SessionTableTest.VIP;
import static io.xdprecon.sessions.SessionTableTest.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.PortRange;
import io.xdprecon.dataplane.maps.FlowKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sweep's cost does not grow with the table: each 100 ms sweep reads the counters of a bounded slice of the
 * sessions, round robin, and still expires exactly the idle ones — an active session is never expired because its
 * turn had not come, an idle one goes within its idle timeout and two rounds (its last movement is dated at the turn
 * that saw it, and it is seen idle at its first turn past the timeout).
 */
class SessionTableSweepTest {
    private static final long TICK = S / 10;
    private static final int N = 10_000;

    private final SessionTableTest.FakeMap map = new SessionTableTest.FakeMap();
    /** The map's counters, each read counted (a read is about two bpf syscalls on a real map). */
    private final Counting counting = new Counting(map);

    private static final class Counting implements CounterSource {
        final CounterSource inner;
        long reads;

        Counting(CounterSource inner) {
            this.inner = inner;
        }

        @Override
        public long packets(FlowKey rule) {
            reads++;
            return inner.packets(rule);
        }
    }

    private static SessionService service(Duration idle) {
        return new SessionService("relay", LISTEN_IF, VIP, 3478, EGRESS_IF, EGRESS, new PortRange(30000, 30000 + N - 1),
                List.of(B1), idle);
    }

    /** The longest a round of 100 ms sweeps takes: its period, or as many sweeps as the slice bound needs, and one more. */
    private static long round(SessionTable t) {
        return Math.max(t.period(), (long) Math.ceil((double) N / SessionTable.MAX_SLICE) * TICK) + TICK;
    }

    private List<Session> sessions(SessionTable t, int n) {
        List<Session> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertNotNull(t.route(LISTEN_IF, client(i), VIP, 5000, 3478, 0));
            all.add(t.get(new SessionKey("relay", client(i), 5000)));
        }
        return all;
    }

    /** Fails before the sliced sweep: one sweep read both counters of every session, 20,000 reads here. */
    @Test
    void oneSweepOfTenThousandSessionsReadsAtMostTheSliceBoundOfCounters() {
        SessionTable t = new SessionTable(List.of(service(Duration.ofSeconds(60))), map, counting);
        sessions(t, N);
        for (long now = TICK; now <= 20 * TICK; now += TICK) {
            long before = counting.reads;
            t.sweep(now);
            long read = counting.reads - before;
            assertTrue(read <= 2L * SessionTable.MAX_SLICE, "sweep at " + now + " read " + read + " counters");
        }
        assertTrue(counting.reads >= 2L * N, "every session read in 2 s of sweeps: " + counting.reads);
        assertEquals(N, t.stats().sessions());
    }

    /**
     * An idle timeout (300 ms) shorter than a round (10,000 sessions at 2,048 a sweep: 5 sweeps): sessions whose
     * counters move every 100 ms stay whatever their place in the round; the idle ones go, never before their
     * timeout since their last movement, and at most two rounds after it.
     */
    @Test
    void activeSessionsStayWhateverTheirTurnAndIdleOnesGoWithinTheirTimeoutAndTwoRounds() {
        Duration idle = Duration.ofMillis(300);
        SessionTable t = new SessionTable(List.of(service(idle)), map, counting);
        List<Session> all = sessions(t, N);
        long round = round(t);
        long quietFrom = 10 * TICK; // every other session goes quiet after its last packet at 1 s
        long[] goneAt = new long[N];
        for (long now = TICK; now <= 40 * TICK; now += TICK) {
            for (int i = 0; i < N; i++) {
                Session s = all.get(i);
                if (i % 2 == 0 || now <= quietFrom) {
                    map.hit(s.forwardKey(), 1);
                }
            }
            long before = counting.reads;
            t.sweep(now);
            assertTrue(counting.reads - before <= 2L * SessionTable.MAX_SLICE);
            for (int i = 0; i < N; i++) {
                if (goneAt[i] == 0 && t.get(all.get(i).key()) == null) {
                    goneAt[i] = now;
                }
            }
        }
        for (int i = 0; i < N; i++) {
            if (i % 2 == 0) {
                assertEquals(0, goneAt[i], "active session " + i + " expired");
                assertNotNull(t.get(all.get(i).key()));
            } else {
                assertTrue(goneAt[i] >= quietFrom + idle.toNanos(), "idle session " + i + " gone early: " + goneAt[i]);
                assertTrue(goneAt[i] <= quietFrom + idle.toNanos() + 2 * round,
                        "idle session " + i + " gone late: " + goneAt[i]);
                assertTrue(!map.rules.containsKey(all.get(i).forwardKey()) && !map.rules.containsKey(all.get(i).reverseKey()),
                        "its rules left with it");
            }
        }
        assertEquals(N / 2, t.stats().sessions());
        assertEquals(N / 2, t.stats().get(SessionTable.Counter.EXPIRED));
        assertEquals(N / 2, t.portsInUse("relay"));
    }

    /** With no session active, the whole table goes, each within its timeout and two rounds, and takes its ports. */
    @Test
    void anIdleTableEmptiesAndEveryPortIsFreeAgain() {
        SessionTable t = new SessionTable(List.of(service(Duration.ofSeconds(2))), map, counting);
        List<Session> all = sessions(t, N);
        long now = 0;
        while (t.stats().sessions() > 0) {
            now += TICK;
            assertTrue(now <= 2 * S + 2 * round(t), "still " + t.stats().sessions() + " sessions at " + now);
            t.sweep(now);
            if (now < 2 * S) {
                assertEquals(N, t.stats().sessions(), "none before its idle timeout");
            }
        }
        assertTrue(map.rules.isEmpty());
        assertEquals(0, t.portsInUse("relay"));
        assertNull(t.get(all.get(N - 1).key()));
    }

    /** Sessions on the slow path anywhere in the round get their rules once the map has room again. */
    @Test
    void slowPathSessionsAnywhereInTheRoundGetTheirRulesOnceThereIsRoom() {
        map.capacity = N; // room for half the sessions' two rules
        SessionTable t = new SessionTable(List.of(service(Duration.ofSeconds(60))), map, counting);
        List<Session> all = sessions(t, N);
        assertEquals(N / 2, t.stats().slowPathSessions());
        map.capacity = 2 * N;
        long now = 0;
        while (t.stats().slowPathSessions() > 0) {
            now += TICK;
            assertTrue(now <= SessionTable.RETRY_NANOS + 2 * round(t), "still " + t.stats().slowPathSessions() + " on the slow path at " + now);
            t.sweep(now);
        }
        assertEquals(2 * N, map.rules.size());
        assertTrue(all.stream().allMatch(Session::installed));
    }
}
