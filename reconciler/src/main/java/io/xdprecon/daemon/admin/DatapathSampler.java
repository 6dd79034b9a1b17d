package io.xdprecon.daemon.admin;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads the live datapath for a scrape: the per-CPU counters, which program each interface of the applied
 * revision runs, and the config flows that carried the most packets since the previous sample. One sample
 * serves every collector of a scrape (and scrapes closer than {@link #MAX_AGE}): the pinned maps are opened,
 * read in batches and closed once.
 *
 * <p>Interfaces are queried by ifindex in the calling thread's network namespace, the daemon's own when it
 * runs as a process ({@code xdprecon run}).
 */
public final class DatapathSampler {
    static final Duration MAX_AGE = Duration.ofSeconds(1);

    /** What the datapath shows now; {@code counters} empty when no datapath is pinned. */
    public record Sample(Map<Stat, Long> counters, List<InterfaceXdp> interfaces, List<FlowTraffic> topFlows) {
    }

    /**
     * @param mode    the kernel's attach mode in lower case ({@code native}, {@code generic}, {@code offload}), or
     *                {@code none}
     * @param running whether the program attached is the datapath's ({@value Datapath#PROGRAM})
     */
    public record InterfaceXdp(String name, String mode, boolean running) {
    }

    /** A config flow's leg and its counters (cumulative: Prometheus takes the rate). */
    public record FlowTraffic(String flow, String direction, long packets, long bytes) {
    }

    private final Path pinRoot;
    private final int topFlows;
    private volatile DesiredState applied;
    private Map<FlowKey, Long> previousPackets = Map.of();
    private Sample last;
    private long lastNanos;

    /** @param topFlows how many flows {@link Sample#topFlows()} holds at most; 0 reads no flow counters */
    public DatapathSampler(Path pinRoot, int topFlows) {
        if (topFlows < 0) {
            throw new IllegalArgumentException("top flows must be >= 0: " + topFlows);
        }
        this.pinRoot = pinRoot;
        this.topFlows = topFlows;
    }

    /** The revision now live: its interfaces are checked, its flows named. */
    public void applied(DesiredState desired) {
        applied = desired;
    }

    /** A sample at most {@link #MAX_AGE} old. */
    public synchronized Sample sample() {
        long now = System.nanoTime();
        if (last == null || now - lastNanos > MAX_AGE.toNanos()) {
            last = read();
            lastNanos = now;
        }
        return last;
    }

    private Sample read() {
        DesiredState desired = applied;
        List<InterfaceXdp> interfaces = desired == null ? List.of() : interfaces(desired);
        if (!Datapath.isPinned(pinRoot)) {
            return new Sample(Map.of(), interfaces, List.of());
        }
        try (Datapath live = Datapath.openPinned(pinRoot)) {
            Map<Stat, Long> counters = live.stats().read();
            List<FlowTraffic> flows = topFlows == 0 || desired == null ? List.of()
                    : topFlows(desired.rules(), live.rules().readAllCounters());
            return new Sample(counters, interfaces, flows);
        }
    }

    private static List<InterfaceXdp> interfaces(DesiredState desired) {
        List<InterfaceXdp> out = new ArrayList<>();
        new TreeMap<>(desired.datapath().attachTo()).forEach((name, ifindex) -> {
            Optional<Xdp.Attachment> attached = Xdp.query(ifindex);
            String mode = attached.map(a -> a.mode().name().toLowerCase(Locale.ROOT)).orElse("none");
            boolean running = attached.flatMap(a -> BpfProgram.describe(a.programId()))
                    .map(info -> info.name().equals(Datapath.PROGRAM)).orElse(false);
            out.add(new InterfaceXdp(name, mode, running));
        });
        return out;
    }

    /**
     * The config legs with the most packets since the previous sample (then the most packets overall): flows
     * that never saw a packet have no counters and are never chosen. Remembers this sample's packets for the next.
     */
    private List<FlowTraffic> topFlows(Map<FlowKey, DesiredRule> named, Map<FlowKey, FlowCounters> counters) {
        record Candidate(DesiredRule rule, FlowCounters counters, long recent) {}
        List<Candidate> candidates = new ArrayList<>();
        Map<FlowKey, Long> packets = new HashMap<>();
        counters.forEach((key, c) -> {
            DesiredRule rule = named.get(key);
            if (rule != null) {
                packets.put(key, c.packets());
                candidates.add(new Candidate(rule, c, c.packets() - previousPackets.getOrDefault(key, 0L)));
            }
        });
        previousPackets = packets;
        return candidates.stream()
                .sorted(Comparator.comparingLong(Candidate::recent).thenComparingLong(c -> c.counters().packets()).reversed())
                .limit(topFlows)
                .map(c -> new FlowTraffic(c.rule().flow(), c.rule().direction().name().toLowerCase(Locale.ROOT),
                        c.counters().packets(), c.counters().bytes()))
                .toList();
    }
}
