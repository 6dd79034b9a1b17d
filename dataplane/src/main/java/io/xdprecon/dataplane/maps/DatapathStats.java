package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;

/** Typed view of the per-CPU {@code xdp_counters} array: each counter summed over CPUs. */
public final class DatapathStats {
    private final BpfMap map;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment index = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment values;

    public DatapathStats(BpfMap map) {
        if (map.maxEntries() < Stat.values().length) {
            throw new IllegalStateException("map " + map.name() + " has " + map.maxEntries() + " counters, this build knows "
                    + Stat.values().length + ": the loaded program is older than this control plane");
        }
        this.map = map;
        this.values = arena.allocate(map.valueSize(), 8);
    }

    public Map<Stat, Long> read() {
        Map<Stat, Long> totals = new EnumMap<>(Stat.class);
        int cpus = BpfMap.possibleCpus();
        int slot = map.slotSize();
        for (Stat stat : Stat.values()) {
            index.set(ValueLayout.JAVA_INT, 0, stat.ordinal());
            long sum = 0;
            if (map.lookup(index, values)) {
                for (int cpu = 0; cpu < cpus; cpu++) {
                    sum += Abi.readU64(values, (long) cpu * slot);
                }
            }
            totals.put(stat, sum);
        }
        return totals;
    }
}
