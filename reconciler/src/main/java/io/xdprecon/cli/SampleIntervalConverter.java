package io.xdprecon.cli;

import java.time.Duration;

/**
 * {@code flows --interval} and {@code top --interval}: the time between two reads of the counters, 100ms to 1h.
 * Shorter, a rate is mostly the noise of when each CPU's counter was read.
 */
final class SampleIntervalConverter extends DurationConverter {
    @Override
    Duration minimum() {
        return Duration.ofMillis(100);
    }

    @Override
    Duration maximum() {
        return Duration.ofHours(1);
    }
}
