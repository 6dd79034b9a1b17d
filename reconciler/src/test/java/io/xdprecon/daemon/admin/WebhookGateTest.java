package io.xdprecon.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The webhook's replay, burst and bad-signature rules, on a clock the test moves. */
class WebhookGateTest {
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final ManualClock clock = new ManualClock();
    final WebhookGate gate = new WebhookGate(new WebhookGate.Limits(Duration.ofMinutes(10), 3, Duration.ofSeconds(2), 4, 2),
            clock);

    @Test
    void aReplayedBodyIsADuplicateWithinTheWindowAndNewAfterIt() {
        assertInstanceOf(WebhookGate.Verdict.Trigger.class, gate.signed("a"));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(new WebhookGate.Verdict.Duplicate(clock.now.minus(Duration.ofMinutes(5))), gate.signed("a"));
        clock.advance(Duration.ofMinutes(6));
        assertInstanceOf(WebhookGate.Verdict.Trigger.class, gate.signed("a"), "forgotten after the window");
    }

    @Test
    void theMemoryOfBodiesIsBoundedOldestFirst() {
        for (String body : new String[] {"a", "b", "c", "d"}) {
            gate.signed(body);
            clock.advance(Duration.ofSeconds(3));
        }
        assertInstanceOf(WebhookGate.Verdict.Trigger.class, gate.signed("a"), "the oldest of 4 was dropped (memory 3)");
        clock.advance(Duration.ofSeconds(3));
        assertInstanceOf(WebhookGate.Verdict.Duplicate.class, gate.signed("d"));
    }

    @Test
    void aBurstTriggersOnceNowAndOnceAtTheEndOfTheGap() {
        assertInstanceOf(WebhookGate.Verdict.Trigger.class, gate.signed("a"));
        clock.advance(Duration.ofMillis(500));
        assertEquals(new WebhookGate.Verdict.Defer(Duration.ofMillis(1500), true), gate.signed("b"), "the first deferral schedules");
        clock.advance(Duration.ofMillis(500));
        assertEquals(new WebhookGate.Verdict.Defer(Duration.ofMillis(1000), false), gate.signed("c"), "later ones ride along");
        clock.advance(Duration.ofMillis(1000));
        gate.deferredFired();
        clock.advance(Duration.ofMillis(100));
        assertEquals(new WebhookGate.Verdict.Defer(Duration.ofMillis(1900), true), gate.signed("d"),
                "the gap counts from the deferred fetch");
        clock.advance(Duration.ofMillis(1900));
        gate.deferredFired();
        clock.advance(Duration.ofSeconds(2));
        assertInstanceOf(WebhookGate.Verdict.Trigger.class, gate.signed("e"));
    }

    @Test
    void badSignaturesSpendABudgetThatRefills() {
        for (int i = 0; i < 4; i++) {
            assertTrue(gate.admits());
            gate.badSignature();
        }
        assertFalse(gate.admits(), "burst of 4 spent");
        clock.advance(Duration.ofMillis(400));
        assertFalse(gate.admits(), "0.8 of a token");
        clock.advance(Duration.ofMillis(100));
        assertTrue(gate.admits(), "one token after 0.5 s at 2/s");
        gate.badSignature();
        assertFalse(gate.admits());
        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 4; i++) {
            assertTrue(gate.admits(), "refilled to the burst, no more");
            gate.badSignature();
        }
        assertFalse(gate.admits());
    }
}
