package io.xdprecon.dataplane.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentRunnerTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Records which thread ran each callback; fails where told to. */
    static final class Probe implements Agent {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final CountDownLatch worked = new CountDownLatch(3);
        volatile RuntimeException startFails;
        volatile RuntimeException workFails;

        @Override
        public void onStart() {
            calls.add("start " + Thread.currentThread().getName());
            if (startFails != null) {
                throw startFails;
            }
        }

        @Override
        public int doWork() {
            worked.countDown();
            if (workFails != null && worked.getCount() == 0) {
                throw workFails;
            }
            return 0;
        }

        @Override
        public void onClose() {
            calls.add("close " + Thread.currentThread().getName());
        }

        @Override
        public String roleName() {
            return "probe";
        }
    }

    @Test
    void startReturnsOnceStartedAndCloseRunsOnTheAgentsThread() throws Exception {
        Probe probe = new Probe();
        AgentRunner runner = AgentRunner.start(probe, IdleStrategy.busySpin(), TIMEOUT);
        assertEquals(List.of("start probe"), probe.calls);
        assertTrue(probe.worked.await(10, TimeUnit.SECONDS), "doWork runs after the start");
        assertTrue(runner.alive());
        assertTrue(runner.close(TIMEOUT));
        assertEquals(List.of("start probe", "close probe"), probe.calls);
        assertFalse(runner.alive());
        assertTrue(runner.failure().isEmpty());
    }

    @Test
    void aFailedStartClosesTheAgentAndSaysWhy() {
        Probe probe = new Probe();
        probe.startFails = new IllegalStateException("no such device: dp9");
        AgentRunner.StartException e = assertThrows(AgentRunner.StartException.class,
                () -> AgentRunner.start(probe, IdleStrategy.busySpin(), TIMEOUT));
        assertEquals("probe did not start: no such device: dp9", e.getMessage());
        assertEquals(probe.startFails, e.getCause());
        assertEquals(List.of("start probe", "close probe"), probe.calls, "onClose copes with a partial start");
        assertEquals(3, probe.worked.getCount(), "no duty cycle ran");
    }

    @Test
    void aFailingDutyCycleEndsTheAgentAndIsKept() throws Exception {
        Probe probe = new Probe();
        probe.workFails = new IllegalStateException("map gone");
        AgentRunner runner = AgentRunner.start(probe, IdleStrategy.busySpin(), TIMEOUT);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (runner.failure().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(probe.workFails, runner.failure().orElseThrow());
        assertTrue(runner.close(TIMEOUT), "the thread ended by itself");
        assertFalse(runner.alive());
        assertEquals(List.of("start probe", "close probe"), probe.calls);
    }
}
