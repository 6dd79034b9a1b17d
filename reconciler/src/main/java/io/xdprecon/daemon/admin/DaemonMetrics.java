package io.xdprecon.daemon.admin;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import io.xdprecon.daemon.DaemonEvents;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.daemon.dpdk.DpdkLoop;
import io.xdprecon.dataplane.dpdk.Counters;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
 *       failure).</li>
 *   <li>Status-driven, computed at scrape time from the latest {@link DaemonStatus} passed to
 *       {@link #reconciled} or {@link #ready}: {@code xdprecon_revision_info{kind="applied"|"attempted",revision}}
 *       = 1 (at most one series per kind; a new revision replaces the old series rather than leaving it
 *       behind), {@code xdprecon_rules{owner}}, {@code xdprecon_rules_capacity},
 *       {@code xdprecon_rules_fill_ratio} (all rules / capacity, absent when there is no datapath),
 *       {@code xdprecon_drift_corrections_total}, {@code xdprecon_suspended} (0/1),
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

    /** Reconcile duration buckets: a no-op reconcile takes milliseconds, a full 512 Ki-rule map seconds. */
    static final double[] DURATION_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicReference<DaemonStatus> latest = new AtomicReference<>();
    private final Supplier<Map<String, Long>> liveCounters;
    private final Histogram duration;
    private final Counter reconciles;

    /** Metrics whose datapath counters come from the latest {@link DaemonStatus}. */
    public DaemonMetrics() {
        this(null);
    }

    /**
     * @param liveCounters reads the datapath counters (summed over CPUs, lower-case stat name → value) at
     *                     each scrape; {@code null} to use the latest status's counters. If it throws or
     *                     returns null, that scrape has no datapath series.
     */
    public DaemonMetrics(Supplier<Map<String, Long>> liveCounters) {
        this.liveCounters = liveCounters;
        duration = Histogram.builder().name("xdprecon_reconcile_duration_seconds")
                .help("Time one reconcile took: read source, plan, apply").unit(Unit.SECONDS)
                .classicOnly().classicUpperBounds(DURATION_BUCKETS).register(registry);
        reconciles = Counter.builder().name("xdprecon_reconciles_total")
                .help("Reconciles by how they ended").labelNames("outcome").register(registry);
        for (ReconcileOutcome.Kind kind : ReconcileOutcome.Kind.values()) {
            reconciles.labelValues(kind.label());
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
        CounterWithCallback.builder().name("xdprecon_datapath_packets_total")
                .help("XDP datapath counters summed over CPUs, by counter").labelNames("counter")
                .callback(cb -> datapathCounters().forEach((name, n) -> cb.call(n, name))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_suspended")
                .help("1 while reconciling is suspended (xdprecon resume / POST /resume ends it)")
                .callback(cb -> status().ifPresent(s -> cb.call(s.suspended() ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("xdprecon_last_reconcile_timestamp_seconds")
                .help("Unix time the last reconcile finished")
                .callback(cb -> status().flatMap(DaemonStatus::lastReconcile)
                        .ifPresent(t -> cb.call(t.getEpochSecond() + t.getNano() / 1e9)))
                .register(registry);
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

    /** The latest status received, empty before the first {@link #reconciled} or {@link #ready}. */
    public Optional<DaemonStatus> status() {
        return Optional.ofNullable(latest.get());
    }

    @Override
    public void reconciled(ReconcileOutcome outcome, Duration took, DaemonStatus status) {
        duration.observe(took.toNanos() / 1e9);
        reconciles.labelValues(outcome.kind().label()).inc();
        latest.set(status);
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

    private Map<String, Long> datapathCounters() {
        if (liveCounters != null) {
            try {
                Map<String, Long> live = liveCounters.get();
                return live == null ? Map.of() : live;
            } catch (RuntimeException e) {
                return Map.of(); // a gap, never a counter going backwards
            }
        }
        return status().map(DaemonStatus::datapathCounters).orElse(Map.of());
    }
}
