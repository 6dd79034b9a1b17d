package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One snapshot of the node: the rules and local IPs read from the pinned maps (empty when no datapath
 * runs), the current value of every tuning setting the config names, and which interfaces run which
 * XDP program.
 *
 * @param datapathPresent  false when the maps are not pinned: the plan is a full create
 * @param rulesCapacity    max entries of the live rules map, 0 when absent
 * @param attached         kernel interface name → attached XDP program, absent when none
 */
public record LiveState(boolean datapathPresent, int rulesCapacity, Map<FlowKey, FlowRule> rules, Set<Integer> localIps,
        List<TuningSetting> tuning, Map<String, Optional<AttachedProgram>> attached) {
    public LiveState {
        rules = rules instanceof HandedOver ? rules : Map.copyOf(rules);
        localIps = Set.copyOf(localIps);
        tuning = List.copyOf(tuning);
        attached = Map.copyOf(attached);
    }

    /**
     * {@code fresh} as the rules of a snapshot without copying them: for a reader that just built the map
     * and keeps no reference to it. Copying half a million rules into an immutable map costs about as
     * much as reading them from the kernel.
     */
    public static Map<FlowKey, FlowRule> handedOver(Map<FlowKey, FlowRule> fresh) {
        return new HandedOver(fresh);
    }

    /** A read-only map that nobody else can change: the snapshot's rules as its reader made them. */
    private static final class HandedOver extends AbstractMap<FlowKey, FlowRule> {
        private final Map<FlowKey, FlowRule> rules;
        private final Set<Entry<FlowKey, FlowRule>> entries;

        HandedOver(Map<FlowKey, FlowRule> rules) {
            this.rules = rules;
            this.entries = Collections.unmodifiableMap(rules).entrySet();
        }

        @Override
        public FlowRule get(Object key) {
            return rules.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return rules.containsKey(key);
        }

        @Override
        public int size() {
            return rules.size();
        }

        @Override
        public Set<Entry<FlowKey, FlowRule>> entrySet() {
            return entries;
        }

        @Override
        public void forEach(BiConsumer<? super FlowKey, ? super FlowRule> action) {
            rules.forEach(action);
        }
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
