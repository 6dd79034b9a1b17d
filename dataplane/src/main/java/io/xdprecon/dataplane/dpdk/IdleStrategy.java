package io.xdprecon.dataplane.dpdk;

import java.util.concurrent.locks.LockSupport;

/**
 * What a duty-cycle loop does between calls of its {@code doWork()}: given the work count of the last
 * call, spin, yield or park. Allocation-free.
 */
@FunctionalInterface
public interface IdleStrategy {
    void idle(int workCount);

    /** Spins while idle: the lowest latency, one core. */
    static IdleStrategy busySpin() {
        return work -> {
            if (work == 0) {
                Thread.onSpinWait();
            }
        };
    }

    /** Spins {@code spins} empty rounds, then yields {@code yields} rounds, then parks from 1 µs up to {@code maxParkNanos}. */
    static IdleStrategy backoff(int spins, int yields, long maxParkNanos) {
        return new IdleStrategy() {
            private long idleRounds;
            private long park = 1000;

            @Override
            public void idle(int work) {
                if (work > 0) {
                    idleRounds = 0;
                    park = 1000;
                    return;
                }
                idleRounds++;
                if (idleRounds <= spins) {
                    Thread.onSpinWait();
                } else if (idleRounds <= spins + yields) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(park);
                    park = Math.min(park * 2, maxParkNanos);
                }
            }
        };
    }
}
