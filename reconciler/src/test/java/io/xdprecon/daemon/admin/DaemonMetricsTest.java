package io.xdprecon.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.dataplane.maps.Stat;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonMetricsTest {
    private static final Instant T1 = Instant.parse("2026-01-02T03:04:05Z");
    private static final Instant T2 = T1.plusSeconds(30);

    private static final ReconcileOutcome APPLIED = new ReconcileOutcome.Applied(Optional.of("a"), "Plan: 1 to add", false);
    private static final ReconcileOutcome SOURCE_FAILED = new ReconcileOutcome.SourceFailed("unreachable");
    private static final ReconcileOutcome APPLY_FAILED = new ReconcileOutcome.ApplyFailed("EPERM");
    private static final ReconcileOutcome DRIFT_REPORTED = new ReconcileOutcome.DriftReported("Plan: 1 to change");
    private static final ReconcileOutcome REJECTED = new ReconcileOutcome.Rejected("bad", ReconcileOutcome.Refusal.INVALID, "invalid");

    private static PromText scrape(DaemonMetrics metrics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return PromText.parse(out.toString());
    }

    private static DaemonStatus status(Instant at, String applied, String attempted, boolean suspended) {
        return new DaemonStatus("edge-1", "file x", Optional.ofNullable(attempted), Optional.ofNullable(applied),
                attempted != null && !attempted.equals(applied) ? Optional.of("flows[0].client: bad") : Optional.empty(),
                Optional.of(at), new DaemonStatus.Suspension(suspended, Optional.empty()), 1, 0, Map.of(), 0, Map.of());
    }

    /**
     * The JVM's series are registered on a thread of their own (they start JMX: CPU a cold start's first reconcile
     * should not wait for); a scrape at once still has them all, and the same names as a registration done before.
     */
    @Test
    void aScrapeRightAfterTheStartHasTheJvmAndProcessSeries(@TempDir Path pins) {
        DaemonMetrics metrics = new DaemonMetrics(new DatapathSampler(pins, 0));
        Set<String> names = metrics.registry().scrape().stream().map(s -> s.getMetadata().getPrometheusName())
                .collect(Collectors.toSet());
        PrometheusRegistry inline = new PrometheusRegistry();
        JvmMetrics.builder().register(inline);
        Set<String> jvm = inline.scrape().stream().map(s -> s.getMetadata().getPrometheusName()).collect(Collectors.toSet());
        assertTrue(jvm.stream().anyMatch(n -> n.startsWith("jvm_")) && jvm.stream().anyMatch(n -> n.startsWith("process_")), jvm::toString);
        assertTrue(names.containsAll(jvm), () -> "missing at the first scrape: " + jvm.stream().filter(n -> !names.contains(n)).toList());
        assertTrue(names.contains("xdprecon_reconciles"), names::toString);
    }

    /**
     * The JVM's series (JMX, ~0.4 s of CPU and ~300 classes) wait for the first scrape: neither a daemon's start nor a
     * reconcile's end starts them, so a cold start and the edit after it do not share the CPU with them (on 2 cores),
     * and a daemon that nobody scrapes ({@code --admin off}) never pays for them.
     */
    @Test
    void theJvmSeriesAreRegisteredAtTheFirstScrapeNotAtAReconcile(@TempDir Path pins) throws Exception {
        DaemonMetrics metrics = new DaemonMetrics(new DatapathSampler(pins, 0));
        assertFalse(metrics.jvmMetricsStarted(), "the JVM's series are being registered before any scrape");
        metrics.reconciled(APPLIED, Duration.ZERO, status(T1, "a", "a", false));
        assertFalse(metrics.jvmMetricsStarted(), "a reconcile's end started the JVM's series, beside the next reconcile");
        Set<String> names = metrics.registry().scrape().stream().map(s -> s.getMetadata().getPrometheusName())
                .collect(Collectors.toSet());
        assertTrue(metrics.jvmMetricsStarted(), "the first scrape did not start the JVM's series");
        assertTrue(names.stream().anyMatch(n -> n.startsWith("jvm_")), names::toString);
    }

    @Test
    void everyPacketIsInExactlyOneResultAndOneActionSoSumsDoNotDoubleCount() {
        for (Stat stat : Stat.values()) {
            long families = Stream.of(DaemonMetrics.result(stat), DaemonMetrics.action(stat)).filter(Optional::isPresent)
                    .count();
            boolean passReason = stat == Stat.FIB_PASS || stat == Stat.AFXDP_FALLBACK;
            assertEquals(passReason ? 0 : 1, families, stat + " belongs to one partition (or is a pass reason)");
        }
        assertEquals(6, Stream.of(Stat.values()).filter(s -> DaemonMetrics.result(s).isPresent()).count());
        assertEquals(5, Stream.of(Stat.values()).filter(s -> DaemonMetrics.action(s).isPresent()).count());
    }

    @Test
    void liveCountersAreSplitIntoResultsActionsAndPassReasons() throws Exception {
        Map<Stat, Long> counters = new EnumMap<>(Stat.class);
        for (Stat stat : Stat.values()) {
            counters.put(stat, 100L + stat.ordinal());
        }
        DaemonMetrics metrics = new DaemonMetrics(null, () -> new DatapathSampler.Sample(counters,
                List.of(new DatapathSampler.InterfaceXdp("pc", "native", true),
                        new DatapathSampler.InterfaceXdp("ps", "none", false)),
                List.of(new DatapathSampler.FlowTraffic("rtp-1", "forward", 42, 4200))));
        metrics.ready(status(T1, "a", "a", false));
        PromText m = scrape(metrics);
        assertEquals(Optional.of(100.0), m.value("xdprecon_datapath_packets_total", "result", "hit"));
        assertEquals(Optional.of(100.0 + Stat.MALFORMED.ordinal()), m.value("xdprecon_datapath_packets_total", "result", "malformed"));
        assertEquals(Optional.of(100.0 + Stat.HAIRPIN_TX.ordinal()), m.value("xdprecon_datapath_actions_total", "action", "tx"));
        assertEquals(Optional.of(100.0 + Stat.FIB_PASS.ordinal()), m.value("xdprecon_datapath_passed_total", "reason", "fib"));
        assertEquals(6, m.find("xdprecon_datapath_packets_total").size());
        assertEquals(5, m.find("xdprecon_datapath_actions_total").size());
        assertEquals(Optional.of(1.0), m.value("xdprecon_interface_xdp", "interface", "pc", "mode", "native"));
        assertEquals(Optional.of(0.0), m.value("xdprecon_interface_xdp", "interface", "ps", "mode", "none"));
        assertEquals(Optional.of(42.0), m.value("xdprecon_flow_packets_total", "flow", "rtp-1", "direction", "forward"));
        assertEquals(Optional.of(4200.0), m.value("xdprecon_flow_bytes_total", "flow", "rtp-1", "direction", "forward"));
    }

    @Test
    void convergedFollowsTheOutcomesAndASourceFailureKeepsTheLastAnswer() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        assertTrue(scrape(metrics).find("xdprecon_converged").isEmpty(), "no status, no answer");
        assertEquals(Optional.of("no reconcile yet"), metrics.notReady());

        metrics.reconciled(APPLIED, Duration.ZERO, status(T1, "a", "a", false));
        PromText m = scrape(metrics);
        assertEquals(Optional.of(1.0), m.value("xdprecon_converged"));
        assertEquals(Optional.of((double) T1.getEpochSecond()), m.value("xdprecon_last_converged_timestamp_seconds"));
        assertEquals(Optional.of(0.0), m.value("xdprecon_revision_rejected"));
        assertEquals(Optional.empty(), metrics.notReady());

        metrics.reconciled(SOURCE_FAILED, Duration.ZERO, status(T2, "a", "a", false));
        assertEquals(Optional.of(1.0), scrape(metrics).value("xdprecon_converged"), "a failing source tells nothing new");

        metrics.reconciled(APPLY_FAILED, Duration.ZERO, status(T2, "a", "a", false));
        m = scrape(metrics);
        assertEquals(Optional.of(0.0), m.value("xdprecon_converged"));
        assertEquals(Optional.of((double) T1.getEpochSecond()), m.value("xdprecon_last_converged_timestamp_seconds"),
                "the last time it was converged stays");
        assertTrue(metrics.notReady().orElseThrow().startsWith("not converged: apply failed"), metrics.notReady().toString());

        metrics.reconciled(DRIFT_REPORTED, Duration.ZERO, status(T2, "a", "a", false));
        assertEquals(Optional.of(0.0), scrape(metrics).value("xdprecon_converged"));

        metrics.reconciled(new ReconcileOutcome.Suspended("Plan: 1 to add"), Duration.ZERO, status(T2, "a", "a", true));
        assertEquals(Optional.of(0.0), scrape(metrics).value("xdprecon_converged"), "suspended with changes pending");
        metrics.reconciled(new ReconcileOutcome.Unchanged(Optional.empty()), Duration.ZERO, status(T2, "a", "a", false));
        assertEquals(Optional.of(1.0), scrape(metrics).value("xdprecon_converged"));
    }

    @Test
    void aRejectedRevisionLeavesTheNodeConvergedOnTheLastGoodOneButNotReady() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        metrics.reconciled(REJECTED, Duration.ZERO, status(T1, null, "bad1", false));
        assertEquals(Optional.of(0.0), scrape(metrics).value("xdprecon_converged"), "nothing valid applied yet");
        assertTrue(metrics.notReady().orElseThrow().startsWith("no revision applied yet"));

        metrics.reconciled(APPLIED, Duration.ZERO, status(T1, "good", "good", false));
        metrics.reconciled(REJECTED, Duration.ZERO, status(T2, "good", "bad2", false));
        PromText m = scrape(metrics);
        assertEquals(Optional.of(1.0), m.value("xdprecon_converged"), "the last good revision is enforced");
        assertEquals(Optional.of(1.0), m.value("xdprecon_revision_rejected"));
        assertEquals(Optional.of("revision bad2 rejected: flows[0].client: bad"), metrics.notReady());
    }

    @Test
    void buildInfoNamesVersionAndCommit() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        metrics.buildInfo("1.2.3", "abcdef012345");
        assertEquals(Optional.of(1.0), scrape(metrics).value("xdprecon_build_info", "version", "1.2.3", "commit", "abcdef012345"));
    }
}
