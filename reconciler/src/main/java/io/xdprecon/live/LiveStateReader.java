package io.xdprecon.live;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.layout.PinnedLayout;
import io.xdprecon.dataplane.layout.PinnedMaps;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveRules;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Reads one {@link LiveState} of this node: the pinned maps with batch lookups, the XDP program on
 * every interface the config names, and the current value of every tuning setting it names.
 * Interfaces resolve in the calling thread's network namespace.
 */
public final class LiveStateReader {
    private final Path pinRoot;
    private final Function<List<TuningSetting>, List<TuningSetting>> tuningReader;

    /**
     * @param tuningReader live values for the desired settings (those it cannot read are left out)
     */
    public LiveStateReader(Path pinRoot, Function<List<TuningSetting>, List<TuningSetting>> tuningReader) {
        this.pinRoot = pinRoot;
        this.tuningReader = tuningReader;
    }

    public Path pinRoot() {
        return pinRoot;
    }

    /** A snapshot of what {@code desired} talks about. */
    public LiveState read(DesiredState desired) {
        return read(desired.datapath().attachTo(), desired.tuning());
    }

    /** A snapshot of the maps, of the programs on {@code interfaces} (name → ifindex), and of {@code tuning}. */
    public LiveState read(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings) {
        return read(interfaces, tuningSettings, null);
    }

    /**
     * Like {@link #read(Map, List)}, but every live rule goes to {@code rules} as it is read instead of
     * into the snapshot, whose {@link LiveState#rules()} is then empty: a check over half a million rules
     * (apply's staleness check) needs no map of them, and building one costs far more than the check.
     */
    public LiveState readStreamingRules(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings,
            BiConsumer<FlowKey, FlowRule> rules) {
        return read(interfaces, tuningSettings, Objects.requireNonNull(rules, "rules"));
    }

    /** A full read of the node: its facts ({@link LiveState#rules()} empty) and its live rules packed. */
    public record WithRules(LiveState facts, LiveRules rules) {}

    /**
     * A snapshot of what {@code desired} talks about with the rules read packed as the map is walked: what a full plan
     * takes ({@code Planner.plan(desired, facts, rules)}). A map of half a million rule objects did not fit the unit's
     * heap (the CLI's plan and apply against a full map, the daemon beside an edit of every flow).
     */
    public WithRules readPacked(DesiredState desired) {
        return readPacked(desired.datapath().attachTo(), desired.tuning());
    }

    /**
     * {@link #readPacked(DesiredState)} of the programs on {@code interfaces} (name → ifindex) and of {@code tuning}:
     * what a plan talks about (apply reads the node so after a failure, to say what landed).
     */
    public WithRules readPacked(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings) {
        LiveRules.Builder walked = new LiveRules.Builder();
        LiveState facts = readStreamingRules(interfaces, tuningSettings, walked::add);
        return new WithRules(facts, walked.build());
    }

    /**
     * The node without its rules ({@link LiveState#rules()} empty): what a plan of a few keys needs besides
     * their {@link #readRules point lookups}, at a cost that does not grow with the rules map.
     */
    public LiveState readFacts(DesiredState desired) {
        return read(desired.datapath().attachTo(), desired.tuning(), (key, rule) -> { }, false);
    }

    /** The live rule at each of {@code keys} that has one, by point lookups; empty without a datapath. */
    public Map<FlowKey, FlowRule> readRules(Collection<FlowKey> keys) {
        return lookUp(keys, (live, key) -> live.rules().get(key));
    }

    /**
     * Runs {@code use} with point lookups of the live rules, the maps open meanwhile: a lookup gives the live rule at
     * a key, or null where there is none (always, without a datapath). A check of many keys thus holds no map of
     * them: a revision that edits every flow touches 786,432 keys.
     */
    public <T> T lookingUpRules(Function<Function<FlowKey, FlowRule>, T> use) {
        if (!Datapath.isPinned(pinRoot)) {
            return use.apply(key -> null);
        }
        try (Datapath live = Datapath.openPinned(pinRoot)) {
            return use.apply(key -> live.rules().get(key).orElse(null));
        }
    }

    /** The live IPv6 rule at each of {@code keys} that has one, by point lookups; empty without a datapath. */
    public Map<FlowKey6, FlowRule6> readRules6(Collection<FlowKey6> keys) {
        return lookUp(keys, (live, key) -> live.rules6().get(key));
    }

    /** The live IPv6 local IPs; empty without a datapath. */
    public Set<IpAddress.V6> readLocalIps6() {
        return fromPinned(Set.of(), live -> Set.copyOf(live.localIps6().readAll().keySet()));
    }

    /** The live local IPs; empty without a datapath. */
    public Set<Integer> readLocalIps() {
        return fromPinned(Set.of(), live -> Set.copyOf(live.localIps().readAll().keySet()));
    }

