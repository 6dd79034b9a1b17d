package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.sessions.CounterSource;
import io.xdprecon.sessions.RuleSink;
import io.xdprecon.sessions.Session;
import io.xdprecon.sessions.SessionKey;
import io.xdprecon.sessions.SessionService;
import io.xdprecon.sessions.SessionTable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sweep reads a session's rule counters at the slots it kept (one bpf syscall a rule, not two), on the real maps,
 * and stays right when another writer removed and re-created a session's rule under it (the kept slot then names
 * zeroed counters, or another rule's).
 */
class SessionSlotCountersTest {
    private static final int LISTEN_IFINDEX = 3;
    private static final int EGRESS_IFINDEX = 4;
    private static final int VIP = 0x0A000064;
    private static final int EGRESS = 0x0A020001;
    private static final int CLIENT = 0x0A400001;
    private static final long S = 1_000_000_000L;

    @RegisterExtension
    final PinRootPerTest pins = PinRootPerTest.withDatapath(0);

    private RulesMap rules() {
        return pins.datapath().rules();
    }

    /**
     * Counts the bpf syscalls behind each read of the real source: a read by key is the rule's lookup and, when there
     * is a rule, its slot's; a slot lookup is one; a read at a slot is one (none at slot 0).
     */
    private final class Syscalls implements CounterSource {
        final CounterSource real = CounterSource.of(rules());
        final boolean slots;
        long calls;

        Syscalls(boolean slots) {
            this.slots = slots;
        }

        @Override
        public long packets(FlowKey rule) {
            calls += rules().get(rule).isPresent() ? 2 : 1;
            return real.packets(rule);
        }

        @Override
        public int slotOf(FlowKey rule) {
            if (!slots) {
                return BY_KEY; // the sweep before 'sweep': every rule read by key
            }
            calls++;
            return real.slotOf(rule);
        }

        @Override
        public long packetsAt(int slot) {
            calls += slot > 0 ? 1 : 0;
            return real.packetsAt(slot);
        }
    }

    private static SessionService service(int ports, Duration idle) {
        return new SessionService("relay", LISTEN_IFINDEX, VIP, 3478, EGRESS_IFINDEX, EGRESS,
                new PortRange(20000, 20000 + ports - 1), List.of(Endpoint.of("10.2.0.10", 7000)), idle);
    }

    /** The datapath's part, played by hand: {@code packets} counted at {@code slot} (on the first CPU). */
    private void count(int slot, long packets) {
        BpfMap counters = rules().countersMap();
        counters.update(Abi.u32Bytes(slot), Abi.perCpuCounterBytes(List.of(new FlowCounters(packets, packets * 100)),
                BpfMap.possibleCpus(), counters.slotSize()), UpdateMode.ANY);
    }

    @Test
    void aSweepOfIdleSessionsCostsAboutHalfTheSyscallsOfReadingByKey() {
        int n = 1_000;
        int sweeps = 4 * SessionTable.VERIFY_EVERY;
        long[] calls = new long[2];
        for (int slots = 0; slots < 2; slots++) {
            Syscalls source = new Syscalls(slots == 1);
            SessionTable table = new SessionTable(List.of(service(n, Duration.ofSeconds(60))), RuleSink.of(rules()), source);
            for (int i = 0; i < n; i++) {
                assertNotNull(table.route(LISTEN_IFINDEX, CLIENT + i, VIP, 5000, 3478, 0));
            }
            for (int sweep = 1; sweep <= sweeps; sweep++) {
                table.sweep(sweep * S); // a round's period is 1 s: from the second sweep on, each observes all
            }
            assertEquals(n, table.stats().sessions(), "idle within their timeout: none expired");
            calls[slots] = source.calls;
            table.update(List.of()); // retires them all: the next table starts from an empty map
            assertEquals(0, rules().slotsInUse());
        }
        long observations = (long) n * (sweeps - 1);
        System.out.printf("bpf syscalls per session observed, %d sessions, %d sweeps: by key %.3f, by slot %.3f,"
                + " ratio %.3f%n", n, sweeps, (double) calls[0] / observations, (double) calls[1] / observations,
                (double) calls[1] / calls[0]);
        assertEquals(4 * observations, calls[0], "two rules, each a lookup and a counters read");
        assertTrue(calls[1] <= 0.6 * calls[0], "by slot " + calls[1] + ", by key " + calls[0]);
    }

    /**
     * Another writer removes a session's rule and writes it again while another rule takes the slot the session kept
     * (its traffic growing there, faster than the session's own): the sweep must follow the rule to its new slot, and
     * expire the session once its own rule stops counting. Fails when the kept slots are trusted as they are: the
     * other rule's traffic keeps the session alive for ever.
     */
    @Test
    void aSessionWhoseRuleAnotherWriterReCreatedIsReadAtItsNewSlot() {
        Duration idle = Duration.ofSeconds(30);
        SessionTable table = new SessionTable(List.of(service(16, idle)), RuleSink.of(rules()), CounterSource.of(rules()));
        assertNotNull(table.route(LISTEN_IFINDEX, CLIENT, VIP, 5000, 3478, 0));
        Session s = table.get(new SessionKey("relay", CLIENT, 5000));
        int kept = rules().slotOf(s.forwardKey());
        count(kept, 10);
        table.sweep(S);
        table.sweep(2 * S);
        assertEquals(S, s.lastActiveNanos(), "its first packets counted at the first sweep");

        // another writer removes the rule (its counters zeroed, its slot released), another rule takes the slot, and
        // the session's rule is written again at a new one
        rules().remove(s.forwardKey());
        FlowKey other = new FlowKey(LISTEN_IFINDEX, CLIENT + 1, VIP, 6000, 3478);
        rules().put(other, new FlowRule(new FlowKey(EGRESS_IFINDEX, EGRESS, 0x0A02000B, 30000, 7000), Owner.CONFIG));
        assertEquals(kept, rules().slotOf(other), "the freed slot is handed on at once");
        rules().put(s.forwardKey(), s.forwardRule());
        int moved = rules().slotOf(s.forwardKey());
        assertNotEquals(kept, moved);
        long own = 10;
        long foreign = 0;
        long t = 2 * S;
        for (int sweep = 0; sweep < 2 * SessionTable.VERIFY_EVERY; sweep++) {
            t += 5 * S;
            count(moved, own += 7); // the session's traffic, at its rule's new slot
            count(kept, foreign += 1000); // the other rule's, at the slot the session kept
            table.sweep(t);
            assertSame(s, table.get(s.key()), "expired at " + t / S + " s while its rule counted");
            assertEquals(t, s.lastActiveNanos(), "seen active at " + t / S + " s");
        }

        // its own rule stops counting, the other's goes on: it expires as any idle session
        long last = s.lastActiveNanos();
        while (table.get(s.key()) != null && t < last + 3 * idle.toNanos()) {
            t += 5 * S;
            count(kept, foreign += 1000);
            table.sweep(t);
        }
        assertEquals(null, table.get(s.key()), "idle since " + last / S + " s, still live at " + t / S + " s");
        assertTrue(t <= last + idle.toNanos() + 5 * S, "expired at " + t / S + " s, idle since " + last / S + " s");
        assertTrue(table.stats().get(SessionTable.Counter.STALE_SLOTS) >= 1, table.stats().toString());
    }
}
