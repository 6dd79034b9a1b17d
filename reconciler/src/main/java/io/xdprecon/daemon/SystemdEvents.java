package io.xdprecon.daemon;

import io.xdprecon.dataplane.systemd.SdNotify;
import io.xdprecon.dataplane.systemd.SdNotifyException;
import io.xdprecon.dataplane.systemd.SystemdNotifier;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The daemon's events as systemd notifications ({@code Type=notify}, see {@code systemd/xdprecon.service}):
 * <ul>
 *   <li>{@link #ready} → {@code READY=1} + {@code STATUS=}{@link DaemonStatus#line()}</li>
 *   <li>{@link #reconciled} → {@code STATUS=}{@link DaemonStatus#line()} (revision and rule counts)</li>
 *   <li>{@link #reloading} → {@code RELOADING=1}; the daemon ends a reload with {@link #ready} again</li>
 *   <li>{@link #stopping} → {@code STOPPING=1}</li>
 *   <li>{@link #alive} → {@code WATCHDOG=1}, at most once per half {@code WatchdogSec=} and only when the
 *       watchdog is on</li>
 *   <li>{@link #progress} → {@code STATUS=} what a long reconcile is busy with</li>
 * </ul>
 * The watchdog proves the loop is alive, so pings come only from {@link #alive}, never from a timer of its
 * own: the daemon must call {@code alive()} more often than every {@link #pingInterval()} (its wait between
 * reconciles wakes at least that often, and {@link BusyLoopWatch} calls it while a reconcile uses CPU), so that
 * two sent pings are never a full {@code WatchdogSec} apart. A notification that fails is logged, never thrown: systemd's view must not stop the datapath.
 * Thread-safe.
 */
public final class SystemdEvents implements DaemonEvents {
    private static final System.Logger LOG = System.getLogger(SystemdEvents.class.getName());

    private final SystemdNotifier notifier;
    private final Optional<Duration> watchdog;
    private final long minPingGapNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong lastPing = new AtomicLong();
    private volatile boolean pinged;

    /**
     * @param notifier  where messages go ({@link SdNotify} in production)
     * @param watchdog  {@code WatchdogSec=}, empty when the watchdog is off
     * @param nanoTime  a monotonic clock ({@code System::nanoTime})
     */
    public SystemdEvents(SystemdNotifier notifier, Optional<Duration> watchdog, LongSupplier nanoTime) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.watchdog = Objects.requireNonNull(watchdog, "watchdog").filter(d -> d.isPositive());
        this.minPingGapNanos = this.watchdog.map(d -> d.dividedBy(2).toNanos()).orElse(Long.MAX_VALUE);
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** Notifications for this process: libsystemd's sd_notify, watchdog from WATCHDOG_USEC/WATCHDOG_PID. */
    public static SystemdEvents fromEnvironment() {
        return new SystemdEvents(SdNotify.fromEnvironment(), SdNotify.watchdogInterval(), System::nanoTime);
    }

    /** {@code WatchdogSec=} of the service, empty when the watchdog is off. */
    public Optional<Duration> watchdogInterval() {
        return watchdog;
    }

    /** Half of {@code WatchdogSec=}: {@link #alive} must be called more often than this. Empty when off. */
    public Optional<Duration> pingInterval() {
        return watchdog.map(d -> d.dividedBy(2));
    }

    @Override
    public void ready(DaemonStatus status) {
        send("READY=1", () -> notifier.ready(status.line()));
    }

    @Override
    public void reconciled(ReconcileOutcome outcome, Duration took, DaemonStatus status) {
        send("STATUS", () -> notifier.status(status.line()));
    }

    @Override
    public void progress(String line) {
        send("STATUS", () -> notifier.status(line));
    }

    @Override
    public void reloading() {
        send("RELOADING=1", notifier::reloading);
    }

    @Override
    public void stopping() {
        send("STOPPING=1", notifier::stopping);
    }

    @Override
    public void alive() {
        if (watchdog.isEmpty()) {
            return;
        }
        long now = nanoTime.getAsLong();
        long last = lastPing.get();
        if (pinged && now - last < minPingGapNanos) {
            return;
        }
        if (!lastPing.compareAndSet(last, now)) {
            return; // another thread pings right now
        }
        pinged = true;
        send("WATCHDOG=1", notifier::watchdog);
    }

    private static void send(String what, java.util.function.BooleanSupplier call) {
        try {
            call.getAsBoolean();
        } catch (SdNotifyException e) {
            LOG.log(System.Logger.Level.WARNING, "systemd notification " + what + " not delivered: " + e.getMessage());
        }
    }
}
