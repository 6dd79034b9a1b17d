package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Typed view of {@code xdp_rules6}, the IPv6 rules: {@link RulesMap}'s contract for IPv6 keys. The rules count in the
 * same {@code xdp_flow_ctrs} at slots of the same bitmap, handed out by the IPv4 view's {@link FlowSlots} (one
 * cursor, so a released slot is not reused at once by the other family). A new key gets a fresh slot (counters zero),
 * a replaced rule keeps its slot and counters, a removed rule's counters are zeroed and its slot released.
 *
 * <p>One syscall per rule: the map holds at most {@link Abi#MAX_RULES6} (a relay's IPv6 share), so batches would
 * save little. Writes belong to the thread that writes the IPv4 view; {@link #counters} may be read from any.
 */
public final class Rules6Map {
    private static final int PAGE = 1024;

    private final BpfMap rules;
    private final SlotKeeper<FlowKey6, FlowRule6> writer;

    public Rules6Map(BpfMap rules, RulesMap ipv4) {
        this.rules = rules;
        this.writer = new SlotKeeper<>(SlotKeeper.IPV6, rules, ipv4.countersMap(), ipv4.slots(), Arena.ofAuto());
    }

    public int capacity() {
        return rules.maxEntries();
    }

    public Optional<FlowRule6> get(FlowKey6 flow) {
        return writer.get(flow);
    }

    /** The counter slot of {@code flow}'s rule; 0 when it has none (or no rule). */
    public int slotOf(FlowKey6 flow) {
        return writer.slotOf(flow);
    }

    /** Creates or replaces one rule; a replacement keeps the rule's counters (a rule of no known owner gets a fresh slot). */
    public void put(FlowKey6 flow, FlowRule6 target) {
        writer.put(flow, target);
    }

    /**
     * Creates the rule, or replaces one of the same owner; a rule of another owner is left as it is and {@code false}
     * returned (what the DPDK loop's sessions use, as {@link RulesMap#putUnlessOwnedByOther}).
     */
    public boolean putUnlessOwnedByOther(FlowKey6 flow, FlowRule6 target) {
        return writer.putUnlessOwnedByOther(flow, target);
    }

    /** Creates or replaces every rule, in {@code targets}' order; on failure the exception says how many landed. */
    public void putAll(Map<FlowKey6, FlowRule6> targets) {
        int done = 0;
        for (Map.Entry<FlowKey6, FlowRule6> e : targets.entrySet()) {
            try {
                put(e.getKey(), e.getValue());
            } catch (RuntimeException failure) {
                throw new BulkWriteException("write IPv6 rules", done, targets.size(), failure);
            }
            done++;
        }
    }

    /** Removes one rule and its counters; false when there was no rule. */
    public boolean remove(FlowKey6 flow) {
        return writer.remove(flow);
    }

    /** Removes the rule and its counters only if {@code owner} owns it; false when absent or another's. */
    public boolean removeIfOwnedBy(FlowKey6 flow, Owner owner) {
        return writer.removeIfOwnedBy(flow, owner);
    }

    /** Removes the rules and their counters; keys already absent are skipped. Returns rules removed. */
    public int removeAll(Collection<FlowKey6> flows) {
        int removed = 0;
        int done = 0;
        for (FlowKey6 flow : flows) {
            try {
                removed += remove(flow) ? 1 : 0;
            } catch (RuntimeException failure) {
                throw new BulkWriteException("remove IPv6 rules", done, flows.size(), failure);
            }
            done++;
        }
        return removed;
    }

    /** Counters of one flow summed over CPUs; zero without a rule or a packet. Safe from any thread. */
    public FlowCounters counters(FlowKey6 flow) {
        return writer.counters(flow);
    }

    /** The counters at {@code slot} (a rule's, {@link #slotOf}) summed over CPUs, one syscall; safe from any thread. */
    public FlowCounters countersAt(int slot) {
        return writer.countersAt(slot);
    }

    /**
     * Writes a rule that moves here from other maps (a migration) with a fresh slot holding the counters it brings; only
     * for maps no datapath counts in yet. Returns the slot.
     */
    public int importRule(FlowKey6 flow, FlowRule6 rule, FlowCounters counters) {
        return writer.importRule(flow, rule, counters);
    }

    /** Visits every rule and its slot, read with batch lookups. */
    public void forEach(SlotVisitor visitor) {
        forEachIn(rules, visitor);
    }

    /** Visits every rule of {@code rules}, an {@code xdp_rules6} of this layout (a migration's old map), and its slot. */
    public static void forEachIn(BpfMap rules, SlotVisitor visitor) {
        try (Arena pages = Arena.ofConfined()) {
            MemorySegment keys = pages.allocate((long) PAGE * Abi.FLOW_KEY6_SIZE, 8);
            MemorySegment values = pages.allocate((long) PAGE * Abi.FLOW_RULE6_SIZE, 8);
            rules.forEach(keys, values, (k, v, n) -> {
                for (int i = 0; i < n; i++) {
                    long at = (long) i * Abi.FLOW_RULE6_SIZE;
                    visitor.visit(Abi.readKey6(k, (long) i * Abi.FLOW_KEY6_SIZE), Abi.readRule6(v, at), Abi.readSlot6(v, at));
                }
            });
        }
    }

    /** One rule and the slot of its counters. */
    @FunctionalInterface
    public interface SlotVisitor {
        void visit(FlowKey6 key, FlowRule6 rule, int slot);
    }

    /** Every rule, read with batch lookups. */
    public Map<FlowKey6, FlowRule6> readAll() {
        Map<FlowKey6, FlowRule6> all = new HashMap<>();
        forEach((k, r, slot) -> all.put(k, r));
        return all;
    }

    /** Visits every rule without collecting them. */
    public void forEach(BiConsumer<FlowKey6, FlowRule6> visitor) {
        forEach((k, r, slot) -> visitor.accept(k, r));
    }

    /** Every rule's counters summed over CPUs (zero for a rule that has seen no packet). */
    public Map<FlowKey6, FlowCounters> readAllCounters() {
        Map<FlowKey6, FlowCounters> all = new HashMap<>();
        forEach((k, r, slot) -> all.put(k, countersAt(slot)));
        return all;
    }

    /** Keys of every rule with the given owner. */
    public List<FlowKey6> keysOwnedBy(Owner owner) {
        List<FlowKey6> owned = new ArrayList<>();
        forEach((k, r) -> {
            if (r.owner() == owner) {
                owned.add(k);
            }
        });
        return owned;
    }

    public BpfMap rulesMap() {
        return rules;
    }
}
