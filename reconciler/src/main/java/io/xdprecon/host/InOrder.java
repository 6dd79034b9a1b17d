package io.xdprecon.host;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Work on the items of a list on several threads, its results taken in list order, on the caller's thread, as if
 * done one by one: the files of a config directory are read so on every core. At most twice as many items as there
 * are threads are worked on ahead of the next one taken, so what a taker bounds (the characters of a directory) is
 * passed by that many items' results at most. The first item in list order whose work throws has its exception
 * thrown, as done one by one; the results no one takes after it (or after a taker that throws) are dropped, their
 * work interrupted and waited for: nothing of it goes on after the call.
 *
 * <p>The caller waits while other threads work for it: the CPU they use is counted in the caller's {@link WorkCpu}
 * when it bound one ({@link #countingCpuIn}), so that the daemon's watchdog, fed while its loop uses CPU, is fed while
 * its loop waits here too. Each caller has its own: work done for another caller (a {@code validate} in the same JVM, a
 * second daemon in a test) is not counted as its work.
 */
public final class InOrder {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The account of the code that runs within {@link #countingCpuIn}: work done for it is counted there. */
    private static final ScopedValue<WorkCpu> COUNTED = ScopedValue.newInstance();

    private InOrder() {}

    /** One caller's account of the CPU that the threads of this class use for its work. */
    public static final class WorkCpu {
        /** CPU used by work finished for this caller. */
        private final AtomicLong done = new AtomicLong();
        /** The threads at work for this caller now, with their CPU time when the work began. */
        private final Map<Thread, Long> atWork = new ConcurrentHashMap<>();
        /** The accounts of work this caller waits for now ({@link #awaiting}), with what they had counted when it began. */
        private final Map<WorkCpu, Long> awaited = new ConcurrentHashMap<>();

        /**
         * The CPU time (ns) used for the caller's work so far, finished and under way: it grows while any thread works
         * for it. 0 where the JVM measures no thread's CPU time.
         */
        public long nanos() {
            long cpu = done.get();
            for (Map.Entry<Thread, Long> working : atWork.entrySet()) {
                long now = cpuNanos(working.getKey());
                cpu += now < 0 ? 0 : Math.max(0, now - working.getValue());
            }
            for (Map.Entry<WorkCpu, Long> waitedFor : awaited.entrySet()) {
                cpu += Math.max(0, waitedFor.getKey().nanos() - waitedFor.getValue());
            }
            return cpu;
        }

        /** {@code work} on {@code item} on this thread, its CPU counted here. */
        private <T, R, E extends Exception> R counted(Work<T, R, E> work, T item) throws E {
            Thread self = Thread.currentThread();
            long start = cpuNanos(self);
            atWork.put(self, start);
            try {
                return work.apply(item);
            } finally {
                atWork.remove(self);
                done.addAndGet(start < 0 ? 0 : Math.max(0, cpuNanos(self) - start));
            }
        }
    }

    /** Runs {@code code} on this thread, the work {@link #forEach} does for it on other threads counted in {@code account}. */
    public static void countingCpuIn(WorkCpu account, Runnable code) {
        ScopedValue.where(COUNTED, account).run(code);
    }

    /**
     * Runs {@code code} on this thread as work for {@code account}'s owner, who may wait for it on another thread
     * ({@link #awaiting}): the CPU of this thread, and of the threads {@link #forEach} uses for it, is counted there.
     */
    public static <R, E extends Exception> R workingFor(WorkCpu account, Work<WorkCpu, R, E> code) throws E {
        return account.counted(self -> ScopedValue.where(COUNTED, self).call(() -> code.apply(self)), account);
    }

    /**
     * The result of {@code work}, counted in {@code other} ({@link #workingFor}), waited for as {@link #forEach}'s caller
     * waits (without regard to interrupts; its exception thrown as it threw it): the CPU {@code other} counts meanwhile
     * is counted as this thread's caller's work too, when it bound an account ({@link #countingCpuIn}) — the daemon's
     * loop waiting for a config read ahead of it is as busy as that read.
     */
    public static <R> R awaiting(WorkCpu other, Future<R> work) {
        WorkCpu account = COUNTED.isBound() ? COUNTED.get() : null;
        if (account == null || account == other) {
            return InOrder.<R, RuntimeException>result(work);
        }
        long before = other.nanos();
        account.awaited.put(other, before);
        try {
            return InOrder.<R, RuntimeException>result(work);
        } finally {
            account.awaited.remove(other);
            account.done.addAndGet(Math.max(0, other.nanos() - before));
        }
    }

    private static long cpuNanos(Thread thread) {
        return THREADS.isThreadCpuTimeSupported() ? THREADS.getThreadCpuTime(thread.threadId()) : -1;
    }

    /** The work on one item; {@code E} is what it may throw besides unchecked exceptions. */
    @FunctionalInterface
    public interface Work<T, R, E extends Exception> {
        R apply(T item) throws E;
    }

    /** Takes the results in list order; may throw to stop (later results are dropped). */
    @FunctionalInterface
    public interface Taker<R, E extends Exception> {
        void take(R result) throws E;
    }

    /** The threads work is spread over when nothing else is said: every core the JVM may use. */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@code work} on each of {@code items}, on up to {@code threads} threads, each result given to {@code taker}. */
    public static <T, R, E extends Exception> void forEach(List<T> items, int threads, Work<T, R, E> work,
            Taker<R, E> taker) throws E {
        int workers = Math.clamp(threads, 1, Math.max(1, items.size()));
        if (workers == 1) {
            for (T item : items) {
                taker.take(work.apply(item)); // one thread: the caller's
            }
            return;
        }
        WorkCpu account = COUNTED.isBound() ? COUNTED.get() : null; // the caller's, read on its thread
        ArrayDeque<Future<R>> ahead = new ArrayDeque<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers,
                Thread.ofPlatform().name("xdprecon-in-order-", 1).daemon().factory());
        try {
            int next = 0;
            for (int i = 0; i < items.size(); i++) {
                while (next < items.size() && ahead.size() < 2 * workers) {
                    T item = items.get(next++);
                    ahead.add(pool.submit(() -> account == null ? work.apply(item) : account.counted(work, item)));
                }
                taker.take(InOrder.<R, E>result(ahead.removeFirst()));
            }
        } finally {
            ahead.forEach(f -> f.cancel(true)); // results no one takes: a failure before them
            pool.close();
        }
    }

    /**
     * A result, waited for without regard to interrupts (work done one by one does not stop for one either; the flag
     * is set again afterwards); the work's exception as it threw it.
     */
    @SuppressWarnings("unchecked")
    private static <R, E extends Exception> R result(Future<R> work) throws E {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return work.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    switch (e.getCause()) {
                        case RuntimeException r -> throw r;
                        case Error r -> throw r;
                        case Exception checked -> throw (E) checked; // only Work.apply throws a checked one: an E
                        default -> throw new IllegalStateException(e.getCause());
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
