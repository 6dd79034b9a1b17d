package io.xdprecon.dataplane.systemd;

import io.xdprecon.dataplane.ffm.Errno;
import io.xdprecon.dataplane.ffm.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code sd_notify(3)} through FFM: {@code int sd_notify(int unset_environment, const char *state)} from
 * libsystemd.so.0 — no JNI, no {@code systemd-notify} child.
 *
 * <p>sd_notify reads {@code NOTIFY_SOCKET} from the process environment, which is fixed for a JVM: when it
 * is unset (not started by systemd with {@code Type=notify}) every method returns {@code false} at once,
 * without loading libsystemd. Otherwise each message is one datagram; a failure ({@code -errno}) becomes an
 * {@link SdNotifyException} naming the message. Not a hot path: each call allocates a small confined arena.
 *
 * <p>Watchdog: {@link #watchdogInterval()} is {@code WatchdogSec=} as systemd passed it
 * ({@code WATCHDOG_USEC}, honoured only when {@code WATCHDOG_PID} is unset or this process);
 * {@link #pingInterval()} is half of it, how often {@link #watchdog()} should be sent.
 */
public final class SdNotify implements SystemdNotifier {
    private static final int CLOCK_MONOTONIC = 1;

    private final boolean supervised;

    private SdNotify(boolean supervised) {
        this.supervised = supervised;
    }

    /** The notifier for this process: sends when {@code NOTIFY_SOCKET} is set, a no-op otherwise. */
    public static SdNotify fromEnvironment() {
        String socket = System.getenv("NOTIFY_SOCKET");
        return new SdNotify(socket != null && !socket.isEmpty());
    }

    /** Whether this process runs under a manager that listens ({@code NOTIFY_SOCKET} set). */
    public boolean supervised() {
        return supervised;
    }

    @Override
    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** {@code READY=1} alone. */
    public boolean ready() {
        return send("READY=1");
    }

    @Override
    public boolean status(String status) {
        return send("STATUS=" + oneLine(status));
    }

    /**
     * {@code RELOADING=1} plus {@code MONOTONIC_USEC=} (CLOCK_MONOTONIC in µs), which systemd ≥ 253 requires
     * for {@code Type=notify-reload}; older managers ignore the extra field.
     */
    @Override
    public boolean reloading() {
        if (!supervised) {
            return false;
        }
        return send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros());
    }

    @Override
    public boolean stopping() {
        return send("STOPPING=1");
    }

    @Override
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /**
     * Sends {@code state} (newline-separated {@code KEY=VALUE} assignments) as is.
     *
     * @return true if sent, false if not supervised
     * @throws SdNotifyException if sd_notify returned {@code -errno}
     */
    public boolean send(String state) {
        if (!supervised) {
            return false;
        }
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            rc = (int) Bindings.SD_NOTIFY.invokeExact(0, arena.allocateFrom(state));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc < 0) {
            throw new SdNotifyException(state, -rc);
        }
        return rc > 0;
    }

    /**
     * {@code WatchdogSec=} of this service, from {@code sd_watchdog_enabled(3)}: present when
     * {@code WATCHDOG_USEC} is set and {@code WATCHDOG_PID} is unset or this process's pid.
     */
    public static Optional<Duration> watchdogInterval() {
        Map<String, String> env = System.getenv();
        if (env.get("WATCHDOG_USEC") == null) {
            return Optional.empty(); // the common case: no need to load libsystemd
        }
        int rc;
        long usec;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(Native.C_LONG);
            rc = (int) Bindings.SD_WATCHDOG_ENABLED.invokeExact(0, out);
            usec = out.get(Native.C_LONG, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc < 0) {
            throw new IllegalStateException("sd_watchdog_enabled failed: " + Errno.explain(-rc)
                    + " (WATCHDOG_USEC=" + env.get("WATCHDOG_USEC") + ", WATCHDOG_PID=" + env.get("WATCHDOG_PID") + ")");
        }
        return rc > 0 && usec > 0 ? Optional.of(Duration.ofNanos(usec * 1000)) : Optional.empty();
    }

    /** How often to send {@link #watchdog()}: half of {@link #watchdogInterval()}, as sd_watchdog_enabled(3) advises. */
    public static Optional<Duration> pingInterval() {
        return watchdogInterval().map(d -> d.dividedBy(2));
    }

    private static String oneLine(String status) {
        // A newline would start a new assignment: STATUS is one line.
        return status.replace('\n', ' ').replace('\r', ' ');
    }

    private static long monotonicMicros() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8); // struct timespec { time_t tv_sec; long tv_nsec; }
            int rc = (int) Bindings.CLOCK_GETTIME.invokeExact(CLOCK_MONOTONIC, ts);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) failed");
            }
            return ts.get(Native.C_LONG, 0) * 1_000_000L + ts.get(Native.C_LONG, 8) / 1_000L;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Bound on first use, so an unsupervised process never loads libsystemd. */
    private static final class Bindings {
        static final MethodHandle SD_NOTIFY = Native.libsystemd("sd_notify",
                FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.POINTER));
        static final MethodHandle SD_WATCHDOG_ENABLED = Native.libsystemd("sd_watchdog_enabled",
                FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.POINTER));
        static final MethodHandle CLOCK_GETTIME = Native.libc("clock_gettime",
                FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.POINTER));
    }
}
