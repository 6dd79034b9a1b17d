package io.xdprecon.dataplane.maps;

/**
 * Every slot's counters of one read of {@code xdp_flow_ctrs}, summed over CPUs, in two primitive arrays indexed by
 * slot ({@link RuleTable#slot}): rates are the difference of two reads, slot by slot, with nothing allocated per
 * rule. Filled by {@link RulesMap#readCounters} and reused by the next read.
 */
public final class SlotCounters {
    private final long[] packets;
    private final long[] bytes;

    /** Room for {@code slots} slots: the counters map's capacity ({@link RulesMap#capacity()} + 1). */
    public SlotCounters(int slots) {
        packets = new long[slots];
        bytes = new long[slots];
    }

    public int slots() {
        return packets.length;
    }

    public long packets(int slot) {
        return slot > 0 && slot < packets.length ? packets[slot] : 0;
    }

    public long bytes(int slot) {
        return slot > 0 && slot < bytes.length ? bytes[slot] : 0;
    }

    void set(int slot, long packets, long bytes) {
        if (slot >= 0 && slot < this.packets.length) {
            this.packets[slot] = packets;
            this.bytes[slot] = bytes;
        }
    }
}
