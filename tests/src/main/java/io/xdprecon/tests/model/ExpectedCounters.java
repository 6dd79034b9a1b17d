package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Stat;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** Sums of many {@link Outcome}s: what the maps should hold after a run of frames (per-CPU slots summed). */
public final class ExpectedCounters {
    private final EnumMap<Stat, Long> stats = new EnumMap<>(Stat.class);
    private final EnumMap<XdpAction, Long> actions = new EnumMap<>(XdpAction.class);
    private final Map<FlowKey, FlowCounters> flows = new HashMap<>();
    private final Map<FlowKey6, FlowCounters> flows6 = new HashMap<>();
    private final Map<Integer, Long> localIps = new HashMap<>();
    private final Map<IpAddress.V6, Long> localIps6 = new HashMap<>();

    public void add(Outcome outcome) {
        outcome.stats().forEach((stat, increment) -> stats.merge(stat, increment, Long::sum));
        actions.merge(outcome.action(), 1L, Long::sum);
        outcome.flow().ifPresent(flow -> flows.merge(flow.key(), flow.delta(), FlowCounters::plus));
        outcome.flow6().ifPresent(flow -> flows6.merge(flow.key(), flow.delta(), FlowCounters::plus));
        outcome.localIpCounted().ifPresent(ip -> localIps.merge(ip, 1L, Long::sum));
        outcome.localIp6Counted().ifPresent(ip -> localIps6.merge(ip, 1L, Long::sum));
    }

    /** Every stat, zeros included, as {@code xdp_counters} would read. */
    public EnumMap<Stat, Long> stats() {
        EnumMap<Stat, Long> all = new EnumMap<>(Stat.class);
        for (Stat stat : Stat.values()) {
            all.put(stat, stats.getOrDefault(stat, 0L));
        }
        return all;
    }

    public EnumMap<XdpAction, Long> actions() {
        return new EnumMap<>(actions);
    }

    /** Expected the rule's {@code xdp_flow_ctrs}: only flows that were hit. */
    public Map<FlowKey, FlowCounters> flows() {
        return Map.copyOf(flows);
    }

    /** As {@link #flows}, for the IPv6 rules. */
    public Map<FlowKey6, FlowCounters> flows6() {
        return Map.copyOf(flows6);
    }

    /** Expected {@code xdp_local_ips} counters: only destinations that were counted. */
    public Map<Integer, Long> localIps() {
        return Map.copyOf(localIps);
    }

    /** Expected {@code xdp_local_ips6} counters: only destinations that were counted. */
    public Map<IpAddress.V6, Long> localIps6() {
        return Map.copyOf(localIps6);
    }
}
