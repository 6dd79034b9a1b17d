package io.xdprecon.cli;

import java.time.Duration;

/**
 * The daemon's fetch and drift-check interval: at least a second. Each interval fetches the source and reads
 * the whole node; at 1 ms the loop did nothing else (3,800 reconciles in 10 s), and a webhook or SIGHUP is
 * the way to be faster.
 */
final class IntervalConverter extends DurationConverter {
    static final Duration MINIMUM = Duration.ofSeconds(1);

    @Override
    Duration minimum() {
        return MINIMUM;
    }
}
