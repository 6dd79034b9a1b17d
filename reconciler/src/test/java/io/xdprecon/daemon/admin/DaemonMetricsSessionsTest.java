package io.xdprecon.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.xdprecon.daemon.dpdk.DpdkLoop;
import io.xdprecon.dataplane.dpdk.Counters;
import io.xdprecon.dataplane.dpdk.SlowPathLoop;
import io.xdprecon.sessions.SessionTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The DPDK loop's series come from its named counters: each counter shows where its {@link Counters.Shown} says,
 * with its own value, and nothing else is listed by hand.
 */
class DaemonMetricsSessionsTest {

    /** Every counter a value of its own (position + 1), so a series showing the wrong counter is caught. */
    static <E extends Enum<E> & Counters.Name> Counters.Values<E> distinct(Class<E> names, int base) {
        Counters<E> counters = Counters.of(names);
        for (E c : names.getEnumConstants()) {
            counters.add(c, base + c.ordinal() + 1);
        }
        return counters.values();
    }

    static DpdkLoop.Stats stats() {
        return new DpdkLoop.Stats(distinct(SlowPathLoop.Counter.class, 100), distinct(DpdkLoop.Counter.class, 200),
                new SessionTable.Stats(7, 2, 3, distinct(SessionTable.Counter.class, 300),
                        com.github.benmanes.caffeine.cache.stats.CacheStats.empty()),
                Map.of("relay", new DpdkLoop.PoolUse(5, 200)), Map.of());
    }

    static PromText scrape(DaemonMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return PromText.parse(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyCounterShowsWhereItsNameSaysWithItsOwnValue() throws IOException {
        DpdkLoop.Stats stats = stats();
        DaemonMetrics metrics = new DaemonMetrics();
        metrics.sessions(() -> Optional.of(stats));
        PromText scrape = scrape(metrics);

        Set<String> reasons = new HashSet<>();
        int metricsSeen = 0;
        for (Counters.Name counter : DpdkLoop.Stats.COUNTERS) {
            double value = stats.get(counter);
            switch (counter.shown()) {
                case Counters.Shown.Fate fate -> {
                    assertTrue(reasons.add(fate.reason()), "one reason per fate: " + fate.reason());
                    assertEquals(Optional.of(value), scrape.value("xdprecon_slow_path_packets_total", "reason", fate.reason()),
                            counter.name());
                }
                case Counters.Shown.Metric metric -> {
                    assertEquals(Optional.of(value), scrape.value(metric.name() + "_total"), counter.name());
                    metricsSeen++;
                }
                case Counters.Shown.Detail detail -> { }
            }
        }
        assertEquals(reasons.size(), scrape.find("xdprecon_slow_path_packets_total").size(), "no reason but the fates");
        assertTrue(reasons.containsAll(List.of("forwarded", "malformed", "ttl_expired", "unmatched", "pool_exhausted",
                "no_backend", "no_neighbour", "other_interface", "tx_full", "options_or_fragment", "other_protocol",
                "icmp_echo_dropped")), "the reasons the README lists: " + reasons);
        assertEquals(8, metricsSeen, "setups, expiries, evictions, rules refused, spills, rebinds, backend moves, echo answered");
        assertEquals(Optional.of(7.0), scrape.value("xdprecon_sessions"));
        assertEquals(Optional.of(2.0), scrape.value("xdprecon_sessions_slow_path"));
        assertEquals(Optional.of(3.0), scrape.value("xdprecon_sessions_draining"));
        assertEquals(Optional.of(5.0), scrape.value("xdprecon_session_ports_used", "service", "relay"));
        assertEquals(Optional.of(200.0), scrape.value("xdprecon_session_ports", "service", "relay"));
        assertEquals(Optional.of((double) stats.get(SessionTable.Counter.CREATED)), scrape.value("xdprecon_session_setups_total"));
    }

    @Test
    void noSeriesWhileTheLoopHasNoStats() throws IOException {
        DaemonMetrics metrics = new DaemonMetrics();
        metrics.sessions(Optional::empty);
        PromText scrape = scrape(metrics);
        assertTrue(scrape.find("xdprecon_slow_path_packets_total").isEmpty());
        assertTrue(scrape.find("xdprecon_session_setups_total").isEmpty());
        assertTrue(scrape.find("xdprecon_sessions").isEmpty());
    }
}
