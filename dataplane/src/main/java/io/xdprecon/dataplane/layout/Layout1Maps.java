package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Layout 1's pinned maps, as the release before layout 2 left them ({@code bpf/legacy/layout1}): rules in
 * {@code xdp_fwd_rules} ({@code flow_rule.reserved} zero), per-flow counters in {@code xdp_flow_stats}, a
 * per-CPU hash keyed like the rules that the datapath filled on each flow's first packet per CPU.
 */
public final class Layout1Maps implements PinnedMaps {
    /** Layout 1's per-flow counters: the map whose pin tells layout 1 apart. */
    public static final String FLOW_STATS_MAP = Datapath.LAYOUT_1_FLOW_STATS_MAP;

    private final Path pinRoot;
    private final BpfMap rules;
    private final BpfMap stats;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment key = arena.allocate(Abi.FLOW_KEY);
    private final MemorySegment value;

    Layout1Maps(Path pinRoot) {
        this.pinRoot = pinRoot;
        this.rules = BpfMap.openPinned(pinRoot.resolve(Datapath.RULES_MAP));
        try {
            this.stats = BpfMap.openPinned(pinRoot.resolve(FLOW_STATS_MAP));
        } catch (RuntimeException e) {
            rules.close();
            arena.close();
            throw e;
        }
        this.value = arena.allocate(stats.valueSize(), 8);
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public BpfMap rules() {
        return rules;
    }

    @Override
    public FlowCounters counters(FlowKey flow, int slot) {
        Abi.writeKey(key, 0, flow);
        return stats.lookup(key, value) ? Abi.sumCounters(value, 0, BpfMap.possibleCpus(), stats.slotSize()) : FlowCounters.ZERO;
    }

    @Override
    public void forEachCounted(CountedVisitor visitor) {
        int page = 1024;
        try (Arena pages = Arena.ofConfined()) {
            MemorySegment keys = pages.allocate((long) page * Abi.FLOW_KEY_SIZE, 8);
            MemorySegment values = pages.allocate((long) page * stats.valueSize(), 8);
            int cpus = BpfMap.possibleCpus();
            stats.forEach(keys, values, (k, v, n) -> {
                for (int i = 0; i < n; i++) {
                    FlowCounters c = Abi.sumCounters(v, (long) i * stats.valueSize(), cpus, stats.slotSize());
                    if (c.packets() != 0 || c.bytes() != 0) {
                        visitor.visit(Abi.readKey(k, (long) i * Abi.FLOW_KEY_SIZE), 0, c);
                    }
                }
            });
        }
    }

    @Override
    public Optional<BpfMap> map(String name) {
        return PinnedMaps.openIfPinned(pinRoot, name);
    }

    @Override
    public void close() {
        rules.close();
        stats.close();
        arena.close();
    }
}