    /** The live rule at each of {@code keys} that has one, by point lookups in one family's map ({@code get}). */
    private <K, R> Map<K, R> lookUp(Collection<K> keys, BiFunction<Datapath, K, Optional<R>> get) {
        Map<K, R> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        return fromPinned(found, live -> {
            for (K key : keys) {
                get.apply(live, key).ifPresent(rule -> found.put(key, rule));
            }
            return found;
        });
    }

    /** What {@code read} takes from the pinned maps, open meanwhile; {@code absent} without a datapath. */
    private <T> T fromPinned(T absent, Function<Datapath, T> read) {
        if (!Datapath.isPinned(pinRoot)) {
            return absent;
        }
        try (Datapath live = Datapath.openPinned(pinRoot)) {
            return read.apply(live);
        }
    }

    private LiveState read(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings,
            BiConsumer<FlowKey, FlowRule> streamRules) {
        return read(interfaces, tuningSettings, streamRules, true);
    }

    private LiveState read(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings,
            BiConsumer<FlowKey, FlowRule> streamRules, boolean walkRules) {
        LiveState node = readNode(interfaces, tuningSettings, streamRules, walkRules);
        boolean hugepages = tuningSettings.stream().anyMatch(TuningSetting.Hugepages.class::isInstance);
        return hugepages ? node.withMemTotalKb(memTotalKb()) : node;
    }

    /** {@code MemTotal} of {@code /proc/meminfo} in kB, what huge page counts are weighed against; 0 when unreadable. */
    private static long memTotalKb() {
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.substring("MemTotal:".length()).replace("kB", "").strip());
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // unknown: the plan then does not weigh huge pages against the node's memory
        }
        return 0;
    }

    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private LiveState readNode(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings,
            BiConsumer<FlowKey, FlowRule> streamRules, boolean walkRules) {
        Map<String, Optional<LiveState.AttachedProgram>> attached = new HashMap<>();
        interfaces.forEach((device, ifindex) -> attached.put(device, attachedTo(ifindex)));
        List<TuningSetting> tuning = tuningReader.apply(tuningSettings);
        if (!Datapath.isPinned(pinRoot)) {
            Optional<PinnedLayout> older = olderLayout();
            return older.isEmpty() ? LiveState.absent(tuning, attached)
                    : readOlder(older.get(), tuning, attached, streamRules, walkRules);
        }
        try (Datapath live = Datapath.openPinned(pinRoot)) {
            Map<FlowKey, FlowRule> rules;
            if (streamRules == null) {
                rules = live.rules().readAll();
            } else {
                if (walkRules) {
                    live.rules().forEach(streamRules);
                }
                rules = Map.of();
            }
            // The IPv6 rules are read whole in every snapshot (facts included): at most 65,536, and a plan of a few
            // IPv4 keys still sees every IPv6 rule it may have to write or delete.
            return new LiveState(true, live.rules().capacity(), rules, live.localIps().readAll().keySet(), tuning,
                    attached).withIpv6(live.rules6().readAll(), live.localIps6().readAll().keySet());
        }
    }

    /**
     * Maps of a layout older than this build's, which {@link Datapath#isPinned} does not see (it looks for this
     * layout's maps): layout 1's are told by its per-flow counters map, layouts 2 and 3 (no IPv6 maps) by their
     * {@code xdp_abi}. They are read to be migrated.
     */
    private Optional<PinnedLayout> olderLayout() {
        if (!Files.exists(pinRoot.resolve(Datapath.LAYOUT_1_FLOW_STATS_MAP)) && !Files.exists(pinRoot.resolve(Datapath.ABI_MAP))) {
            return Optional.empty();
        }
        return PinnedLayout.probe(pinRoot).filter(layout -> layout.version() < Abi.VERSION);
    }

    private LiveState readOlder(PinnedLayout layout, List<TuningSetting> tuning,
            Map<String, Optional<LiveState.AttachedProgram>> attached, BiConsumer<FlowKey, FlowRule> streamRules,
            boolean walkRules) {
        try (PinnedMaps maps = PinnedMaps.open(pinRoot, layout)) {
            Map<FlowKey, FlowRule> rules = new HashMap<>();
            if (walkRules) {
                BiConsumer<FlowKey, FlowRule> sink = streamRules == null ? rules::put : streamRules;
                maps.forEachRule((key, rule, slot) -> sink.accept(key, rule));
            }
            Set<Integer> localIps = maps.map(Datapath.LOCAL_IPS_MAP).map(map -> {
                try (map) {
                    return new LocalIpsMap(map).readAll().keySet();
                }
            }).orElse(Set.of());
            return new LiveState(true, layout.rulesCapacity(), rules, localIps, tuning, attached, layout.version());
        }
    }

    private static Optional<LiveState.AttachedProgram> attachedTo(int ifindex) {
        return Xdp.query(ifindex).flatMap(attachment -> BpfProgram.describe(attachment.programId())
                .map(info -> new LiveState.AttachedProgram(info.id(), info.name(), attachment.mode())));
    }
}
