package io.xdprecon.daemon.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the webhook lets through, decided before and after the signature check: replays and bursts of good
 * deliveries are coalesced into few fetches, and a flood of bad signatures is refused before its bodies are
 * read and hashed. Time comes from a {@link Clock}, so the rules are tested without waiting.
 *
 * <ul>
 *   <li><b>Replays</b>: a signed body seen within {@link Limits#replayWindow} is a duplicate and triggers
 *       nothing. The key is the body's hash, never a delivery-id header: headers are not signed, so a replay
 *       with a fresh id would pass. A Git host's own redelivery is a duplicate too, and needs no fetch: the
 *       first one fetched, and the poll interval catches anything missed.
 *   <li><b>Bursts</b>: distinct good deliveries trigger at most once per {@link Limits#minTriggerGap}; one
 *       arriving sooner is answered as accepted and its fetch is deferred to the end of the gap (one trailing
 *       fetch for any number coalesced), so the last push is never left unfetched.
 *   <li><b>Bad signatures</b>: a token bucket of {@link Limits#badSignatureBurst}, refilled at
 *       {@link Limits#badSignaturesPerSecond}. When it is empty every webhook is refused with 429 until it
 *       refills, good ones too: a flood must not buy CPU for HMACs of megabyte bodies, and a refused push is
 *       fetched at the next poll anyway.
 * </ul>
 * Thread-safe: request threads call it concurrently.
 */
final class WebhookGate {
    /** The gate's numbers; {@link #DEFAULT} is what the daemon uses. */
    record Limits(Duration replayWindow, int replayMemory, Duration minTriggerGap, int badSignatureBurst,
                  double badSignaturesPerSecond) {
        static final Limits DEFAULT = new Limits(Duration.ofMinutes(10), 4096, Duration.ofSeconds(2), 20, 5);

        Limits {
            if (replayWindow.isNegative() || minTriggerGap.isNegative() || replayMemory < 1 || badSignatureBurst < 1
                    || !(badSignaturesPerSecond > 0) || Double.isInfinite(badSignaturesPerSecond)) {
                throw new IllegalArgumentException("webhook limits out of range: " + this);
            }
        }
    }

    /** What to do with a correctly signed delivery. */
    sealed interface Verdict {
        /** Fetch now. */
        record Trigger() implements Verdict {}

        /**
         * Fetch after {@code delay}, coalesced with any other delivery deferred meanwhile: only the first
         * deferral {@code schedules} the fetch, and calls {@link #deferredFired} when it runs.
         */
        record Defer(Duration delay, boolean schedules) implements Verdict {}

        /** Seen before, within the replay window: nothing to do. */
        record Duplicate(Instant first) implements Verdict {}
    }

    private final Limits limits;
    private final Clock clock;
    /** Body hashes by the time they were first seen, oldest first, at most {@link Limits#replayMemory}. */
    private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();
    private Instant lastTrigger = Instant.MIN;
    private boolean deferred;
    private double badTokens;
    private Instant badRefilled;

    WebhookGate(Limits limits, Clock clock) {
        this.limits = Objects.requireNonNull(limits);
        this.clock = Objects.requireNonNull(clock);
        this.badTokens = limits.badSignatureBurst();
        this.badRefilled = clock.instant();
    }

    /** Whether a request may be read and checked at all: false while bad signatures have used up their budget. */
    synchronized boolean admits() {
        refill();
        return badTokens >= 1;
    }

    /** A delivery failed its signature check: it spends from the budget. */
    synchronized void badSignature() {
        refill();
        badTokens = Math.max(0, badTokens - 1);
    }

    /** A correctly signed delivery whose body hashes to {@code bodyHash}. */
    synchronized Verdict signed(String bodyHash) {
        Instant now = clock.instant();
        forgetBefore(now.minus(limits.replayWindow()));
        Instant first = seen.get(bodyHash);
        if (first != null) {
            return new Verdict.Duplicate(first);
        }
        seen.put(bodyHash, now);
        if (seen.size() > limits.replayMemory()) {
            seen.pollFirstEntry(); // the oldest: a replay of it now costs one fetch, not unbounded memory
        }
        Instant allowed = lastTrigger.equals(Instant.MIN) ? now : lastTrigger.plus(limits.minTriggerGap());
        if (deferred) {
            return new Verdict.Defer(max0(Duration.between(now, allowed)), false);
        }
        if (!now.isBefore(allowed)) {
            lastTrigger = now;
            return new Verdict.Trigger();
        }
        deferred = true;
        return new Verdict.Defer(Duration.between(now, allowed), true);
    }

    /** The deferred fetch runs now; later deliveries count their gap from here. */
    synchronized void deferredFired() {
        deferred = false;
        lastTrigger = clock.instant();
    }

    private static Duration max0(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    private void forgetBefore(Instant cutoff) {
        for (var it = seen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> oldest = it.next();
            if (!oldest.getValue().isBefore(cutoff)) {
                break; // insertion order is time order
            }
            it.remove();
        }
    }

    private void refill() {
        Instant now = clock.instant();
        double seconds = Math.max(0, Duration.between(badRefilled, now).toNanos() / 1e9);
        badTokens = Math.min(limits.badSignatureBurst(), badTokens + seconds * limits.badSignaturesPerSecond());
        badRefilled = now;
    }
}
