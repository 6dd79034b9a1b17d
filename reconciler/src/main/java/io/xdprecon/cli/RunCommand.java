package io.xdprecon.cli;

import io.xdprecon.apply.Applier;
import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.config.Service;
import io.xdprecon.daemon.DaemonEvents;
import io.xdprecon.daemon.dpdk.DpdkLoop;
import io.xdprecon.source.Revision;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.TuningSetting;
import io.xdprecon.daemon.CompositeEvents;
import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.JournalLogging;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.daemon.SystemdEvents;
import io.xdprecon.daemon.admin.AdminServer;
import io.xdprecon.daemon.admin.DaemonMetrics;
import io.xdprecon.daemon.admin.DatapathSampler;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.source.FileSource;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.Source;
import io.xdprecon.source.SourceException;
import io.xdprecon.tuning.TuningApplier;
import io.xdprecon.tuning.TuningReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run the GitOps daemon: keep this node converged on the config in a file or a Git repository.",
            "",
            "Every interval (with jitter), on SIGHUP, on a signed webhook or when the file changes, the daemon"
                + " fetches the newest revision, validates and plans it before any write, and applies it; an invalid"
                + " or untrusted revision is rejected once with its errors while the last good one stays applied and"
                + " enforced. A revision whose plan is refused (mass delete, disruptive) stays the goal: the older one is"
                + " no longer enforced, and it counts as applied once the node matches it (applied by hand with the"
                + " flag); one refused because another writer moved the node is retried with backoff and jitter."
                + " Each interval it also re-reads the node and corrects drift (--drift enforce) or reports it"
                + " (--drift warn). On start it adopts the pinned maps and the attached program (a new build is"
                + " swapped in atomically); an unchanged config makes no write.",
            "",
            "With datapath.mode: dpdk the daemon also runs the DPDK slow path: before the first reconcile (or, when the"
                + " first revision is invalid, before the first valid one) it starts"
                + " EAL (huge pages when the config's tuning reserves them, --no-huge otherwise; a file prefix of its"
                + " own) with one AF_XDP port per device its services use — DPDK's PMD attaches the XDP program and"
                + " pins the maps under /sys/fs/bpf, so --pin-root must stay the default. A client's first packet to"
                + " a service becomes a session with both rules in the map (see `xdprecon sessions`); services of a"
                + " newly applied revision reach the session table within 100 ms (a removed backend's sessions drain"
                + " or move). Start and stop go through the tc bridge: on SIGTERM it is attached before the ports"
                + " close, so offloaded sessions keep forwarding until the next start.",
            "",
            "Admin HTTP (--admin): /metrics (Prometheus; the README lists every metric), /healthz (the process"
                + " works), /readyz (the node holds the newest valid revision), /status (see `xdprecon status`), /sessions"
                + " (see `xdprecon sessions`), POST /webhook"
                + " (X-Hub-Signature-256 HMAC of the body with --webhook-secret-file), POST /suspend and /resume."
                + " Under systemd (Type=notify) it sends READY, STATUS, WATCHDOG, RELOADING and STOPPING.",
        })
