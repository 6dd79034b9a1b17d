package io.xdprecon.daemon.admin;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RuleTable;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.dataplane.maps.SlotCounters;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
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
    public static final Duration MAX_AGE = Duration.ofSeconds(1);

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
    private final RuleTable page = new RuleTable();
    private SlotCounters counters;
    private SlotCounters previousCounters;
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
            List<FlowTraffic> flows = topFlows == 0 || desired == null ? List.of() : topFlows(desired.rules(), live.rules());
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
     * that never saw a packet have no counters and are never chosen. The counters are read by slot into arrays
     * and the rules walked a page at a time, so a full map costs no object per rule; a rule becomes a candidate
     * (its key decoded, its name looked up) only when it beats the worst of the best so far. Rates are per slot:
     * a slot freed and handed to another rule between two samples counts the new rule's packets as recent.
     */
    private List<FlowTraffic> topFlows(Map<FlowKey, DesiredRule> named, RulesMap rules) {
        int slots = rules.capacity() + 1;
        if (counters == null || counters.slots() != slots) {
            counters = new SlotCounters(slots);
            previousCounters = new SlotCounters(slots);
        }
        SlotCounters now = previousCounters; // the older buffer becomes this sample's
        previousCounters = counters;
        counters = now;
        SlotCounters before = previousCounters;
        rules.readCounters(now);
        record Candidate(DesiredRule rule, long packets, long bytes, long recent) {}
        Comparator<Candidate> best = Comparator.comparingLong(Candidate::recent).thenComparingLong(Candidate::packets);
        PriorityQueue<Candidate> top = new PriorityQueue<>(topFlows + 1, best); // the worst of the best at the head
        rules.forEachPage(page, p -> {
            for (int i = 0; i < p.size(); i++) {
                int slot = p.slot(i);
                long packets = now.packets(slot);
                if (packets == 0 || p.ownerCode(i) != Owner.CONFIG.code()) {
                    continue;
                }
                long recent = packets - before.packets(slot);
                Candidate worst = top.size() < topFlows ? null : top.peek();
                if (worst != null && (recent < worst.recent() || recent == worst.recent() && packets <= worst.packets())) {
                    continue;
                }
                DesiredRule rule = named.get(p.key(i));
                if (rule == null) {
                    continue; // a config-owned rule the revision does not name: drift, no flow to label it with
                }
                top.add(new Candidate(rule, packets, now.bytes(slot), recent));
                if (top.size() > topFlows) {
                    top.poll();
                }
            }
        });
        return top.stream().sorted(best.reversed())
                .map(c -> new FlowTraffic(c.rule().flow(), c.rule().direction().name().toLowerCase(Locale.ROOT),
                        c.packets(), c.bytes()))
                .toList();
    }
}
