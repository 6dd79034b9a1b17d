package io.xdprecon.daemon;

import io.xdprecon.host.InOrder;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Feeds systemd's watchdog while the loop works through a long reconcile, and never while it hangs. A cold start
 * of 262,144 flows (a 57 MB config parsed, planned and written) took 7 s on a quiet 2-core node and 40 s on a
 * loaded one, past {@code WatchdogSec=30s}; the loop pings only between reconciles, so such a daemon was killed
 * and restarted into the same work.
 *
 * <p>Every heartbeat it looks at the loop thread's CPU time (user and system: batch map writes are system time):
 * a loop in a reconcile whose CPU time grew since the last look (or that of the threads it waits for: those of
 * {@link InOrder} working for it, within {@link #watching}) is working, and the watchdog is pinged; one that
 * used none (blocked on a lock, a socket, a hung fetch) is not, and systemd kills it as before. A phase the loop
 * is busy in for two looks or more is reported once (the log, and systemd's STATUS=).
 */
final class BusyLoopWatch implements AutoCloseable {
    private static final Logger LOG = System.getLogger("xdprecon.daemon");

    /** CPU the loop must use between two looks to count as working: a parked thread uses none. */
    static final long MIN_WORK_NANOS = 1_000_000;

    private final LongSupplier loopCpuNanos;
    private final DaemonEvents events;
    private final LongSupplier nanoTime;
    private final long reportAfterNanos;
    private final Thread looker;
    private final AtomicInteger looks = new AtomicInteger();
    /** The CPU of the threads that work for the loop while it waits for them ({@link InOrder}). */
    private final InOrder.WorkCpu helpers;
    private volatile String phase;
    private volatile long phaseStarted;
    private long lastCpu;
    private long lastReported;

    BusyLoopWatch(LongSupplier loopCpuNanos, DaemonEvents events, LongSupplier nanoTime, Duration every) {
        this(loopCpuNanos, new InOrder.WorkCpu(), events, nanoTime, every);
    }

    private BusyLoopWatch(LongSupplier loopCpuNanos, InOrder.WorkCpu helpers, DaemonEvents events, LongSupplier nanoTime,
            Duration every) {
        this.loopCpuNanos = loopCpuNanos;
        this.helpers = helpers;
        this.events = events;
        this.nanoTime = nanoTime;
        this.lastCpu = loopCpuNanos.getAsLong();
        this.reportAfterNanos = 2 * every.toNanos();
        long millis = Math.max(1, every.toMillis());
        this.looker = every.isZero() ? null : Thread.ofPlatform().daemon().name("xdprecon-busy-watch").unstarted(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(millis);
                    look();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** A watch over the calling thread, looking every {@code every}. */
    static BusyLoopWatch ofCurrentThread(DaemonEvents events, Duration every) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        InOrder.WorkCpu helpers = new InOrder.WorkCpu();
        LongSupplier cpu = threads.isThreadCpuTimeSupported()
                // With the CPU of the threads a directory's files are read on while the loop waits for them.
                ? () -> threads.getThreadCpuTime(id) + helpers.nanos()
                // No CPU clock to tell work from a hang: a reconcile counts as working, as its phases report.
                : new LongSupplier() {
                    private long ticks;

                    @Override
                    public long getAsLong() {
                        return ticks += MIN_WORK_NANOS;
                    }
                };
        BusyLoopWatch watch = new BusyLoopWatch(cpu, helpers, events, System::nanoTime, every);
        watch.looker.start();
        return watch;
    }

    /** Runs the loop, on the watched thread: the threads that work for it meanwhile ({@link InOrder}) count as its work. */
    void watching(Runnable loop) {
        InOrder.countingCpuIn(helpers, loop);
    }

    /** The loop entered {@code what} of a reconcile (fetching, loading, planning, applying). */
    void phase(String what) {
        phaseStarted = nanoTime.getAsLong();
        phase = what;
    }

    /** The reconcile ended: the loop waits, and pings itself while it does. */
    void idle() {
        phase = null;
    }

    /** One look: pings the watchdog when the loop is in a reconcile and used CPU since the last look. */
    boolean look() {
        looks.incrementAndGet();
        long cpu = loopCpuNanos.getAsLong();
        boolean worked = cpu - lastCpu >= MIN_WORK_NANOS;
        lastCpu = cpu;
        String now = phase;
        if (now == null || !worked) {
            return false;
        }
        events.alive();
        long since = nanoTime.getAsLong() - phaseStarted;
        if (lastReported != phaseStarted && since >= reportAfterNanos) {
            lastReported = phaseStarted;
            String line = "reconciling: " + now + " (busy " + Duration.ofNanos(since).toSeconds() + " s)";
            LOG.log(Level.INFO, line);
            events.progress(line);
        }
        return true;
    }

    /** How many looks were taken: for tests that wait for the watch to have looked. */
    int looks() {
        return looks.get();
    }

    @Override
    public void close() {
        if (looker != null) {
            looker.interrupt();
        }
    }
}