final class RunCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(RunCommand.class.getName());

    @Option(names = "--source", required = true, paramLabel = "file:PATH|git:URL",
            description = "Where the config lives: a file or a directory with one YAML file, or a Git repository URL"
                    + " (ssh://, https://, file://).")
    String source;

    @Option(names = "--ref", defaultValue = "main", description = "Git branch or tag (default: ${DEFAULT-VALUE}).")
    String ref;

    @Option(names = {"--git-path", "--path"}, defaultValue = "flows.yaml",
            description = "Config path inside the repository (default: ${DEFAULT-VALUE}); --path is the older spelling.")
    String path;

    @Option(names = "--node", paramLabel = "NAME", description = "Which node's overrides apply (default: this host's name).")
    String node;

    @Mixin
    DatapathOptions datapath;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/xdprecon",
            description = "Where the Git clone lives (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9477",
            description = "Admin HTTP address (default: ${DEFAULT-VALUE}); 'off' for none.")
    String admin;

    @Option(names = "--interval", converter = DurationConverter.class, defaultValue = "30s",
            description = "Fetch and drift-check interval (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--jitter", defaultValue = "0.1", description = "Random spread of each interval, 0..0.9 (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--drift", defaultValue = "enforce", description = "enforce: correct drift; warn: only report it (default: ${DEFAULT-VALUE}).")
    String drift;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE", description = "Shared secret for POST /webhook (first line).")
    Path webhookSecretFile;

    @Mixin
    GitAccessOptions gitAccess;

    @Option(names = "--allow-mass-delete", description = "Let a revision delete every config rule, or more than half.")
    boolean allowMassDelete;

    @Option(names = "--allow-disruptive", description = "Let a revision change NIC queue counts (resets the NIC).")
    boolean allowDisruptive;

    @Option(names = "--metrics-top-flows", paramLabel = "N", defaultValue = "10",
            description = "Per-flow series on /metrics for at most N config flow legs, those with the most packets since"
                    + " the previous scrape (default: ${DEFAULT-VALUE}; 0 for none, which also skips reading the flow"
                    + " counters at scrape).")
    int metricsTopFlows;

    @Option(names = "--once", description = "Reconcile once and exit: 0 when the node matches the newest revision, 1 otherwise.")
    boolean once;

    private final AtomicReference<DpdkLoop> dpdkLoop = new AtomicReference<>();

    @Override
    public Integer call() throws Exception {
        Daemon.DriftMode driftMode = switch (drift) {
            case "enforce" -> Daemon.DriftMode.ENFORCE;
            case "warn" -> Daemon.DriftMode.WARN;
            default -> throw new CliException("--drift must be enforce or warn, got '" + drift + "'");
        };
        if (jitter < 0 || jitter > 0.9) {
            throw new CliException("--jitter must be between 0 and 0.9, got " + jitter);
        }
        Optional<InetSocketAddress> adminAddress = parseAdmin();
        JournalLogging.install();
        String nodeName = node != null ? node : io.xdprecon.config.Config.defaultNode();
        SystemdEvents systemd = SystemdEvents.fromEnvironment();
        if (metricsTopFlows < 0 || metricsTopFlows > 1000) {
            throw new CliException("--metrics-top-flows must be between 0 and 1000, got " + metricsTopFlows);
        }
        DaemonMetrics metrics = new DaemonMetrics(new DatapathSampler(datapath.pinRoot, metricsTopFlows));
        String version = Main.class.getPackage().getImplementationVersion();
        metrics.buildInfo(version == null || version.isBlank() ? Main.FALLBACK_VERSION : version, "unknown");
        Duration heartbeat = systemd.pingInterval().orElse(Duration.ofSeconds(5));
        try (Source configSource = openSource()) {
            firstRevisionDpdk(configSource, nodeName, metrics);
            DaemonEvents services = new DaemonEvents() {
                @Override
                public void accepted(Config config, DesiredState desired) {
                    // a node that booted on an invalid revision gets its DPDK loop from the first valid one
                    if (dpdk().isEmpty() && desired.datapath().mode() == DatapathSettings.Mode.DPDK) {
                        try {
                            startDpdk(config, desired, nodeName, metrics);
                        } catch (RuntimeException | IOException | InterruptedException e) {
                            LOG.log(System.Logger.Level.ERROR, "cannot start the DPDK loop: " + e.getMessage(), e);
                        }
                    }
                }

                @Override
                public void applied(Config config) {
                    dpdk().ifPresent(loop -> loop.services(config.services(nodeName)));
                }
            };
            LiveStateReader reader = new LiveStateReader(datapath.pinRoot, new TuningReader()::read);
            Applier applier = new Applier(reader, new TuningApplier()::apply, line -> { });
            Daemon daemon = new Daemon(configSource,
                    new Daemon.Settings(nodeName, datapath.pinRoot, interval, jitter, driftMode, Duration.ofMinutes(5),
                            allowMassDelete, allowDisruptive, heartbeat),
                    reader, applier, new CompositeEvents(List.of(services, metrics, systemd)));
            if (once) {
                try {
                    ReconcileOutcome outcome = daemon.reconcileOnce();
                    System.out.println(outcome.kind().label() + ": " + daemon.status().line());
                    return outcome.converged() ? 0 : 1;
                } finally {
                    dpdk().ifPresent(DpdkLoop::close);
                }
            }
            if (configSource instanceof FileSource file) {
                file.watch(daemon::trigger);
            }
            installSignals(daemon, () -> dpdk().ifPresent(DpdkLoop::close));
            try (AdminServer server = adminAddress.isEmpty() ? null : startAdmin(adminAddress.get(), metrics, daemon)) {
                daemon.run();
            }
            return 0;
        } catch (SourceException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** The DPDK loop once started: at start for a valid first revision, or with the first valid revision. */
    private Optional<DpdkLoop> dpdk() {
        return Optional.ofNullable(dpdkLoop.get());
    }

    /**
     * In {@code datapath.mode: dpdk} the DPDK loop must run before the first reconcile (its PMD loads the
     * program and pins the maps the plan writes to), so the first revision is read here for the mode, the
     * services' devices and the huge pages; in XDP mode nothing starts. An invalid first revision starts
     * nothing: the daemon rejects it, and the first valid revision starts the loop before it is planned.
     */
    private void firstRevisionDpdk(Source configSource, String nodeName, DaemonMetrics metrics) throws SourceException,
            IOException, InterruptedException {
        Revision first = configSource.poll();
        Config config;
        DesiredState desired;
        try {
            config = ConfigLoader.parse(Path.of(first.name()), first.text());
            desired = config.forNode(nodeName, InterfaceResolver.currentNetns());
        } catch (ConfigException e) {
            LOG.log(System.Logger.Level.WARNING, "revision " + first.shortId() + " is invalid: the DPDK loop (if the"
                    + " config asks for datapath.mode dpdk) starts with the first valid revision");
            return;
        }
        if (desired.datapath().mode() == DatapathSettings.Mode.DPDK) {
            startDpdk(config, desired, nodeName, metrics);
        }
    }

    private void startDpdk(Config config, DesiredState desired, String nodeName, DaemonMetrics metrics)
            throws IOException, InterruptedException {
        if (!datapath.pinRoot.equals(DpdkLoop.PIN_ROOT)) {
            throw new CliException("datapath.mode dpdk: DPDK's PMD pins the maps under " + DpdkLoop.PIN_ROOT
                    + " (libbpf's default), so --pin-root " + datapath.pinRoot + " cannot be used");
        }
        List<Service> services = config.services(nodeName);
        boolean hugepages = desired.tuning().stream()
                .anyMatch(t -> t instanceof TuningSetting.Hugepages h && h.count() > 0);
        DpdkLoop.Settings settings = new DpdkLoop.Settings(DpdkLoop.Settings.devicesOf(services), hugepages, 256,
                desired.datapath().maxRules(), config.icmpEcho(nodeName));
        DpdkLoop loop;
        try {
            loop = DpdkLoop.start(settings, services, Duration.ofSeconds(60));
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        }
        dpdkLoop.set(loop);
        metrics.sessions(loop::stats);
    }

    private Source openSource() throws SourceException {
        if (source.startsWith("file:")) {
            if (gitAccess.given()) {
                throw new CliException("Git credentials and trust options need --source git:URL, not a file");
            }
            return new FileSource(Path.of(source.substring("file:".length())));
        }
        if (!source.startsWith("git:")) {
            throw new CliException("--source must start with file: or git:, got '" + source + "'");
        }
        return new GitSource(new GitSource.Settings(source.substring("git:".length()), ref, path, stateDir, gitAccess.auth(),
                gitAccess.trust(),
                Duration.ofSeconds(30)));
    }

    private Optional<InetSocketAddress> parseAdmin() {
        if (admin.equals("off")) {
            return Optional.empty();
        }
        int colon = admin.lastIndexOf(':');
        try {
            return Optional.of(new InetSocketAddress(admin.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(admin.substring(colon + 1))));
        } catch (RuntimeException e) {
            throw new CliException("--admin must be HOST:PORT or off, got '" + admin + "'");
        }
    }

    private AdminServer startAdmin(InetSocketAddress address, DaemonMetrics metrics, Daemon daemon) throws IOException {
        AdminServer.Builder builder = AdminServer.builder(address).registry(metrics.registry()).status(metrics::status)
                .notReady(metrics::notReady)
                .loopAlive(() -> daemon.alive() && dpdk().map(DpdkLoop::alive).orElse(true))
                .sessions(() -> dpdk().map(DpdkLoop::sessions)).maxReconcileAge(interval.multipliedBy(3).plusMinutes(1))
                .onWebhook(daemon::trigger).onSuspend(daemon::suspend).onResume(daemon::resume);
        if (webhookSecretFile != null) {
            builder.webhookSecret(Files.readAllLines(webhookSecretFile).stream().findFirst().orElse("").strip());
        }
        return builder.start();
    }

    /**
     * SIGHUP reloads; SIGTERM/SIGINT stop after the current reconcile (the XDP datapath stays), then
     * {@code afterStop} runs (the DPDK loop closes its ports).
     */
    @SuppressWarnings("sunapi")
    private static void installSignals(Daemon daemon, Runnable afterStop) {
        // sun.misc.Signal is the JDK's only hook for SIGHUP; it is in jdk.unsupported, exported to all.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> daemon.reload());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            try {
                daemon.awaitStopped(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            afterStop.run();
        }, "xdprecon-stop"));
    }
}
