package io.xdprecon.daemon;

import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.LongSupplier;

/**
 * Where a reconcile spent its time, stage by stage, said with the revision it applies: a cold start of 262,144 flows
 * took seconds, and the log did not say whether reading the files, checking them, planning or writing the map did
 * (issue 9). Wall time per stage, and the CPU time of the whole process over the reconcile (its reader threads, the
 * collector and the compiler included: on two cores these take from the same CPU as the loop).
 *
 * <p>Used by the loop's thread only.
 */
final class StageClock {
    /** A reconcile's stages, in the order they run. */
    enum Stage {
        /** The source polled: files listed, changed ones digested, the settle wait. */
        FETCH,
        /** The files read and checked on their own (YAML, schema, values), on every core for a directory. */
        READ,
        /** The checks across the files and the base (unique keys, egresses, port pools). */
        CHECKS,
        /** The node's desired rules built. */
        RULES,
        /** The slow path prepared (dpdk), the datapath adopted, the live state read, the plan made. */
        PLAN,
        /** The plan written to the node. */
        APPLY;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final LongSupplier nanoTime;
    private final LongSupplier cpuNanos;
    private final Map<Stage, Long> wall = new EnumMap<>(Stage.class);
    private Stage current;
    private long currentStarted;
    private long started;
    private long cpuStarted;

    StageClock(LongSupplier nanoTime, LongSupplier cpuNanos) {
        this.nanoTime = nanoTime;
        this.cpuNanos = cpuNanos;
    }

    /** A clock of this process: {@link System#nanoTime()}, and its CPU time where the JVM measures it (else none). */
    static StageClock ofProcess() {
        LongSupplier cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os::getProcessCpuTime : () -> -1;
        return new StageClock(System::nanoTime, cpu);
    }

    /** A reconcile begins: what the last one measured is forgotten. */
    void begin() {
        wall.clear();
        current = null;
        started = nanoTime.getAsLong();
        cpuStarted = cpuNanos.getAsLong();
    }

    /** {@code stage} begins now; the stage before it ends. */
    void enter(Stage stage) {
        long now = nanoTime.getAsLong();
        end(now);
        current = stage;
        currentStarted = now;
    }

    /**
     * {@code stage} took {@code nanos} within the stage under way, as measured by what did it (the config cache times
     * its checks and rules inside the daemon's read): they are taken off the stage under way, which goes on.
     */
    void tookWithin(Stage stage, long nanos) {
        wall.merge(stage, nanos, Long::sum);
        currentStarted += nanos;
    }

    private void end(long now) {
        if (current != null) {
            wall.merge(current, now - currentStarted, Long::sum);
            current = null;
        }
    }

    /**
     * The reconcile so far, e.g. {@code 3.12 s (fetch 0.31 s, read 1.20 s, checks 0.30 s, rules 0.40 s, plan
     * 0.20 s, apply 0.71 s; CPU 4.20 s)}: the stages that ran, in order; the stage under way ends now.
     */
    String describe() {
        long now = nanoTime.getAsLong();
        end(now);
        StringJoiner stages = new StringJoiner(", ");
        for (Map.Entry<Stage, Long> stage : wall.entrySet()) {
            stages.add(stage.getKey().label() + " " + seconds(stage.getValue()));
        }
        long cpu = cpuNanos.getAsLong();
        String cpuPart = cpu < 0 || cpuStarted < 0 ? "" : "; CPU " + seconds(cpu - cpuStarted);
        return seconds(now - started) + " (" + stages + cpuPart + ")";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
