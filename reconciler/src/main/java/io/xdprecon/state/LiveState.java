package io.xdprecon.state;

import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
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
 */
public record LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
        List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached, int layout) {
    public LiveState {
        if (datapathPresent != (layout > 0)) {
            throw new IllegalArgumentException("a present datapath has a layout, an absent one none: " + layout);
        }
        rules = Map.copyOf(rules);
        localIps = Set.copyOf(localIps);
        tuning = List.copyOf(tuning);
        attached = Map.copyOf(attached);
    }

    /** Maps of this build's layout (or none). */
    public LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
            List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached) {
        this(datapathPresent, rulesCapacity, rules, localIps, tuning, attached, datapathPresent ? Abi.VERSION : 0);
    }

    /** An XDP program on an interface, as the kernel reports it. */
    public record AttachedProgram(int id, String name) {
        public AttachedProgram {
            Objects.requireNonNull(name, "name");
        }
    }

    /** No datapath at all: what a first plan on a fresh node compares against. */
    public static LiveState absent(List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached) {
        return new LiveState(false, 0, Map.of(), Set.of(), tuning, attached);
    }
}
