package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The maps a migration reads, in the layout they are pinned in: every rule with where its counters are, and
 * those counters. Every layout starts a rule the same way (rewrite, owner, then layout 1's zero {@code reserved}
 * where later layouts have the counters' slot: {@link Abi#RULE_CONTROL_SIZE} bytes); layouts 3 and 4 add the datapath's
 * next-hop cache after them (not carried: the new program asks the FIB again). Layout 1 keeps per-flow counters
 * differently (see {@link CountedBy}). Read-only; not thread-safe.
 */
public final class PinnedMaps implements AutoCloseable {
    private static final int COUNTER_PAGE = 1024;

    /** Where a layout keeps a rule's per-CPU counters. */
    enum CountedBy {
        /**
         * Layout 1 ({@code bpf/legacy/layout1}): {@code xdp_flow_stats}, a per-CPU hash keyed like the rules that the
         * datapath filled on each flow's first packet per CPU.
         */
        KEY(Datapath.LAYOUT_1_FLOW_STATS_MAP),
        /** Layouts 2, 3 and 4 (this build's): {@code xdp_flow_ctrs}, a per-CPU array at each rule's slot. */
        SLOT(Datapath.FLOW_COUNTERS_MAP);

        final String map;

        CountedBy(String map) {
            this.map = map;
        }
    }

    private final Function<String, Optional<BpfMap>> others;
    private final int version;
    private final CountedBy countedBy;
    private final BpfMap rules;
    private final BpfMap counters;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment key;
    private final MemorySegment value;

    private PinnedMaps(Path pinRoot, int version, CountedBy countedBy) {
        this(name -> openIfPinned(pinRoot, name), "pinned under " + pinRoot, version, countedBy);
    }

    private PinnedMaps(Function<String, Optional<BpfMap>> open, String where, int version, CountedBy countedBy) {
        this.others = open;
        this.version = version;
        this.countedBy = countedBy;
        this.rules = open.apply(Datapath.RULES_MAP)
                .orElseThrow(() -> new IllegalStateException("no " + Datapath.RULES_MAP + " " + where));
        try {
            this.counters = open.apply(countedBy.map)
                    .orElseThrow(() -> new IllegalStateException("no " + countedBy.map + " " + where));
        } catch (RuntimeException e) {
            rules.close();
            arena.close();
            throw e;
        }
        this.key = arena.allocate(counters.keySize(), 8);
        this.value = arena.allocate(counters.valueSize(), 8);
    }

    /** Opens the maps pinned under {@code pinRoot} as {@code layout} says they are; a layout no reader exists for throws. */
    public static PinnedMaps open(Path pinRoot, PinnedLayout layout) {
        return switch (layout.version()) {
            case 1 -> new PinnedMaps(pinRoot, 1, CountedBy.KEY);
            // layouts 2 and 3 are this layout without xdp_rules6: the same IPv4 maps, read the same way
            case 2, 3, Abi.VERSION -> new PinnedMaps(pinRoot, layout.version(), CountedBy.SLOT);
            default -> throw new IllegalArgumentException("this build reads no maps of " + PinnedLayout.name(layout.version()));
        };
    }

    /**
     * The maps the program {@code programId} runs on, found through its map ids ({@code BPF_OBJ_GET_INFO_BY_FD}, then
     * {@code BPF_MAP_GET_FD_BY_ID}) whether or not they are pinned: what is left to read when someone removed the pins
     * while the program runs. Only this build's layout: the program uses neither {@code xdp_abi} nor
     * {@code xdp_flow_slots} (only their pins hold them), so its per-flow counters (layout 2's array, not layout 1's
     * hash), its IPv6 rules map (layout 3 has none) and the size of its rules tell the layout.
     */
    static PinnedMaps ofProgram(int programId) {
        BpfProgram.Info program = BpfProgram.describe(programId)
                .orElseThrow(() -> new IllegalStateException("program id " + programId + " is gone"));
        Map<String, Integer> ids = new TreeMap<>();
        for (int id : program.mapIds()) {
            try (BpfMap map = BpfMap.openById(id)) {
                ids.putIfAbsent(map.name(), id);
            }
        }
        String of = program.name() + " (program id " + programId + ")";
        if (ids.containsKey(CountedBy.KEY.map) || !ids.containsKey(CountedBy.SLOT.map)
                || !ids.containsKey(Datapath.RULES6_MAP)) {
            throw new IllegalStateException("the maps of " + of + " " + ids.keySet() + " are not of "
                    + PinnedLayout.name(Abi.VERSION) + ", this build's");
        }
        PinnedMaps maps = new PinnedMaps(name -> Optional.ofNullable(ids.get(name)).map(BpfMap::openById),
                "among the maps of " + of + ": " + ids.keySet(), Abi.VERSION, CountedBy.SLOT);
        int ruleSize = maps.rules.definition().valueSize();
        if (ruleSize != Abi.FLOW_RULE_SIZE) {
            maps.close();
            throw new IllegalStateException("the rules of " + of + " are of " + ruleSize + " bytes, not the "
                    + Abi.FLOW_RULE_SIZE + " of " + PinnedLayout.name(Abi.VERSION) + ", this build's");
        }
        return maps;
    }

    /** Room for this many rules. */
    int rulesCapacity() {
        return rules.maxEntries();
    }

    public int version() {
        return version;
    }

    /** The rules map: same keys and values in every layout this reads. */
    public BpfMap rules() {
        return rules;
    }

    /** Visits one rule and the slot of its counters (0 where the layout keeps no slots). */
    @FunctionalInterface
    public interface RuleVisitor {
        void visit(FlowKey key, FlowRule rule, int slot);
    }

    /** Visits every rule, read with batch lookups. */
    public void forEachRule(RuleVisitor visitor) {
        try (Arena pages = Arena.ofConfined()) {
            MemorySegment keys = pages.allocate((long) RulesMap.PAGE * Abi.FLOW_KEY_SIZE, 8);
            int stride = rules.valueSize(); // 24 bytes in layouts 1 and 2, 64 in layouts 3 and 4
            MemorySegment values = pages.allocate((long) RulesMap.PAGE * stride, 8);
            rules.forEach(keys, values, (k, v, n) -> {
                for (int i = 0; i < n; i++) {
                    long at = (long) i * stride;
                    visitor.visit(Abi.readKey(k, (long) i * Abi.FLOW_KEY_SIZE), Abi.readRule(v, at), Abi.readSlot(v, at));
                }
            });
        }
    }

    /**
     * Visits every IPv6 rule ({@code xdp_rules6}, layout 4) and the slot of its counters; none where the layout has no
     * IPv6 map (layouts 1 to 3).
     */
    public void forEachRule6(Rules6Map.SlotVisitor visitor) {
        map(Datapath.RULES6_MAP).ifPresent(rules6 -> {
            try (rules6) {
                Rules6Map.forEachIn(rules6, visitor);
            }
        });
    }

    /** The counters of the rule at {@code flow} whose slot is {@code slot}, summed over CPUs. */
    public FlowCounters counters(FlowKey flow, int slot) {
        switch (countedBy) {
            case KEY -> Abi.writeKey(key, 0, flow);
            case SLOT -> {
                return countersAt(slot);
            }
        }
        return counters.lookup(key, value) ? Abi.sumCounters(value, 0, BpfMap.possibleCpus(), counters.slotSize()) : FlowCounters.ZERO;
    }

    /** The counters at {@code slot} of a layout that counts by slot (2 and later), summed over CPUs. */
    public FlowCounters countersAt(int slot) {
        if (countedBy != CountedBy.SLOT || slot <= 0 || slot >= counters.maxEntries()) {
            return FlowCounters.ZERO;
        }
        key.set(ValueLayout.JAVA_INT, 0, slot);
        return counters.lookup(key, value) ? Abi.sumCounters(value, 0, BpfMap.possibleCpus(), counters.slotSize()) : FlowCounters.ZERO;
    }

    /** Visits one rule's counters: by key (layout 1, slot 0) or by slot (layout 2, key null). */
    @FunctionalInterface
    public interface CountedVisitor {
        void visit(FlowKey key, int slot, FlowCounters counters);
    }

    /** Visits every non-zero per-flow counter, read with batch lookups. */
    public void forEachCounted(CountedVisitor visitor) {
        forEachCounted(counters, countedBy, visitor);
    }

    /** Visits every non-zero slot of a per-CPU {@code xdp_flow_ctrs} (key null): a layout-2 map being migrated to. */
    static void forEachCountedSlot(BpfMap counters, CountedVisitor visitor) {
        forEachCounted(counters, CountedBy.SLOT, visitor);
    }

    private static void forEachCounted(BpfMap counters, CountedBy countedBy, CountedVisitor visitor) {
        int keySize = counters.keySize();
        int stride = counters.valueSize();
        int cpus = BpfMap.possibleCpus();
        try (Arena pages = Arena.ofConfined()) {
            MemorySegment keys = pages.allocate((long) COUNTER_PAGE * keySize, 8);
            MemorySegment values = pages.allocate((long) COUNTER_PAGE * stride, 8);
            counters.forEach(keys, values, (k, v, n) -> {
                for (int i = 0; i < n; i++) {
                    FlowCounters c = Abi.sumCounters(v, (long) i * stride, cpus, counters.slotSize());
                    if (c.packets() == 0 && c.bytes() == 0) {
                        continue;
                    }
                    switch (countedBy) {
                        case KEY -> visitor.visit(Abi.readKey(k, (long) i * keySize), 0, c);
                        case SLOT -> {
                            int slot = k.get(ValueLayout.JAVA_INT, (long) i * keySize);
                            if (slot != 0) {
                                visitor.visit(null, slot, c);
                            }
                        }
                    }
                }
            });
        }
    }

    /** The counters array when this layout counts by slot (a resize), which a migration that is undone adds back to. */
    Optional<BpfMap> slotCounters() {
        return countedBy == CountedBy.SLOT ? Optional.of(counters) : Optional.empty();
    }

    /** This datapath's map named {@code name} (its pin, or the program's map), if any: what a migration may keep as it is. */
    public Optional<BpfMap> map(String name) {
        return others.apply(name);
    }

    @Override
    public void close() {
        rules.close();
        counters.close();
        arena.close();
    }

    /** Opens {@code pinRoot/name} when it is pinned. */
    private static Optional<BpfMap> openIfPinned(Path pinRoot, String name) {
        Path pin = pinRoot.resolve(name);
        return Files.exists(pin) ? Optional.of(BpfMap.openPinned(pin)) : Optional.empty();
    }
}
