package io.xdprecon.cli;

import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.daemon.SlowPathException;
import io.xdprecon.daemon.admin.ControlToken;
import io.xdprecon.daemon.process.DaemonProcess;
import io.xdprecon.daemon.process.StartupException;
import io.xdprecon.source.FileSource;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.Source;
import io.xdprecon.source.SourceException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
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
            "With datapath.mode: dpdk the daemon also runs the DPDK slow path: before it plans the first valid revision"
                + " (read once, at start or later when the first revision is invalid) it starts"
                + " EAL (huge pages when the config's tuning reserves them, --no-huge otherwise; a file prefix of its"
                + " own) with one AF_XDP port per device its services use — DPDK's PMD attaches the XDP program and"
                + " pins the maps under /sys/fs/bpf, so --pin-root must stay the default (run stops with an error"
                + " otherwise, as when DPDK cannot start). A client's first packet to a service becomes a session with"
                + " both rules in the map (see `xdprecon sessions`); services of a newly applied revision reach the"
                + " session table within 100 ms (a removed backend's sessions drain or move). Start and stop go through"
                + " the tc bridge: on SIGTERM it is attached before the ports close, so offloaded sessions keep"
                + " forwarding until the next start.",
            "",
            "Admin HTTP (--admin): /metrics (Prometheus; the README lists every metric), /healthz (the process"
                + " works), /readyz (the node holds the newest valid revision), /status (see `xdprecon status`), /sessions"
                + " (see `xdprecon sessions`), POST /webhook"
                + " (X-Hub-Signature-256 HMAC of the body with --webhook-secret-file), POST /suspend and /resume"
                + " (see `xdprecon suspend`; loopback only, with the token written to STATE-DIR/" + ControlToken.FILE_NAME + ")."
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
            description = "Where the Git clone and the admin token live (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--allow-non-fast-forward",
            description = "Git: accept a head that does not descend from the applied commit (a force-push), unless it"
                    + " is older than it; a head that is an ancestor of the applied commit (a rollback) is refused anyway.")
    boolean allowNonFastForward;

    @Option(names = "--once", description = "Reconcile once and exit: 0 when the node matches the newest revision, 1 otherwise.")
    boolean once;

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
        Optional<String> secret = webhookSecretFile == null ? Optional.empty()
                : Optional.of(Files.readAllLines(webhookSecretFile).stream().findFirst().orElse("").strip());
        String nodeName = node != null ? node : io.xdprecon.config.Config.defaultNode();
        BuildInfo running = BuildInfo.current();
        LOG.log(System.Logger.Level.INFO, "xdprecon " + running.version() + " (commit " + running.shortCommit() + ", built "
                + running.date() + ") starting: node " + nodeName + ", source " + source.replaceAll("(://[^/@:]+):[^/@]+@", "$1:***@")
                + ", admin " + admin + ", pin root " + datapath.pinRoot);
        if (metricsTopFlows < 0 || metricsTopFlows > 1000) {
            throw new CliException("--metrics-top-flows must be between 0 and 1000, got " + metricsTopFlows);
        }
        DaemonProcess.Options options = new DaemonProcess.Options(nodeName, datapath.pinRoot, interval, jitter, driftMode,
                allowMassDelete, allowDisruptive, adminAddress, secret, stateDir.resolve(ControlToken.FILE_NAME),
                metricsTopFlows, running.version(), running.commit());
        try (Source configSource = openSource()) {
            DaemonProcess daemon = new DaemonProcess(configSource, options);
            if (once) {
                DaemonProcess.Once done = daemon.once();
                System.out.println(done.outcome().kind().label() + ": " + done.status());
                return done.outcome().converged() ? 0 : 1;
            }
            daemon.run();
            return 0;
        } catch (SourceException | SlowPathException | StartupException e) {
            throw new CliException(e.getMessage());
        }
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
                gitAccess.trust(), Duration.ofSeconds(30), allowNonFastForward));
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
}
