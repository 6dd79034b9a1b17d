package io.xdprecon.state;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One snapshot of the node: the rules and local IPs read from the pinned maps (empty when no datapath
 * runs), the current value of every tuning setting the config names, and which interfaces run which
 * XDP program.
 *
 * @param datapathPresent  false when the maps are not pinned: the plan is a full create
 * @param rulesCapacity    max entries of the live rules map, 0 when absent
 * @param attached         kernel interface name → attached XDP program, absent when none
 * @param layout           the layout of the pinned maps ({@link Abi#VERSION} is this build's; an older one is read
 *                         to be migrated), 0 when absent
 * @param memTotalKb       the node's memory ({@code MemTotal}), read when the config reserves huge pages; 0 when not
 *                         known
 */
public record LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
        List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached, int layout, long memTotalKb,
        Map<FlowKey6, FlowRule6> rules6, Set<IpAddress.V6> localIps6) {
    public LiveState {
        if (datapathPresent != (layout > 0)) {
            throw new IllegalArgumentException("a present datapath has a layout, an absent one none: " + layout);
        }
        if (memTotalKb < 0) {
            throw new IllegalArgumentException("memTotalKb must not be negative: " + memTotalKb);
        }
        rules = Map.copyOf(rules);
        localIps = Set.copyOf(localIps);
        tuning = List.copyOf(tuning);
        attached = Map.copyOf(attached);
        rules6 = Map.copyOf(rules6);
        localIps6 = Set.copyOf(localIps6);
    }

    /** No IPv6 rules or local IPs (maps of an older layout, or none written). */
    public LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
            List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached, int layout, long memTotalKb) {
        this(datapathPresent, rulesCapacity, rules, localIps, tuning, attached, layout, memTotalKb, Map.of(), Set.of());
    }

    /** A copy with the IPv6 rules and local IPs read from {@code xdp_rules6} and {@code xdp_local_ips6}. */
    public LiveState withIpv6(Map<FlowKey6, FlowRule6> rules6, Set<IpAddress.V6> localIps6) {
        return new LiveState(datapathPresent, rulesCapacity, rules, localIps, tuning, attached, layout, memTotalKb, rules6,
                localIps6);
    }

    /** The node's memory not known (0): huge page counts are not weighed against it. */
    public LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
            List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached, int layout) {
        this(datapathPresent, rulesCapacity, rules, localIps, tuning, attached, layout, 0);
    }

    /** A copy that knows the node's memory ({@code MemTotal} of {@code /proc/meminfo}, in kB). */
    public LiveState withMemTotalKb(long kb) {
        return new LiveState(datapathPresent, rulesCapacity, rules, localIps, tuning, attached, layout, kb, rules6, localIps6);
    }

    /** Maps of this build's layout (or none). */
    public LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
            List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached) {
        this(datapathPresent, rulesCapacity, rules, localIps, tuning, attached, datapathPresent ? Abi.VERSION : 0);
    }

    /**
     * An XDP program on an interface, as the kernel reports it.
     *
     * @param mode how it is attached ({@link XdpMode#AUTO} when not known)
     */
    public record AttachedProgram(int id, String name, XdpMode mode) {
        public AttachedProgram {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mode, "mode");
        }

        /** A program whose attach mode is not known. */
        public AttachedProgram(int id, String name) {
            this(id, name, XdpMode.AUTO);
        }
    }

    /** No datapath at all: what a first plan on a fresh node compares against. */
    public static LiveState absent(List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached) {
        return new LiveState(false, 0, Map.of(), Set.of(), tuning, attached);
    }
}
