package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.RulesMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The maps a migration reads, in the layout they are pinned in: every rule with where its counters are, and
 * those counters. Layouts 1 and 2 store a rule the same way (24 bytes: rewrite, owner, then layout 1's zero
 * {@code reserved} where layout 2 has the counters' slot); they keep per-flow counters differently: layout 1
 * in a per-CPU hash keyed like the rules ({@link Layout1Maps}), layout 2 in a per-CPU array at the rule's slot
 * ({@link Layout2Maps}). Read-only; not thread-safe.
 */
public sealed interface PinnedMaps extends AutoCloseable permits Layout1Maps, Layout2Maps {

    /** Opens the maps pinned under {@code pinRoot} as {@code layout} says they are; a layout no reader exists for throws. */
    static PinnedMaps open(Path pinRoot, PinnedLayout layout) {
        return switch (layout.version()) {
            case 1 -> new Layout1Maps(pinRoot);
            case Abi.VERSION -> new Layout2Maps(pinRoot);
            default -> throw new IllegalArgumentException("this build reads no maps of " + PinnedLayout.name(layout.version()));
        };
    }

    int version();

    /** The rules map: same keys and values in every layout this reads. */
    BpfMap rules();

    /** Visits one rule and the slot of its counters (0 where the layout keeps no slots). */
    @FunctionalInterface
    interface RuleVisitor {
        void visit(FlowKey key, FlowRule rule, int slot);
    }

    /** Visits every rule, read with batch lookups. */
    default void forEachRule(RuleVisitor visitor) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment keys = arena.allocate((long) RulesMap.PAGE * Abi.FLOW_KEY_SIZE, 8);
            MemorySegment values = arena.allocate((long) RulesMap.PAGE * Abi.FLOW_RULE_SIZE, 8);
            rules().forEach(keys, values, (k, v, n) -> {
                for (int i = 0; i < n; i++) {
                    long at = (long) i * Abi.FLOW_RULE_SIZE;
                    visitor.visit(Abi.readKey(k, (long) i * Abi.FLOW_KEY_SIZE), Abi.readRule(v, at), Abi.readSlot(v, at));
                }
            });
        }
    }

    /** The counters of the rule at {@code key} whose slot is {@code slot}, summed over CPUs. */
    FlowCounters counters(FlowKey key, int slot);

    /** Visits one rule's counters: by key (layout 1) or by slot (layout 2, key null). */
    @FunctionalInterface
    interface CountedVisitor {
        void visit(FlowKey key, int slot, FlowCounters counters);
    }

    /** Visits every non-zero per-flow counter, read with batch lookups. */
    void forEachCounted(CountedVisitor visitor);

    /** The map pinned as {@code name} under the pin root, if any: what a migration may keep as it is. */
    Optional<BpfMap> map(String name);

    @Override
    void close();

    /** Opens {@code pinRoot/name} when it is pinned. */
    static Optional<BpfMap> openIfPinned(Path pinRoot, String name) {
        Path pin = pinRoot.resolve(name);
        return Files.exists(pin) ? Optional.of(BpfMap.openPinned(pin)) : Optional.empty();
    }
}
