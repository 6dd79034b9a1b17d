package io.xdprecon.tests.bench;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.lab.Lab;
import io.xdprecon.sessions.CounterSource;
import io.xdprecon.sessions.RuleSink;
import io.xdprecon.sessions.SessionService;
import io.xdprecon.sessions.SessionTable;
import io.xdprecon.tests.dpdk.SlowPathRate;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Session setup on the real pinned rules map, and the slow path's forwarding rate beside the fast path's: N first packets of N new clients go through
 * {@link SessionTable#route} — what the DPDK loop calls for a parsed first packet — each creating a
 * session and writing both of its rules (owner SESSION) into {@code xdp_fwd_rules} before it returns.
 * Prints the setup rate and the first-packet-to-both-rules latency (HdrHistogram, every session
 * recorded) against the goals, then the rate at which 100 ms sweeps (bounded slices) expire them again.
 *
 * <p>Each round starts from an empty map and is checked: 2N session rules after setup, none after the
 * expiry sweep; round 1 warms the JIT and is not counted. Services: one per 60,000 sessions, each with
 * its own egress address and port pool (a pool holds at most 64,512 ports).
 *
 * <p>Then {@link SlowPathRate}: the same {@value #FLOWS} flows from the same socket generator through the DPDK
 * slow path (sessions without rules) and through XDP (sessions with rules), in a namespaced veth pair.
 *
 * <p>Usage: {@code SessionBench [sessions] [rounds]}; needs root, a bpffs and DPDK 22.11.
 */
public final class SessionBench {
    static final double SETUP_GOAL_PER_SECOND = 100_000;
    static final double P99_GOAL_MICROS = 200;
    static final int SESSIONS_PER_SERVICE = 60_000;
    static final int LISTEN_IFINDEX = 3;
    static final int EGRESS_IFINDEX = 4;
    static final int VIP = 0x0A000064;                 // 10.0.0.100
    static final int LISTEN_PORT = 3478;
    static final int FLOWS = 16;
    static final int SENDERS = 2;
    static final Duration WINDOW = Duration.ofSeconds(3);
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One measured round: setup and expiry wall time, the latency of every setup. */
    record Round(double setupSeconds, double setupCpuSeconds, double expirySeconds, Histogram latency) {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path pinRoot = Lab.BPFFS.resolve(Lab.PIN_PREFIX + "bench-sessions-" + ProcessHandle.current().pid());
        Files.createDirectories(pinRoot);
        List<Round> measured;
        List<SessionService> services = services(n);
        try (Datapath datapath = Datapath.load(pinRoot, 0)) {
            RulesMap rules = datapath.rules();
            if (rules.capacity() < 2 * n) {
                throw new IllegalArgumentException(n + " sessions need " + 2 * n + " rules, the map holds " + rules.capacity());
            }
            measured = new ArrayList<>();
            for (int r = 0; r <= rounds; r++) {
                Round round = round(rules, services, n);
                if (r > 0) {
                    measured.add(round);
                }
            }
        } finally {
            Datapath.unpin(pinRoot);
            Files.deleteIfExists(pinRoot);
        }
        SlowPathRate.Run slow = SlowPathRate.measure(true, FLOWS, SENDERS, WINDOW);
        SlowPathRate.Run fast = SlowPathRate.measure(false, FLOWS, SENDERS, WINDOW);
        print(n, services.size(), measured, slow, fast);
        chart(measured, slow, fast);
    }

    /**
     * {@code session-setup-latency}: first packet to both rules, by percentile over every measured setup, beside the
     * p99 goal; {@code session-pps}: the same flows forwarded by DPDK and by XDP, beside what the generator offered.
     */
    static void chart(List<Round> rounds, SlowPathRate.Run slow, SlowPathRate.Run fast) {
        Histogram all = new Histogram(Duration.ofSeconds(10).toNanos(), 3);
        rounds.forEach(r -> all.add(r.latency()));
        List<Double> percentiles = new ArrayList<>();
        List<Double> micros = new ArrayList<>();
        for (var v : all.percentiles(5)) {
            if (v.getPercentileLevelIteratedTo() < 100) {
                percentiles.add(v.getPercentileLevelIteratedTo());
                micros.add(v.getValueIteratedTo() / 1e3);
            }
        }
        ChartWriter charts = ChartWriter.fromSystemProperty();
        charts.write(new Chart.Lines("session-setup-latency", String.format(
                "First packet to both rules in the pinned map (%,d setups)", all.getTotalCount()),
                new Chart.Axis("percentile", Chart.Scale.PERCENTILE), Chart.Axis.log("µs"), List.of(
                        new Chart.Series("setup latency", percentiles, micros),
                        new Chart.Series("goal: p99 ≤ 200 µs", List.of(0.0, 99.0), List.of(P99_GOAL_MICROS, P99_GOAL_MICROS)))));
        charts.write(new Chart.Bars("session-pps", FLOWS + " flows from one socket generator, by datapath", "packets/s",
                List.of("XDP fast path (session rules)", "DPDK slow path (map full)"), List.of(
                        new Chart.Values("offered", List.of(fast.offeredPps(), slow.offeredPps())),
                        new Chart.Values("forwarded", List.of(fast.forwardedPps(), slow.forwardedPps())))));
    }

    static List<SessionService> services(int sessions) {
        List<SessionService> services = new ArrayList<>();
        List<Endpoint> backends = List.of(Endpoint.of("10.2.0.10", 7000), Endpoint.of("10.2.0.11", 7000),
                Endpoint.of("10.2.0.12", 7000), Endpoint.of("10.2.0.13", 7000));
        for (int s = 0; s * SESSIONS_PER_SERVICE < sessions; s++) {
            services.add(new SessionService("svc" + s, LISTEN_IFINDEX, VIP, LISTEN_PORT + s, EGRESS_IFINDEX,
                    0x0A020001 + s, new PortRange(1024, 65535), backends, Duration.ofSeconds(30)));
        }
        return services;
    }

    /** A fresh table (the daemon's start), N setups timed one by one, then 100 ms sweeps until every session expired. */
    static Round round(RulesMap rules, List<SessionService> services, int n) {
        SessionTable table = new SessionTable(services, RuleSink.of(rules), CounterSource.of(rules));
        Histogram latency = new Histogram(Duration.ofSeconds(10).toNanos(), 3);
        long start = System.nanoTime();
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            int service = i / SESSIONS_PER_SERVICE;
            long t0 = System.nanoTime();
            FlowKey rewrite = table.route(LISTEN_IFINDEX, client(i), VIP, 1024 + (i & 0x3fff), LISTEN_PORT + service, t0);
            latency.recordValue(System.nanoTime() - t0);
            if (rewrite == null) {
                throw new IllegalStateException("session " + i + " not created: " + table.stats());
            }
        }
        double setup = (System.nanoTime() - start) / 1e9;
        double setupCpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        SessionTable.Stats stats = table.stats();
        int sessionRules = rules.keysOwnedBy(Owner.SESSION).size();
        if (stats.get(SessionTable.Counter.CREATED) != n || stats.slowPathSessions() != 0 || sessionRules != 2 * n) {
            throw new IllegalStateException("after setup: " + sessionRules + " session rules, " + stats);
        }
        // sweeps 100 ms apart on the table's clock until every session expired: each sweep reads a bounded slice,
        // a session's first turn sees its first count (active), its first turn past the idle timeout finds it idle
        long now = System.nanoTime();
        long idle = services.getFirst().idleTimeout().toNanos();
        long t0 = System.nanoTime();
        int expired = 0;
        for (long at = now; expired < n && at - now <= 4 * idle + (long) n * 100_000_000L / SessionTable.MAX_SLICE;
                at += 100_000_000L) {
            expired += table.sweep(at);
        }
        double expiry = (System.nanoTime() - t0) / 1e9;
        if (expired != n || !rules.keysOwnedBy(Owner.SESSION).isEmpty()) {
            throw new IllegalStateException("expiry left " + rules.keysOwnedBy(Owner.SESSION).size() + " session rules");
        }
        return new Round(setup, setupCpu, expiry, latency);
    }

    /** Distinct clients: 16,384 ports per address, addresses from 10.64.0.0. */
    static int client(int i) {
        return 0x0A400000 + (i >>> 14);
    }

    static void print(int n, int services, List<Round> rounds, SlowPathRate.Run slow, SlowPathRate.Run fast) {
        double[] setup = rounds.stream().mapToDouble(Round::setupSeconds).toArray();
        double[] setupCpu = rounds.stream().mapToDouble(Round::setupCpuSeconds).toArray();
        double[] expiry = rounds.stream().mapToDouble(Round::expirySeconds).toArray();
        Histogram all = new Histogram(Duration.ofSeconds(10).toNanos(), 3);
        rounds.forEach(r -> all.add(r.latency()));
        double rate = n / RuleWriteBench.median(setup);
        double p50 = all.getValueAtPercentile(50) / 1e3;
        double p99 = all.getValueAtPercentile(99) / 1e3;
        double p999 = all.getValueAtPercentile(99.9) / 1e3;
        double max = all.getMaxValue() / 1e3;
        System.out.printf("%nSession setup into the pinned xdp_fwd_rules: %,d sessions (%d services), %d rounds after a"
                + " warm-up; rate = median round, latency over all %,d setups%n", n, services, rounds.size(), all.getTotalCount());
        System.out.printf("| %-58s | %12s | %12s | %9s |%n", "measure", "value", "goal", "vs goal");
        System.out.printf("|%s|%s|%s|%s|%n", "-".repeat(60), "-".repeat(14), "-".repeat(14), "-".repeat(11));
        System.out.printf("| %-58s | %,12.0f | %12s | %8.2fx |%n", "session setup rate, sessions/s (both rules written)",
                rate, "≥ 100,000", rate / SETUP_GOAL_PER_SECOND);
        double cpuRate = n / RuleWriteBench.median(setupCpu);
        System.out.printf("| %-58s | %,12.0f | %12s | %8.2fx |%n", "  the same per CPU-second of the loop thread (user + sys)",
                cpuRate, "≥ 100,000", cpuRate / SETUP_GOAL_PER_SECOND);
        System.out.printf("| %-58s | %12.1f | %12s | %9s |%n", "first packet → both rules installed, p50 µs", p50, "", "");
        System.out.printf("| %-58s | %12.1f | %12s | %8.2fx |%n", "first packet → both rules installed, p99 µs", p99,
                "≤ 200", p99 / P99_GOAL_MICROS);
        System.out.printf("| %-58s | %12.1f | %12s | %9s |%n", "first packet → both rules installed, p99.9 µs", p999, "", "");
        System.out.printf("| %-58s | %12.1f | %12s | %9s |%n", "first packet → both rules installed, max µs", max, "", "");
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "expiry sweep, sessions/s (both rules + counters removed)",
                n / RuleWriteBench.median(expiry), "", "");
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "slow path: DPDK forwarded, pps (" + FLOWS + " flows, no rules)",
                slow.forwardedPps(), "", String.format("%.2fx fast", slow.forwardedPps() / fast.forwardedPps()));
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "fast path: XDP forwarded (hairpin), pps (same flows)",
                fast.forwardedPps(), "", "1.00x");
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "  slow run: XDP handed to AF_XDP (DPDK's RX), pps", slow.toAfXdpPps(),
                "", "");
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "  slow run: DPDK received (RX bursts), pps", slow.receivedPps(),
                "", "");
        System.out.printf("| %-58s | %,12d | %12s | %9s |%n", "  slow run: lost in DPDK, RX ring full (imissed), packets",
                slow.rxMissed(), "", "");
        System.out.printf("| %-58s | %,12d | %12s | %9s |%n", "  slow run: lost in DPDK, TX queue full, packets", slow.txDropped(),
                "", "");
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "  generator offered, pps (slow run)", slow.offeredPps(), "", "");
        System.out.printf("| %-58s | %,12.0f | %12s | %9s |%n", "  generator offered, pps (fast run)", fast.offeredPps(), "", "");
        System.out.println("  setup s per round: " + Arrays.toString(setup) + " (thread CPU s: " + Arrays.toString(setupCpu)
                + "); expiry s: " + Arrays.toString(expiry));
        System.out.printf("  wall vs CPU: on a shared machine the loop thread got %.0f %% of a core while setting up%n",
                100 * RuleWriteBench.median(setupCpu) / RuleWriteBench.median(setup));
        System.out.printf("  pps: %d sender threads in the peer namespace, one sendto per 18-byte datagram over connected sockets,"
                + " %d s window per path; slow = sessions refused by a full map (DPDK forwards all), fast = sessions with rules%n",
                SENDERS, WINDOW.toSeconds());
    }

    private SessionBench() {}
}
