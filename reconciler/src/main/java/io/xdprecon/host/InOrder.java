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
 * <p>The caller waits while other threads work for it: the CPU they use is counted ({@link #workCpuNanos}), so that
 * the daemon's watchdog, fed while its loop uses CPU, is fed while its loop waits here too.
 */
public final class InOrder {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** CPU used by work finished on the threads of this class. */
    private static final AtomicLong DONE_CPU = new AtomicLong();
    /** The threads of this class at work now, with their CPU time when the work began. */
    private static final Map<Thread, Long> AT_WORK = new ConcurrentHashMap<>();

    private InOrder() {}

    /**
     * The CPU time (ns) that the threads of this class have used for their callers' work so far, finished and under
     * way; grows while any of them works. 0 where the JVM measures no thread's CPU time.
     */
    public static long workCpuNanos() {
        long cpu = DONE_CPU.get();
        for (Map.Entry<Thread, Long> working : AT_WORK.entrySet()) {
            long now = cpuNanos(working.getKey());
            cpu += now < 0 ? 0 : Math.max(0, now - working.getValue());
        }
        return cpu;
    }

    private static long cpuNanos(Thread thread) {
        return THREADS.isThreadCpuTimeSupported() ? THREADS.getThreadCpuTime(thread.threadId()) : -1;
    }

    /** {@code work} on {@code item} on this thread, its CPU counted in {@link #workCpuNanos}. */
    private static <T, R, E extends Exception> R counted(Work<T, R, E> work, T item) throws E {
        Thread self = Thread.currentThread();
        long start = cpuNanos(self);
        AT_WORK.put(self, start);
        try {
            return work.apply(item);
        } finally {
            AT_WORK.remove(self);
            DONE_CPU.addAndGet(start < 0 ? 0 : Math.max(0, cpuNanos(self) - start));
        }
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
        ArrayDeque<Future<R>> ahead = new ArrayDeque<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers,
                Thread.ofPlatform().name("xdprecon-in-order-", 1).daemon().factory());
        try {
            int next = 0;
            for (int i = 0; i < items.size(); i++) {
                while (next < items.size() && ahead.size() < 2 * workers) {
                    T item = items.get(next++);
                    ahead.add(pool.submit(() -> counted(work, item)));
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
