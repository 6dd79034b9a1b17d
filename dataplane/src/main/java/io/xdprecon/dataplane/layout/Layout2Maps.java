package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Optional;

/** Layout 2's pinned maps, this build's (a resize migrates them): counters in {@code xdp_flow_ctrs} at each rule's slot. */
public final class Layout2Maps implements PinnedMaps {
    private final Path pinRoot;
    private final BpfMap rules;
    private final BpfMap counters;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment slotKey = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment value;

    Layout2Maps(Path pinRoot) {
        this.pinRoot = pinRoot;
        this.rules = BpfMap.openPinned(pinRoot.resolve(Datapath.RULES_MAP));
        try {
            this.counters = BpfMap.openPinned(pinRoot.resolve(Datapath.FLOW_COUNTERS_MAP));
        } catch (RuntimeException e) {
            rules.close();
            arena.close();
            throw e;
        }
        this.value = arena.allocate(counters.valueSize(), 8);
    }

    @Override
    public int version() {
        return Abi.VERSION;
    }

    @Override
    public BpfMap rules() {
        return rules;
    }

    @Override
    public FlowCounters counters(FlowKey flow, int slot) {
        if (slot <= 0 || slot >= counters.maxEntries()) {
            return FlowCounters.ZERO;
        }
        slotKey.set(ValueLayout.JAVA_INT, 0, slot);
        return counters.lookup(slotKey, value)
                ? Abi.sumCounters(value, 0, BpfMap.possibleCpus(), counters.slotSize()) : FlowCounters.ZERO;
    }

    @Override
    public void forEachCounted(CountedVisitor visitor) {
        forEachCounted(counters, visitor);
    }

    /** Visits every non-zero slot of a per-CPU {@code xdp_flow_ctrs} (key null), read with batch lookups. */
    static void forEachCounted(BpfMap counters, CountedVisitor visitor) {
        int page = 1024;
        try (Arena pages = Arena.ofConfined()) {
            MemorySegment keys = pages.allocate((long) page * 4, 8);
            MemorySegment values = pages.allocate((long) page * counters.valueSize(), 8);
            int cpus = BpfMap.possibleCpus();
            counters.forEach(keys, values, (k, v, n) -> {
                for (int i = 0; i < n; i++) {
                    FlowCounters c = Abi.sumCounters(v, (long) i * counters.valueSize(), cpus, counters.slotSize());
                    int slot = k.get(ValueLayout.JAVA_INT, (long) i * 4);
                    if (slot != 0 && (c.packets() != 0 || c.bytes() != 0)) {
                        visitor.visit(null, slot, c);
                    }
                }
            });
        }
    }

    /** The counters array, which a migration that is undone adds back to. */
    BpfMap counters() {
        return counters;
    }

    @Override
    public Optional<BpfMap> map(String name) {
        return PinnedMaps.openIfPinned(pinRoot, name);
    }

    @Override
    public void close() {
        rules.close();
        counters.close();
        arena.close();
    }
}
