package io.xdprecon.daemon.process;

import io.xdprecon.apply.Applier;
import io.xdprecon.daemon.CompositeEvents;
import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.daemon.SystemdEvents;
import io.xdprecon.daemon.admin.AdminServer;
import io.xdprecon.daemon.admin.ControlToken;
import io.xdprecon.daemon.admin.DaemonMetrics;
import io.xdprecon.daemon.admin.DatapathSampler;
import io.xdprecon.daemon.admin.Suspension;
import io.xdprecon.daemon.dpdk.DpdkSlowPath;
import io.xdprecon.host.IoErrors;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.source.FileSource;
import io.xdprecon.source.Source;
import io.xdprecon.source.SourceException;
import io.xdprecon.tuning.TuningApplier;
import io.xdprecon.tuning.TuningReader;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code xdprecon run} as a process: the {@link Daemon} with its slow path (the DPDK loop when the config asks
 * for {@code datapath.mode: dpdk}), its metrics, systemd notifications, admin HTTP, file watch and signals. The
 * command line parses options into {@link Options} and calls {@link #run()} or {@link #once()}; everything the
 * daemon is made of is put together here.
 */
public final class DaemonProcess {
    private static final System.Logger LOG = System.getLogger(DaemonProcess.class.getName());

    /** How long a failing source or apply backs off at most. */
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    /**
     * What {@code xdprecon run} was asked for.
     *
     * @param admin          the admin HTTP address; empty for none
     * @param webhookSecret  the shared secret of {@code POST /webhook}; empty refuses webhooks
     * @param controlTokenFile where the token {@code POST /suspend} and {@code /resume} ask for is written (0600)
     * @param metricsTopFlows how many config flow legs get per-flow series on {@code /metrics}
     * @param version        this build's version, for {@code xdprecon_build_info}
     * @param commit         the Git commit it was built from, likewise
     */
    public record Options(String node, Path pinRoot, Duration interval, double jitter, Daemon.DriftMode drift,
            boolean allowMassDelete, boolean allowDisruptive, Optional<InetSocketAddress> admin,
            Optional<byte[]> webhookSecret, Path controlTokenFile, int metricsTopFlows, String version, String commit) {}

    private final Source source;
    private final Options options;
    private final SystemdEvents systemd = SystemdEvents.fromEnvironment();
    private final DaemonMetrics metrics;
    private final DpdkSlowPath slowPath;
    private final Daemon daemon;

    /**
     * Starts {@code source}'s prefetch, and the read of the revision it reads, first ({@link Daemon#prefetch}): they
     * run while the rest of the daemon is made here.
     */
    public DaemonProcess(Source source, Options options) {
        Daemon.FirstRead first = Daemon.prefetch(source, options.node());
        this.source = source;
        this.options = options;
        this.slowPath = new DpdkSlowPath(options.node(), options.pinRoot());
        this.metrics = new DaemonMetrics(new DatapathSampler(options.pinRoot(), options.metricsTopFlows()));
        metrics.buildInfo(options.version(), options.commit());
        metrics.sessions(slowPath::stats);
        Duration heartbeat = systemd.pingInterval().orElse(Duration.ofSeconds(5));
        LiveStateReader reader = new LiveStateReader(options.pinRoot(), new TuningReader()::read);
        Applier applier = new Applier(reader, new TuningApplier()::apply, line -> { });
        daemon = new Daemon(source,
                new Daemon.Settings(options.node(), options.pinRoot(), options.interval(), options.jitter(), options.drift(),
                        MAX_BACKOFF, options.allowMassDelete(), options.allowDisruptive(), heartbeat),
                reader, applier, slowPath, new CompositeEvents(List.of(metrics, systemd)), first);
        if (Suspension.isSet(stateDir())) {
            LOG.log(System.Logger.Level.WARNING, "starting suspended: " + Suspension.file(stateDir())
                    + " exists (xdprecon suspend); `xdprecon resume` removes it");
            daemon.suspend();
        }
    }

    /** The state directory, where the admin token and the suspension mark live. */
    private Path stateDir() {
        return options.controlTokenFile().toAbsolutePath().getParent();
    }

    /** Suspends or resumes the daemon and keeps it so across restarts ({@link Suspension}). */
    private void suspend(boolean suspend) {
        try {
            if (suspend) {
                Suspension.set(stateDir(), "POST /suspend");
            } else {
                Suspension.clear(stateDir());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot " + (suspend ? "write " : "remove ") + Suspension.file(stateDir())
                    + ": " + IoErrors.cause(e) + "; a restart will not remember this " + (suspend ? "suspension" : "resumption"));
        }
        if (suspend) {
            daemon.suspend();
        } else {
            daemon.resume();
        }
    }

    /** What one reconcile did, and the daemon's status after it. */
    public record Once(ReconcileOutcome outcome, DaemonStatus status) {}

    /** One reconcile, then the slow path stops ({@code run --once}). */
    public Once once() {
        try {
            ReconcileOutcome outcome = daemon.reconcileOnce();
            return new Once(outcome, daemon.status());
        } finally {
            slowPath.close();
        }
    }

    /**
     * Runs until SIGTERM/SIGINT: reconciles every interval, on SIGHUP, on a file change (a file source) and on a
     * signed webhook; serves the admin HTTP. On SIGTERM the current reconcile finishes, then the slow path stops
     * (the XDP datapath stays).
     *
     * @throws io.xdprecon.daemon.SlowPathException when the slow path the config asks for cannot start
     * @throws StartupException when the process cannot start (the admin port is taken, its token cannot be written)
     */
    public void run() throws IOException, SourceException {
        if (source instanceof FileSource file) {
            file.watch(daemon::trigger);
        }
        installSignals();
        try (AdminServer server = options.admin().isEmpty() ? null : startAdmin(options.admin().get())) {
            daemon.run();
        }
    }

    private AdminServer startAdmin(InetSocketAddress address) throws IOException {
        AdminServer.Builder builder = AdminServer.builder(address).registry(metrics.registry()).status(metrics::status)
                .notReady(metrics::notReady).loopAlive(daemon::alive).sessions(slowPath::sessions)
                .maxReconcileAge(options.interval().multipliedBy(3).plusMinutes(1))
                .onWebhook(daemon::trigger).onSuspend(() -> suspend(true)).onResume(() -> suspend(false));
        options.webhookSecret().ifPresent(builder::webhookSecret);
        try {
            builder.controlToken(ControlToken.create(options.controlTokenFile()));
        } catch (IOException e) {
            throw new StartupException("cannot write the admin token " + options.controlTokenFile() + ": "
                    + IoErrors.cause(e) + " (--state-dir must be writable)");
        }
        try {
            return builder.start();
        } catch (BindException e) {
            throw new StartupException("cannot listen on " + hostPort(address) + " for the admin endpoint: "
                    + IoErrors.cause(e) + " (another xdprecon run? use --admin HOST:PORT, or --admin off)");
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + hostPort(address) + " for the admin endpoint: "
                    + IoErrors.cause(e));
        }
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * SIGHUP reloads; SIGTERM/SIGINT stop after the current reconcile's writes (the XDP datapath stays), then the
     * slow path. The stop waits only for writes ({@link Daemon#awaitNoWrites}): a start that failed (the admin port
     * taken), a SIGTERM before the loop or during a fetch that hangs ends at once, not after a minute.
     */
    @SuppressWarnings("sunapi")
    private void installSignals() {
        // sun.misc.Signal is the JDK's only hook for SIGHUP; it is in jdk.unsupported, exported to all.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> daemon.reload());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            try {
                daemon.awaitNoWrites(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            slowPath.close();
        }, "xdprecon-stop"));
    }
}
