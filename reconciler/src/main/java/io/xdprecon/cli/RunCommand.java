package io.xdprecon.cli;

import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.daemon.SlowPathException;
import io.xdprecon.daemon.admin.ControlToken;
import io.xdprecon.daemon.admin.StatusJson;
import io.xdprecon.daemon.process.DaemonProcess;
import io.xdprecon.daemon.process.StartupException;
import io.xdprecon.source.FileSource;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.Source;
import io.xdprecon.source.SourceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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

    @Option(names = "--source", paramLabel = "file:PATH|git:URL", converter = SourceConverter.class,
            description = "Where the config lives: a file or a directory of YAML files, or a Git repository URL"
                    + " (ssh://, https://, file://). Default: XDPRECON_SOURCE of /etc/xdprecon/xdprecon.env, which also"
                    + " gives --node, --pin-root, --admin, --interval, --drift and the options in XDPRECON_OPTS.")
    SourceSpec source;

    @Option(names = "--ref", defaultValue = "main", description = "Git branch or tag (default: ${DEFAULT-VALUE}).")
    String ref;

    @Option(names = {"--git-path", "--path"}, defaultValue = "flows.yaml",
            description = "Config path inside the repository, a file or a directory of YAML files (default: ${DEFAULT-VALUE}); --path is the older spelling.")
    String path;

    @Option(names = "--node", paramLabel = "NAME", converter = NodeNameConverter.class,
            description = "Which node's overrides apply (default: this host's name). A revision whose nodes do not list"
                    + " it is rejected (nothing written) unless it says 'unnamedNodes: base'.")
    String node;

    @Mixin
    DatapathOptions datapath;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/xdprecon",
            description = "Where the Git clone and the admin token live (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9477",
            converter = AdminAddressConverter.class,
            description = "Admin HTTP address (default: ${DEFAULT-VALUE}); 'off' for none.")
    AdminAddress admin;

    @Option(names = "--interval", paramLabel = "DURATION", converter = IntervalConverter.class, defaultValue = "30s",
            description = "Fetch and drift-check interval, at least 1s (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--jitter", defaultValue = "0.1", converter = JitterConverter.class,
            description = "Random spread of each interval, 0..0.9 (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--drift", defaultValue = "enforce", converter = DriftModeConverter.class,
            description = "enforce: correct drift; warn: only report it (default: ${DEFAULT-VALUE}).")
    Daemon.DriftMode drift;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE", description = "Shared secret for POST /webhook (first line).")
    Path webhookSecretFile;

    @Mixin
    GitAccessOptions gitAccess;

    @Option(names = "--allow-mass-delete", description = "Let a revision delete every config rule, or more than half.")
    boolean allowMassDelete;

    @Option(names = "--allow-disruptive", description = "Let a revision change NIC queue counts (resets the NIC) or reserve huge pages over half the memory.")
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

    @Option(names = "--json", description = "With --once: print {\"outcome\", \"converged\", \"status\"} (status as"
            + " `xdprecon status --json` shows it).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (source == null) {
            throw new UsageException("no source given: use --source file:PATH|git:URL, or set XDPRECON_SOURCE in "
                    + EnvFile.DEFAULT);
        }
        if (json && !once) {
            throw new UsageException("--json goes with --once (the daemon's status is `xdprecon status --json`)");
        }
        if (metricsTopFlows < 0 || metricsTopFlows > 1000) {
            throw new UsageException("--metrics-top-flows must be between 0 and 1000, got " + metricsTopFlows);
        }
        Optional<byte[]> secret = webhookSecretFile == null ? Optional.empty()
                : Optional.of(WebhookSecretFile.read(webhookSecretFile));
        String nodeName = node != null ? node : io.xdprecon.config.Config.defaultNode();
        BuildInfo running = BuildInfo.current();
        LOG.log(System.Logger.Level.INFO, "xdprecon " + running.version() + " (commit " + running.shortCommit() + ", built "
                + running.date() + ") starting: node " + nodeName + ", source " + source.shown()
                + ", admin " + admin.address().map(a -> a.getHostString() + ":" + a.getPort()).orElse("off")
                + ", pin root " + datapath.pinRoot);
        DaemonProcess.Options options = new DaemonProcess.Options(nodeName, datapath.pinRoot, interval, jitter, drift,
                allowMassDelete, allowDisruptive, admin.address(), secret, stateDir.resolve(ControlToken.FILE_NAME),
                metricsTopFlows, running.version(), running.commit());
        try (Source configSource = openSource()) {
            // Starts the source's prefetch and the first revision's read, which run while it makes the rest of itself.
            DaemonProcess daemon = new DaemonProcess(configSource, options);
            if (once) {
                DaemonProcess.Once done = daemon.once();
                if (json) {
                    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
                    com.fasterxml.jackson.databind.node.ObjectNode doc = mapper.createObjectNode();
                    doc.put("outcome", done.outcome().kind().label());
                    doc.put("converged", done.outcome().converged());
                    doc.set("status", mapper.readTree(StatusJson.write(done.status(), java.time.Instant.now())));
                    spec.commandLine().getOut().println(mapper.enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(doc));
                } else {
                    spec.commandLine().getOut().println(done.outcome().kind().label() + ": " + done.status().line());
                }
                spec.commandLine().getOut().flush();
                return done.outcome().converged() ? 0 : 1;
            }
            daemon.run();
            return 0;
        } catch (SourceException | SlowPathException | StartupException e) {
            throw new CliException(e.getMessage());
        }
    }

    private Source openSource() throws SourceException {
        return switch (source) {
            case SourceSpec.File file -> {
                if (gitAccess.given()) {
                    throw new ParameterException(spec.commandLine(),
                            "Git credentials and trust options need --source git:URL, not a file");
                }
                yield new FileSource(file.path());
            }
            case SourceSpec.Git git -> new GitSource(new GitSource.Settings(git.url(), ref, path, stateDir, gitAccess.auth(),
                    gitAccess.trust(), Duration.ofSeconds(30), allowNonFastForward));
        };
    }
}
