package io.xdprecon.dataplane.maps;

/** Packets and Ethernet-frame bytes a rule rewrote, summed over CPUs: mirrors {@code struct flow_counters}. */
public record FlowCounters(long packets, long bytes) {
    public static final FlowCounters ZERO = new FlowCounters(0, 0);

    public FlowCounters plus(FlowCounters other) {
        return new FlowCounters(packets + other.packets, bytes + other.bytes);
    }
}
