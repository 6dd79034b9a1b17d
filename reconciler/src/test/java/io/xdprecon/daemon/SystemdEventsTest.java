package io.xdprecon.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.systemd.SdNotifyException;
import io.xdprecon.dataplane.systemd.SystemdNotifier;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SystemdEventsTest {
    /** Records what would be sent, as the datagram text SdNotify would send. */
    static final class Recorder implements SystemdNotifier {
        final List<String> sent = new ArrayList<>();
        boolean fail;

        private boolean record(String state) {
            if (fail) {
                throw new SdNotifyException(state, 111);
            }
            sent.add(state);
            return true;
        }

        @Override
        public boolean ready(String status) {
            return record("READY=1\nSTATUS=" + status);
        }

        @Override
        public boolean status(String status) {
            return record("STATUS=" + status);
        }

        @Override
        public boolean reloading() {
            return record("RELOADING=1");
        }

        @Override
        public boolean stopping() {
            return record("STOPPING=1");
        }

        @Override
        public boolean watchdog() {
            return record("WATCHDOG=1");
        }
    }

    private final Recorder recorder = new Recorder();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private static DaemonStatus status(String applied, long configRules) {
        return new DaemonStatus("edge-1", "git:https://example.org/flows.git", Optional.of(applied), Optional.of(applied),
                Optional.empty(), Optional.of(Instant.EPOCH), DaemonStatus.Suspension.NONE, 3, 0, Map.of("config", configRules, "session", 7L),
                524288, Map.of());
    }

    @Test
    void lifecycleMapsToNotifications() {
        SystemdEvents events = new SystemdEvents(recorder, Optional.of(Duration.ofSeconds(30)), clock::get);
        events.ready(status("0123456789abcdef", 2));
        events.reconciled(new ReconcileOutcome.Applied(Optional.empty(), "Plan: 1 to add, 0 to change, 0 to destroy.", false), Duration.ofMillis(12), status("fedcba9876543210", 4));
        events.reloading();
        events.ready(status("fedcba9876543210", 4));
        events.stopping();
        assertEquals(List.of(
                "READY=1\nSTATUS=applied 0123456789ab; 2 config rules, 7 session rules",
                "STATUS=applied fedcba987654; 4 config rules, 7 session rules",
                "RELOADING=1",
                "READY=1\nSTATUS=applied fedcba987654; 4 config rules, 7 session rules",
                "STOPPING=1"), recorder.sent);
    }

    @Test
    void watchdogPingsAreRateLimitedToHalfTheInterval() {
        SystemdEvents events = new SystemdEvents(recorder, Optional.of(Duration.ofSeconds(30)), clock::get);
        assertEquals(Optional.of(Duration.ofSeconds(15)), events.pingInterval());
        events.alive(); // the first one always goes
        advance(Duration.ofSeconds(1));
        events.alive();
        advance(Duration.ofSeconds(13));
        events.alive(); // 14 s after the first: suppressed
        assertEquals(1, recorder.sent.size());
        advance(Duration.ofSeconds(1));
        events.alive(); // 15 s: sent
        assertEquals(2, recorder.sent.size());
        for (int i = 0; i < 60; i++) { // a loop ticking every second for a minute: one ping per 15 s
            advance(Duration.ofSeconds(1));
            events.alive();
        }
        assertEquals(6, recorder.sent.size());
        assertTrue(recorder.sent.stream().allMatch("WATCHDOG=1"::equals), recorder.sent::toString);
    }

    @Test
    void noWatchdogNoPings() {
        SystemdEvents events = new SystemdEvents(recorder, Optional.empty(), clock::get);
        assertEquals(Optional.empty(), events.pingInterval());
        for (int i = 0; i < 3; i++) {
            events.alive();
            advance(Duration.ofMinutes(1));
        }
        assertEquals(List.of(), recorder.sent);
    }

    @Test
    void aFailedNotificationIsLoggedNotThrown() {
        recorder.fail = true;
        SystemdEvents events = new SystemdEvents(recorder, Optional.of(Duration.ofSeconds(30)), clock::get);
        events.ready(status("0123456789abcdef", 2));
        events.reconciled(new ReconcileOutcome.Unchanged(Optional.empty()), Duration.ZERO, status("0123456789abcdef", 2));
        events.reloading();
        events.alive();
        events.stopping();
        assertEquals(List.of(), recorder.sent);
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }
}
