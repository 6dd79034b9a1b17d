package io.xdprecon.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Work spread over threads and taken in list order, as if done one by one (issue 9: a directory read on every core). */
class InOrderTest {
    private static final List<Integer> ITEMS = IntStream.range(0, 100).boxed().toList();

    @Test
    void resultsAreTakenInListOrderOnTheCallersThread() throws Exception {
        for (int threads : new int[] {1, 2, 7}) {
            List<Integer> taken = new ArrayList<>();
            Thread caller = Thread.currentThread();
            InOrder.forEach(ITEMS, threads, i -> i * i, r -> {
                assertSame(caller, Thread.currentThread());
                taken.add(r);
            });
            assertEquals(ITEMS.stream().map(i -> i * i).toList(), taken, threads + " threads");
        }
    }

    @Test
    void theCpuOfWorkUnderWayAndFinishedIsCountedForItsCallerOnly() {
        InOrder.WorkCpu caller = new InOrder.WorkCpu();
        InOrder.WorkCpu another = new InOrder.WorkCpu();
        long bound = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos(); // a failure's bound, not a timing
        List<Long> seen = new ArrayList<>();
        InOrder.countingCpuIn(caller, () -> InOrder.forEach(List.of(1, 2), 2, i -> {
            long spun = 0;
            while (caller.nanos() < 20_000_000L && System.nanoTime() < bound) {
                spun += Long.numberOfTrailingZeros(spun * 31 + i); // counted while it runs, not only once it ends
            }
            return caller.nanos();
        }, seen::add));
        assertTrue(seen.stream().allMatch(cpu -> cpu >= 20_000_000L), seen.toString());
        assertTrue(caller.nanos() >= 20_000_000L, "finished work stays counted");
        assertEquals(0, another.nanos(), "work done for one caller is not another's");
        long counted = caller.nanos();
        InOrder.forEach(List.of(1, 2), 2, i -> i, i -> { }); // outside countingCpuIn: counted nowhere
        assertEquals(counted, caller.nanos());
    }

    /**
     * Work done ahead on a thread of its own ({@link InOrder#workingFor}) — its own CPU and that of the threads it
     * spreads work on — counts as the work of a caller while it waits for it ({@link InOrder#awaiting}): the daemon's
     * loop waiting for its first revision read ahead is fed to the watchdog as busy (issue 9).
     */
    @Test
    void workDoneAheadCountsForACallerWhileItWaitsForIt() throws Exception {
        InOrder.WorkCpu ahead = new InOrder.WorkCpu();
        InOrder.WorkCpu caller = new InOrder.WorkCpu();
        long bound = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos(); // a failure's bound, not a timing
        java.util.concurrent.CompletableFuture<Long> work = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                work.complete(InOrder.workingFor(ahead, account -> {
                    long spun = 0;
                    InOrder.forEach(List.of(1, 2), 2, i -> {
                        long mine = 0;
                        while (caller.nanos() < 20_000_000L && System.nanoTime() < bound) {
                            mine += Long.numberOfTrailingZeros(mine * 31 + i); // until the waiter has counted it
                        }
                        return mine;
                    }, r -> { });
                    while (caller.nanos() < 40_000_000L && System.nanoTime() < bound) {
                        spun += Long.numberOfTrailingZeros(spun * 31 + 1); // this thread's own CPU counts too
                    }
                    return caller.nanos();
                }));
            } catch (RuntimeException | Error e) {
                work.completeExceptionally(e);
            }
        });
        long[] seen = new long[1];
        InOrder.countingCpuIn(caller, () -> seen[0] = InOrder.awaiting(ahead, work));
        assertTrue(seen[0] >= 40_000_000L && System.nanoTime() < bound, "counted for the waiter: " + seen[0]);
        assertTrue(caller.nanos() >= 40_000_000L, "stays counted once waited for");
        assertTrue(ahead.nanos() >= 40_000_000L, "and counted where it was done");
        long counted = caller.nanos();
        InOrder.workingFor(ahead, account -> 1);
        assertEquals(counted, caller.nanos(), "work no longer waited for is not the caller's");
    }

    @Test
    void aCheckedExceptionIsThrownAsItselfAndNoWorkGoesOnAfterTheCall() throws Exception {
        AtomicInteger running = new AtomicInteger();
        CountDownLatch laterStarted = new CountDownLatch(1);
        IOException thrown = assertThrows(IOException.class, () -> InOrder.forEach(ITEMS, 4, i -> {
            running.incrementAndGet();
            try {
                if (i == 1) {
                    assertTrue(laterStarted.await(30, TimeUnit.SECONDS), "item 2 never started: one by one?");
                    throw new IOException("item 1");
                }
                if (i == 2) {
                    laterStarted.countDown();
                    new CountDownLatch(1).await(); // until interrupted: dropped work must be stopped and waited for
                }
                return i;
            } finally {
                running.decrementAndGet();
            }
        }, r -> { }));
        assertEquals("item 1", thrown.getMessage());
        assertEquals(0, running.get(), "work still running after the call");
    }
}
