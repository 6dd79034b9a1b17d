package io.xdprecon.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xdprecon.daemon.StageClock.Stage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StageClockTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicLong cpu = new AtomicLong(5_000_000_000L);

    private void pass(long millis, long cpuMillis) {
        now.addAndGet(millis * 1_000_000);
        cpu.addAndGet(cpuMillis * 1_000_000);
    }

    @Test
    void saysEachStageThatRanInOrderWithTheProcessCpu() {
        StageClock clock = new StageClock(now::get, cpu::get);
        clock.begin();
        clock.enter(Stage.FETCH);
        pass(310, 200);
        clock.enter(Stage.READ);
        pass(1_900, 2_600);
        // The config cache measured its checks and rules inside the read: taken off it.
        clock.tookWithin(Stage.CHECKS, 300_000_000);
        clock.tookWithin(Stage.RULES, 400_000_000);
        clock.enter(Stage.PLAN);
        pass(200, 150);
        clock.enter(Stage.APPLY);
        pass(710, 650);
        assertEquals("3.12 s (fetch 0.31 s, read 1.20 s, checks 0.30 s, rules 0.40 s, plan 0.20 s, apply 0.71 s;"
                + " CPU 3.60 s)", clock.describe());
    }

    @Test
    void aNewReconcileForgetsTheLastAndLeavesOutStagesItDidNotRun() {
        StageClock clock = new StageClock(now::get, cpu::get);
        clock.begin();
        clock.enter(Stage.READ);
        pass(5_000, 5_000);
        clock.describe();
        clock.begin();
        clock.enter(Stage.FETCH);
        pass(20, 10);
        clock.enter(Stage.PLAN); // a pending revision planned again: nothing read
        pass(30, 30);
        clock.enter(Stage.APPLY);
        pass(50, 40);
        assertEquals("0.10 s (fetch 0.02 s, plan 0.03 s, apply 0.05 s; CPU 0.08 s)", clock.describe());
    }

    @Test
    void saysNoCpuWhereTheJvmMeasuresNone() {
        StageClock clock = new StageClock(now::get, () -> -1);
        clock.begin();
        clock.enter(Stage.FETCH);
        pass(250, 0);
        assertEquals("0.25 s (fetch 0.25 s)", clock.describe());
    }
}
