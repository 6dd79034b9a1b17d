package io.xdprecon.daemon.admin;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.xdprecon.config.Config;
import io.xdprecon.daemon.DaemonEvents;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.daemon.dpdk.DpdkLoop;
import io.xdprecon.dataplane.dpdk.Counters;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.state.DesiredState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The daemon's Prometheus metrics, fed by {@link DaemonEvents}. Holds a {@link PrometheusRegistry} of its own
 * (never the JVM-wide default one), so two daemons in one test JVM do not collide.
 *
 * <p>Two kinds of series:
 * <ul>
 *   <li>Event-driven, updated in {@link #reconciled}: {@code xdprecon_reconcile_duration_seconds} (histogram)
 *       and {@code xdprecon_reconciles_total{outcome}} ({@link ReconcileOutcome.Kind} names in lower case, every
 *       outcome present from the start at 0 so {@code rate()} and alerts see the series before the first
 *       failure); {@code xdprecon_revisions_rejected_total{reason}} ({@link ReconcileOutcome.Refusal}) of the
 *       {@code rejected} ones.</li>
 *   <li>Status-driven, computed at scrape time from the latest {@link DaemonStatus} passed to
 *       {@link #reconciled} or {@link #ready}: {@code xdprecon_revision_info{kind="applied"|"attempted",revision}}
 *       = 1 (at most one series per kind; a new revision replaces the old series rather than leaving it
 *       behind), {@code xdprecon_rules{owner}}, {@code xdprecon_rules_capacity},
 *       {@code xdprecon_rules_fill_ratio} (all rules / capacity, absent when there is no datapath),
 *       {@code xdprecon_drift_corrections_total}, {@code xdprecon_suspended} (0/1), {@code xdprecon_suspended_by{by}},
 *       {@code xdprecon_last_reconcile_timestamp_seconds} (Unix time) and
 *       {@code xdprecon_datapath_packets_total{counter}}. Before the first status they are absent.</li>
 * </ul>
 *
 * <p><b>Datapath counters: read at scrape when possible.</b> With {@link #DaemonMetrics(Supplier)} the
 * counters are read from the live datapath at every scrape (one small per-CPU array lookup), so
 * {@code rate(xdprecon_datapath_packets_total[1m])} is as fine-grained as the scrape interval rather than the
 * reconcile interval (a git poll of a minute or more would make every rate a staircase). Without a supplier the
 * counters of the latest {@link DaemonStatus#datapathCounters()} are exposed. When the supplier fails (the
 * datapath mid-reload) that scrape has no datapath series: falling back to the older snapshot would make the
 * counters go backwards, which Prometheus reads as a reset and turns into a false spike in {@code rate()}.
 */
public final class DaemonMetrics implements DaemonEvents {
    private static final System.Logger LOG = System.getLogger("xdprecon.daemon");

    /** Reconcile duration buckets: a no-op reconcile takes milliseconds, a full 512 Ki-rule map seconds. */
    static final double[] DURATION_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    /** A scrape waits for the JVM's series while they are being registered ({@link #DaemonMetrics(DatapathSampler)}). */
    private final PrometheusRegistry registry = new PrometheusRegistry() {
        @Override
        public MetricSnapshots scrape() {
            awaitJvmMetrics();
            return super.scrape();
        }

        @Override
        public MetricSnapshots scrape(PrometheusScrapeRequest request) {
            awaitJvmMetrics();
            return super.scrape(request);
        }

        @Override
        public MetricSnapshots scrape(Predicate<String> names) {
            awaitJvmMetrics();
            return super.scrape(names);
        }

        @Override
        public MetricSnapshots scrape(Predicate<String> names, PrometheusScrapeRequest request) {
            awaitJvmMetrics();
            return super.scrape(names, request);
        }
    };
    /** Done once the JVM's and the process's series are in {@link #registry}, or failed to be. */
    private final CompletableFuture<Void> jvmMetrics = new CompletableFuture<>();
    /** Whether their registration has begun: at the first scrape. */
    private final AtomicBoolean jvmMetricsStarted = new AtomicBoolean();
    private final AtomicBoolean jvmMetricsFailureLogged = new AtomicBoolean();
    private final AtomicReference<DaemonStatus> latest = new AtomicReference<>();
    private final Supplier<DatapathSampler.Sample> live;
    private final Histogram duration;
    private final Counter reconciles;
    /** The revision validated and being planned, promoted to the sampler once it is live. */
    private final AtomicReference<DesiredState> candidate = new AtomicReference<>();
    private final DatapathSampler sampler;
    private volatile Convergence convergence = Convergence.UNKNOWN;
    private final Counter rejections;

    /**
     * Whether the node holds what it should, as the last reconcile that could tell left it.
     *
     * @param converged the node holds the applied revision, which is the newest valid one, with no drift left
     * @param since     the end of the last reconcile that found the node converged
     * @param why       what the last reconcile that did not converge ended with
     */
    record Convergence(boolean converged, Optional<Instant> since, String why) {
        static final Convergence UNKNOWN = new Convergence(false, Optional.empty(), "no reconcile yet");
    }

    /** Metrics whose datapath counters come from the latest {@link DaemonStatus}; no JVM metrics (tests). */
    public DaemonMetrics() {
        this(null, null);
    }

    /** Metrics of a running daemon: its datapath read at every scrape through {@code sampler}, JVM and process. */
    public DaemonMetrics(DatapathSampler sampler) {
        this(sampler, sampler::sample, true);
    }

    /**
     * @param live reads the datapath at each scrape; {@code null} to use the latest status's counters. If it
     *             throws, that scrape has no datapath series.
     */
    DaemonMetrics(DatapathSampler sampler, Supplier<DatapathSampler.Sample> live) {
        this(sampler, live, false);
    }

    /**
     * @param jvm whether the JVM's and the process's series are registered too: at the first scrape, which waits for
     *            them. They start the JVM's management (JMX and its platform beans, ~300 classes), ~0.4 s of CPU: at
     *            the daemon's start that CPU was taken from a cold start (on 2 cores the other one is the JIT's), and
     *            at the first reconcile's end from the edit after it. A daemon nobody scrapes never pays it.
     */
    private DaemonMetrics(DatapathSampler sampler, Supplier<DatapathSampler.Sample> live, boolean jvm) {
        this.sampler = sampler;
        this.live = live;
        if (!jvm) {
            jvmMetricsStarted.set(true);
            jvmMetrics.complete(null);
        }
        duration = Histogram.builder().name("xdprecon_reconcile_duration_seconds")
                .help("Time one reconcile took: read source, plan, apply").unit(Unit.SECONDS)
                .classicOnly().classicUpperBounds(DURATION_BUCKETS).register(registry);
        reconciles = Counter.builder().name("xdprecon_reconciles_total")
                .help("Reconciles by how they ended").labelNames("outcome").register(registry);
        for (ReconcileOutcome.Kind kind : ReconcileOutcome.Kind.values()) {
            reconciles.labelValues(kind.label());
        }
        rejections = Counter.builder().name("xdprecon_revisions_rejected_total")
                .help("Reconciles that ended with the newest revision rejected, by why: invalid, untrusted, rollback,"
                        + " non_fast_forward, plan_refused").labelNames("reason").register(registry);
        for (ReconcileOutcome.Refusal refusal : ReconcileOutcome.Refusal.values()) {
            rejections.labelValues(refusal.label());
        }
        // An info metric, built at scrape from the latest status: at most one series per kind, so a new
        // revision replaces the old series instead of leaving a stale one behind (a stateful gauge would).
        registry.register(() -> {
            InfoSnapshot.Builder info = InfoSnapshot.builder().name("xdprecon_revision")
                    .help("The applied and the last attempted source revision (value is always 1)");
            status().ifPresent(s -> {
                s.lastAppliedRevision().ifPresent(r -> info.dataPoint(revision("applied", r)));
                s.lastAttemptedRevision().ifPresent(r -> info.dataPoint(revision("attempted", r)));
            });
            return info.build();
        });
        GaugeWithCallback.builder().name("xdprecon_rules").help("Live rules in the datapath by owner")
                .labelNames("owner").callback(cb -> status().ifPresent(
                        s -> s.rulesByOwner().forEach((owner, n) -> cb.call(n, owner)))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_rules_capacity").help("Maximum entries of the rules map")
                .callback(cb -> status().ifPresent(s -> cb.call(s.rulesCapacity()))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_rules_fill_ratio")
                .help("Live rules of all owners divided by the rules map capacity (0..1)")
                .callback(cb -> status().filter(s -> s.rulesCapacity() > 0).ifPresent(s -> cb.call(fillRatio(s))))
                .register(registry);
        CounterWithCallback.builder().name("xdprecon_drift_corrections_total")
                .help("Times live state had drifted from the applied revision and was corrected")
                .callback(cb -> status().ifPresent(s -> cb.call(s.driftCorrections()))).register(registry);
        CounterWithCallback.builder().name("xdprecon_datapath_packets")
                .help("Packets the XDP program saw, by what the fast path made of them; each packet in exactly one"
                        + " result, so sum() is every packet").labelNames("result")
                .callback(cb -> datapathCounters().forEach((stat, n) -> result(stat).ifPresent(r -> cb.call(n, r))))
                .register(registry);
        CounterWithCallback.builder().name("xdprecon_datapath_actions")
                .help("Packets by what the XDP program did with them; each packet in exactly one action, so sum() is"
                        + " every packet").labelNames("action")
                .callback(cb -> datapathCounters().forEach((stat, n) -> action(stat).ifPresent(a -> cb.call(n, a))))
                .register(registry);
        CounterWithCallback.builder().name("xdprecon_datapath_passed")
                .help("Packets passed to the kernel for one of these reasons (a part of actions{action=\"pass\"}):"
                        + " fib = a rewritten hit the FIB left to the kernel (no neighbour, MTU, no route),"
                        + " no_socket = toward a local IP with no AF_XDP socket on the queue").labelNames("reason")
                .callback(cb -> {
                    Map<Stat, Long> c = datapathCounters();
                    if (!c.isEmpty()) {
                        cb.call(c.getOrDefault(Stat.FIB_PASS, 0L), "fib");
                        cb.call(c.getOrDefault(Stat.AFXDP_FALLBACK, 0L), "no_socket");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("xdprecon_interface_xdp")
                .help("1 when the datapath's program runs on the interface (attached in this mode), 0 when another"
                        + " or none does (mode none): one series per interface of the applied revision")
                .labelNames("interface", "mode")
                .callback(cb -> sample().ifPresent(s -> s.interfaces().forEach(
                        i -> cb.call(i.running() ? 1 : 0, i.name(), i.mode()))))
                .register(registry);
        CounterWithCallback.builder().name("xdprecon_flow_packets")
                .help("Packets a config flow's leg carried, for the flows with the most packets since the previous"
                        + " scrape (at most --metrics-top-flows series)").labelNames("flow", "direction")
                .callback(cb -> sample().ifPresent(s -> s.topFlows().forEach(
                        f -> cb.call(f.packets(), f.flow(), f.direction()))))
                .register(registry);
        CounterWithCallback.builder().name("xdprecon_flow_bytes")
                .help("Ethernet bytes of the same flows as xdprecon_flow_packets_total").labelNames("flow", "direction")
                .callback(cb -> sample().ifPresent(s -> s.topFlows().forEach(
                        f -> cb.call(f.bytes(), f.flow(), f.direction()))))
                .register(registry);
        GaugeWithCallback.builder().name("xdprecon_converged")
                .help("1 when the node holds the applied revision, the newest valid one, with no drift left (the"
                        + " last reconcile that could tell said so); 0 otherwise")
                .callback(cb -> status().ifPresent(s -> cb.call(convergence.converged() ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_last_converged_timestamp_seconds")
                .help("Unix time of the last reconcile that found the node converged (applied, or nothing to apply):"
                        + " time() minus this is the time since the last successful apply")
                .callback(cb -> convergence.since().ifPresent(t -> cb.call(seconds(t)))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_revision_rejected")
                .help("1 while the newest revision of the source is rejected (invalid, untrusted, plan refused) and"
                        + " an older one stays applied")
                .callback(cb -> status().ifPresent(s -> cb.call(rejected(s) ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_suspended")
                .help("1 while reconciling is suspended, by the operator or by the config (see xdprecon_suspended_by)")
                .callback(cb -> status().ifPresent(s -> cb.call(s.suspended() ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_suspended_by")
                .help("1 while this holds writes back: by=\"operator\" (xdprecon suspend; xdprecon resume ends it),"
                        + " by=\"config\" (suspend: true in the newest valid revision; a revision without it ends it)")
                .labelNames("by").callback(cb -> status().ifPresent(s -> {
                    cb.call(s.suspension().byOperator() ? 1 : 0, "operator");
                    cb.call(s.suspension().byConfig().isPresent() ? 1 : 0, "config");
                })).register(registry);
        GaugeWithCallback.builder().name("xdprecon_last_reconcile_timestamp_seconds")
                .help("Unix time the last reconcile finished")
                .callback(cb -> status().flatMap(DaemonStatus::lastReconcile)
                        .ifPresent(t -> cb.call(seconds(t))))
                .register(registry);
    }

    /** {@code xdprecon_build_info{version,commit}} = 1: which build a node runs. */
    public void buildInfo(String version, String commit) {
        registry.register(() -> InfoSnapshot.builder().name("xdprecon_build").help("The running build (value is always 1)")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("version", version, "commit", commit)).build())
                .build());
    }

    /**
     * Adds the DPDK session loop's series, read at scrape from {@code stats} (no series while it is empty): the
     * gauges {@code xdprecon_sessions}, {@code xdprecon_sessions_slow_path} (sessions whose rules the map refused)
     * and {@code xdprecon_sessions_draining}; per service {@code xdprecon_session_ports_used{service}} of
     * {@code xdprecon_session_ports{service}}; and one series per counter of {@link DpdkLoop.Stats#COUNTERS}, as the
     * counter says ({@link Counters.Name#shown()}): a fate is a {@code reason} of
     * {@code xdprecon_slow_path_packets_total} — every packet DPDK received is in exactly one —, a metric is a
     * counter of its own (e.g. {@code xdprecon_session_setups_total}).
     */
    public void sessions(Supplier<Optional<DpdkLoop.Stats>> stats) {
        GaugeWithCallback.builder().name("xdprecon_sessions").help("Live sessions of the DPDK loop")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.table().sessions()))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_sessions_slow_path")
                .help("Sessions forwarded by DPDK because the rules map refused their rules")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.table().slowPathSessions()))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_sessions_draining")
                .help("Sessions on a backend removed from the config, kept until idle (onBackendRemoval: drain)")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.table().draining()))).register(registry);
        CounterWithCallback.builder().name("xdprecon_slow_path_packets")
                .help("Packets the DPDK slow path received, by what became of them").labelNames("reason")
                .callback(cb -> stats.get().ifPresent(s -> s.forEach((counter, n) -> {
                    if (counter.shown() instanceof Counters.Shown.Fate fate) {
                        cb.call(n, fate.reason());
                    }
                }))).register(registry);
        for (Counters.Name counter : DpdkLoop.Stats.COUNTERS) {
            if (counter.shown() instanceof Counters.Shown.Metric metric) {
                CounterWithCallback.builder().name(metric.name()).help(counter.help())
                        .callback(cb -> stats.get().ifPresent(s -> cb.call(s.get(counter)))).register(registry);
            }
        }
        // Caffeine's own statistics of the session table (recordStats): lookups by key and what its size bound evicted
        CounterWithCallback.builder().name("xdprecon_session_table_lookups")
                .help("Lookups of the session table by (service, client) key: rebinds, adoption, /sessions; by result")
                .labelNames("result").callback(cb -> stats.get().ifPresent(s -> {
                    cb.call(s.table().cache().hitCount(), "hit");
                    cb.call(s.table().cache().missCount(), "miss");
                })).register(registry);
        CounterWithCallback.builder().name("xdprecon_session_table_removals")
                .help("Sessions Caffeine evicted from the table by its size bound (idle expiry: xdprecon_session_expiries)")
                .callback(cb -> stats.get().ifPresent(s -> cb.call(s.table().cache().evictionCount()))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_session_ports_used").help("Egress ports in use, by service")
                .labelNames("service").callback(cb -> stats.get().ifPresent(
                        s -> s.pools().forEach((service, p) -> cb.call(p.used(), service)))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_session_ports").help("Egress ports of the pool, by service")
                .labelNames("service").callback(cb -> stats.get().ifPresent(
                        s -> s.pools().forEach((service, p) -> cb.call(p.capacity(), service)))).register(registry);
    }

    /** The registry to scrape; it holds only these metrics. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Whether the JVM's series are registered or being registered. */
    boolean jvmMetricsStarted() {
        return jvmMetricsStarted.get();
    }

    /** Registers the JVM's and the process's series on a thread of their own, once: concurrent first scrapes wait for one. */
    private void startJvmMetrics() {
        if (jvmMetricsStarted.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("xdprecon-jvm-metrics").start(() -> {
                try {
                    JvmMetrics.builder().register(registry);
                    jvmMetrics.complete(null);
                } catch (RuntimeException | Error e) {
                    jvmMetrics.completeExceptionally(e);
                }
            });
        }
    }

    /** Waits until the JVM's series are registered (begun now if not yet); if that failed, says so once and serves the others. */
    private void awaitJvmMetrics() {
        startJvmMetrics();
        try {
            jvmMetrics.join();
        } catch (CompletionException | CancellationException e) {
            if (jvmMetricsFailureLogged.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "no JVM metrics: " + e.getCause());
            }
        }
    }

    /** The latest status received, empty before the first {@link #reconciled} or {@link #ready}. */
    public Optional<DaemonStatus> status() {
        return Optional.ofNullable(latest.get());
    }

    @Override
    public void reconciled(ReconcileOutcome outcome, Duration took, DaemonStatus status) {
        duration.observe(took.toNanos() / 1e9);
        reconciles.labelValues(outcome.kind().label()).inc();
        convergence = converge(convergence, outcome, status);
        if (outcome instanceof ReconcileOutcome.Rejected rejected) {
            rejections.labelValues(rejected.refusal().label()).inc();
        }
        latest.set(status);
    }

    @Override
    public void accepted(Config config, DesiredState desired) {
        candidate.set(desired);
    }

    @Override
    public void applied(Config config) {
        DesiredState live = candidate.getAndSet(null);
        if (live != null && sampler != null) {
            sampler.applied(live);
        }
    }

    /**
     * Why the daemon is not ready ({@code /readyz} answers 503 with it), empty when it is: a revision is applied,
     * the newest one is not rejected, and the last reconcile left the node converged.
     */
    public Optional<String> notReady() {
        Optional<DaemonStatus> s = status();
        if (s.isEmpty()) {
            return Optional.of("no reconcile yet");
        }
        String error = s.get().lastError().map(e -> ": " + e.lines().findFirst().orElse(e)).orElse("");
        if (s.get().lastAppliedRevision().isEmpty()) {
            return Optional.of("no revision applied yet" + error);
        }
        if (rejected(s.get())) {
            return Optional.of("revision " + s.get().lastAttemptedRevision().orElseThrow() + " rejected" + error);
        }
        if (!convergence.converged()) {
            return Optional.of("not converged: " + convergence.why() + error);
        }
        return Optional.empty();
    }

    /** The convergence after a reconcile: a failing source tells nothing new, so the previous answer stays. */
    static Convergence converge(Convergence before, ReconcileOutcome outcome, DaemonStatus status) {
        Optional<Instant> at = status.lastReconcile();
        return switch (outcome) {
            case ReconcileOutcome.Applied a -> new Convergence(true, at, "");
            case ReconcileOutcome.Unchanged u -> new Convergence(true, at, "");
            case ReconcileOutcome.Suspended s -> new Convergence(false, before.since(), "suspended with changes pending: "
                    + s.pending());
            // a held revision (its plan refused) is the goal and the node does not hold it
            case ReconcileOutcome.Rejected r when r.refusal() == ReconcileOutcome.Refusal.PLAN_REFUSED ->
                    new Convergence(false, before.since(), "the plan of revision " + r.revision() + " is refused");
            // the last good revision was enforced (a failed enforcement reports an apply failure instead)
            case ReconcileOutcome.Rejected r -> status.lastAppliedRevision().isPresent()
                    ? new Convergence(true, at, "")
                    : new Convergence(false, before.since(), "no valid revision yet");
            case ReconcileOutcome.SourceFailed f -> before;
            case ReconcileOutcome.DriftReported d -> new Convergence(false, before.since(),
                    "drift reported, not corrected (drift: warn): " + d.summary());
            case ReconcileOutcome.ApplyFailed f -> new Convergence(false, before.since(), "apply failed");
            case ReconcileOutcome.Deferred d -> new Convergence(false, before.since(), "apply deferred: another writer"
                    + " moved the node while it was planned");
        };
    }

    /** The newest revision tried is not the applied one and was refused. */
    static boolean rejected(DaemonStatus s) {
        return s.lastAttemptedRevision().isPresent() && !s.lastAttemptedRevision().equals(s.lastAppliedRevision())
                && s.lastError().isPresent();
    }

    @Override
    public void ready(DaemonStatus status) {
        latest.set(status);
    }

    private static InfoSnapshot.InfoDataPointSnapshot revision(String kind, String revision) {
        return InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("kind", kind, "revision", revision))
                .build();
    }

    static double fillRatio(DaemonStatus s) {
        long all = s.rulesByOwner().values().stream().mapToLong(Long::longValue).sum();
        return s.rulesCapacity() > 0 ? (double) all / s.rulesCapacity() : 0;
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    /** This scrape's sample of the live datapath; empty without one, or when reading it failed. */
    private Optional<DatapathSampler.Sample> sample() {
        if (live == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(live.get());
        } catch (RuntimeException e) {
            return Optional.empty(); // a gap, never a counter going backwards
        }
    }

    private Map<Stat, Long> datapathCounters() {
        if (live != null) {
            return sample().map(DatapathSampler.Sample::counters).orElse(Map.of());
        }
        Map<Stat, Long> counters = new EnumMap<>(Stat.class);
        status().map(DaemonStatus::datapathCounters).orElse(Map.of()).forEach((name, n) -> {
            for (Stat stat : Stat.values()) {
                if (stat.name().toLowerCase(Locale.ROOT).equals(name)) {
                    counters.put(stat, n);
                }
            }
        });
        return counters;
    }

    /**
     * The {@code result} of a counter that classifies packets: hit, miss, slow_path, ttl_expired, not_ipv4 and
     * malformed partition every packet (a hit with a bad IPv4 checksum counts as malformed, one with TTL ≤ 1 as
     * ttl_expired).
     */
    static Optional<String> result(Stat stat) {
        return switch (stat) {
            case REWRITE_HIT -> Optional.of("hit");
            case REWRITE_MISS -> Optional.of("miss");
            case SLOW_PATH -> Optional.of("slow_path");
            case TTL_EXPIRED -> Optional.of("ttl_expired");
            case NOT_IPV4 -> Optional.of("not_ipv4");
            case MALFORMED -> Optional.of("malformed");
            case FIB_DROP, HAIRPIN_TX, REDIRECT_OUT, AFXDP_REDIRECT, PASS_TO_KERNEL, AFXDP_FALLBACK, FIB_PASS ->
                    Optional.empty();
        };
    }

    /** The {@code action} of a counter that counts verdicts: tx, redirect, drop, af_xdp and pass partition every packet. */
    static Optional<String> action(Stat stat) {
        return switch (stat) {
            case HAIRPIN_TX -> Optional.of("tx");
            case REDIRECT_OUT -> Optional.of("redirect");
            case FIB_DROP -> Optional.of("drop");
            case AFXDP_REDIRECT -> Optional.of("af_xdp");
            case PASS_TO_KERNEL -> Optional.of("pass");
            case REWRITE_HIT, REWRITE_MISS, SLOW_PATH, TTL_EXPIRED, NOT_IPV4, MALFORMED, AFXDP_FALLBACK, FIB_PASS ->
                    Optional.empty();
        };
    }
}
