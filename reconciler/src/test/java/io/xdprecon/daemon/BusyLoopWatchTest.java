package io.xdprecon.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Config;
import io.xdprecon.host.InOrder;
import io.xdprecon.source.FileSource;
import io.xdprecon.state.DesiredState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog is fed while the loop works through a long reconcile (a cold start of 262,144 flows took 40 s on a
 * loaded node, past WatchdogSec=30s), and starved while it hangs. No timing is asserted: the loop's work is held
 * until the pings are seen, and the watch's looks are counted.
 */
class BusyLoopWatchTest {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Pings and progress lines, with the thread that sent each ping. */
    private static final class Recorder implements DaemonEvents {
        final List<Thread> pings = new CopyOnWriteArrayList<>();
        final List<String> progress = new CopyOnWriteArrayList<>();

        @Override
        public void alive() {
            pings.add(Thread.currentThread());
        }

        @Override
        public void progress(String line) {
            progress.add(line);
        }
    }

    /**
     * The daemon's loop, busy in a reconcile (held in its loading phase until pings came from elsewhere), is pinged
     * by the watch and says what it is busy with. Before the watch the loop pinged only between reconciles: this
     * reconcile would have spun to its bound unpinged.
     */
    @Test
    void aDaemonBusyInAReconcileFeedsTheWatchdog(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, """
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: lo }
                flows: []
                """);
        Recorder recorder = new Recorder();
        AtomicReference<Thread> loop = new AtomicReference<>();
        DaemonEvents holdsTheLoadingPhase = new DaemonEvents() {
            @Override
            public void accepted(Config c, DesiredState desired) {
                loop.set(Thread.currentThread());
                long bound = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // a failure's bound, not a timing
                long work = 0;
                // The watch pings (alive) before it says what the loop is busy with (progress), and pings of the fetch
                // phase count too: held until both were seen, or the line the test asks for may come after the loop ended.
                while ((recorder.pings.stream().filter(t -> t != loop.get()).count() < 3
                        || recorder.progress.stream().noneMatch(BusyLoopWatchTest::saysItIsLoading)) && System.nanoTime() < bound) {
                    work += Long.numberOfTrailingZeros(work * 31 + 7); // CPU, as parsing a big config uses
                }
                throw new Stop(work);
            }
        };
        Daemon.Settings settings = new Daemon.Settings("n1", dir.resolve("pins"), Duration.ofMinutes(10), 0,
                Daemon.DriftMode.ENFORCE, Duration.ofSeconds(1), false, false, Duration.ofMillis(20));
        try (FileSource source = new FileSource(config, Duration.ZERO);
                Daemon daemon = new Daemon(source, settings, null, null, new CompositeEvents(List.of(recorder,
                        holdsTheLoadingPhase)))) {
            try {
                daemon.run();
            } catch (Stop expected) {
                // the loading phase ends the test's reconcile
            }
        }
        long fromTheWatch = recorder.pings.stream().filter(t -> t != loop.get()).count();
        assertTrue(fromTheWatch >= 3, "pings from outside the busy loop: " + fromTheWatch);
        assertEquals(1, recorder.progress.stream().filter(BusyLoopWatchTest::saysItIsLoading).count(), recorder.progress::toString);
    }

    private static boolean saysItIsLoading(String progressLine) {
        return progressLine.matches("reconciling: loading revision [0-9a-f]+ \\(busy \\d+ s\\)");
    }

    /** A loop blocked in a reconcile (a lock, a socket) uses no CPU: the watch does not feed it, systemd kills it. */
    @Test
    void aLoopBlockedInAReconcileIsNotPinged() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread blocked = Thread.ofPlatform().start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            while (blocked.getState() != Thread.State.WAITING) {
                Thread.onSpinWait(); // until it is parked: from then on it uses no CPU
            }
            Recorder recorder = new Recorder();
            BusyLoopWatch watch = new BusyLoopWatch(() -> THREADS.getThreadCpuTime(blocked.threadId()), recorder,
                    System::nanoTime, Duration.ZERO);
            watch.phase("applying revision abc: Plan: 1 to add, 0 to change, 0 to destroy.");
            for (int look = 0; look < 20; look++) {
                assertFalse(watch.look(), "look " + look);
            }
            assertEquals(List.of(), recorder.pings);
            assertEquals(List.of(), recorder.progress);
        } finally {
            release.countDown();
            blocked.join();
        }
    }

    /**
     * A loop that waits while other threads read a directory's files for it ({@link InOrder}) uses no CPU itself, but
     * its reconcile works: the watch counts their CPU (issue 9). Counting the loop's own CPU only, it was not pinged.
     */
    @Test
    void aLoopWaitingForTheThreadsThatReadItsFilesIsPinged() throws Exception {
        Recorder recorder = new Recorder();
        try (BusyLoopWatch watch = BusyLoopWatch.ofCurrentThread(recorder, Duration.ofMillis(20))) {
            watch.phase("loading revision abc");
            Thread loop = Thread.currentThread();
            long bound = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // a failure's bound, not a timing
            List<Long> work = new CopyOnWriteArrayList<>();
            watch.watching(() -> InOrder.forEach(List.of(1, 2), 2, item -> {
                long spun = 0;
                while (recorder.pings.size() < 3 && System.nanoTime() < bound) {
                    spun += Long.numberOfTrailingZeros(spun * 31 + item); // CPU, as parsing a file uses
                }
                return spun;
            }, work::add));
            assertEquals(2, work.size());
            assertTrue(recorder.pings.size() >= 3, "pings while the loop waited: " + recorder.pings.size());
            assertTrue(recorder.pings.stream().noneMatch(t -> t == loop));
        }
    }

    /** Between reconciles the loop pings itself while it waits; the watch adds nothing, whatever CPU it sees. */
    @Test
    void anIdleLoopIsLeftToItsOwnPings() {
        long[] cpu = {0};
        Recorder recorder = new Recorder();
        BusyLoopWatch watch = new BusyLoopWatch(() -> cpu[0] += 10 * BusyLoopWatch.MIN_WORK_NANOS, recorder,
                System::nanoTime, Duration.ZERO);
        assertFalse(watch.look());
        watch.phase("planning revision abc");
        assertTrue(watch.look());
        assertTrue(watch.look());
        watch.idle();
        assertFalse(watch.look());
        assertEquals(2, recorder.pings.size());
        assertEquals(1, recorder.progress.size(), recorder.progress::toString);
    }

    private static final class Stop extends RuntimeException {
        Stop(long work) {
            super("the test's reconcile ends here (" + work + ")");
        }
    }
}
