package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
    private final BpfMap counters;
    private final FlowSlots slots;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment key = arena.allocate(Abi.FLOW_KEY6);
    private final MemorySegment rule = arena.allocate(Abi.FLOW_RULE6);
    private final MemorySegment slotKey = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment zeroCounters;
    private final Reader reader;

    public Rules6Map(BpfMap rules, RulesMap ipv4) {
        this.rules = rules;
        this.counters = ipv4.countersMap();
        this.slots = ipv4.slots();
        this.zeroCounters = arena.allocate(counters.valueSize(), 8); // arenas zero-fill
        this.reader = new Reader(arena.allocate(Abi.FLOW_KEY6), arena.allocate(Abi.FLOW_RULE6),
                arena.allocate(ValueLayout.JAVA_INT), arena.allocate(counters.valueSize(), 8));
    }

    public int capacity() {
        return rules.maxEntries();
    }

    public Optional<FlowRule6> get(FlowKey6 flow) {
        Abi.writeKey6(key, 0, flow);
        return rules.lookup(key, rule) ? Optional.of(Abi.readRule6(rule, 0)) : Optional.empty();
    }

    /** The counter slot of {@code flow}'s rule; 0 when it has none (or no rule). */
    public int slotOf(FlowKey6 flow) {
        Abi.writeKey6(key, 0, flow);
        return rules.lookup(key, rule) ? Abi.readSlot6(rule, 0) : 0;
    }

    /** Creates or replaces one rule; a replacement keeps the rule's counters (a rule of no known owner gets a fresh slot). */
    public void put(FlowKey6 flow, FlowRule6 target) {
        Abi.writeKey6(key, 0, flow);
        while (true) {
            if (rules.lookup(key, rule)) {
                boolean nobodys = Abi.readRule6(rule, 0).owner() == Owner.UNKNOWN;
                int slot = nobodys ? slots.allocate() : Abi.readSlot6(rule, 0);
                Abi.writeRule6(rule, 0, target, slot);
                try {
                    rules.update(key, rule, UpdateMode.REPLACE);
                    return;
                } catch (BpfException.NotFound removedMeanwhile) {
                    if (nobodys) {
                        slots.release(slot);
                    }
                } catch (RuntimeException e) {
                    if (nobodys) {
                        slots.release(slot);
                    }
                    throw e;
                }
            }
            if (create(target)) {
                return;
            }
        }
    }

    /**
     * Creates the rule, or replaces one of the same owner; a rule of another owner is left as it is and {@code false}
     * returned (what the DPDK loop's sessions use, as {@link RulesMap#putUnlessOwnedByOther}).
     */
    public boolean putUnlessOwnedByOther(FlowKey6 flow, FlowRule6 target) {
        Abi.writeKey6(key, 0, flow);
        while (true) {
            if (create(target)) {
                return true;
            }
            if (rules.lookup(key, rule)) {
                if (Abi.readRule6(rule, 0).owner() != target.owner()) {
                    return false;
                }
                Abi.writeRule6(rule, 0, target, Abi.readSlot6(rule, 0));
                try {
                    rules.update(key, rule, UpdateMode.REPLACE);
                    return true;
                } catch (BpfException.NotFound removedMeanwhile) {
                    // gone again: try to create it
                }
            }
        }
    }

    /** Creates the rule at {@code key} with a fresh slot; false (slot given back) when the key exists. */
    private boolean create(FlowRule6 target) {
        int slot;
        try {
            slot = slots.allocate();
        } catch (BpfException.CapacityExceeded full) {
            if (rules.lookup(key, rule)) {
                return false;
            }
            throw full;
        }
        Abi.writeRule6(rule, 0, target, slot);
        try {
            rules.update(key, rule, UpdateMode.CREATE);
            return true;
        } catch (BpfException.AlreadyExists e) {
            slots.release(slot);
            return false;
        } catch (RuntimeException e) {
            slots.release(slot);
            throw e;
        }
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
        Abi.writeKey6(key, 0, flow);
        if (!rules.lookupAndDelete(key, rule)) {
            return false;
        }
        int slot = Abi.readSlot6(rule, 0);
        if (slot > 0 && slot < slots.size() && Abi.readRule6(rule, 0).owner() != Owner.UNKNOWN) {
            slotKey.set(ValueLayout.JAVA_INT, 0, slot);
            counters.update(slotKey, zeroCounters, UpdateMode.ANY);
            slots.release(slot);
        }
        return true;
    }

    /** Removes the rule and its counters only if {@code owner} owns it; false when absent or another's. */
    public boolean removeIfOwnedBy(FlowKey6 flow, Owner owner) {
        Optional<FlowRule6> current = get(flow);
        return current.isPresent() && current.get().owner() == owner && remove(flow);
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
        synchronized (reader) {
            Abi.writeKey6(reader.key, 0, flow);
            if (!rules.lookup(reader.key, reader.rule)) {
                return FlowCounters.ZERO;
            }
            reader.slot.set(ValueLayout.JAVA_INT, 0, Abi.readSlot6(reader.rule, 0));
            if (!counters.lookup(reader.slot, reader.value)) {
                return FlowCounters.ZERO;
            }
            return Abi.sumCounters(reader.value, 0, BpfMap.possibleCpus(), counters.slotSize());
        }
    }

    private record Reader(MemorySegment key, MemorySegment rule, MemorySegment slot, MemorySegment value) {}

    /** Visits every rule and its slot, read with batch lookups. */
    public void forEach(SlotVisitor visitor) {
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

    /** The counters at {@code slot}, summed over CPUs: one lookup (the IPv6 share is small; no walk of every slot). */
    private FlowCounters countersAt(int slot) {
        if (slot <= 0 || slot >= counters.maxEntries()) {
            return FlowCounters.ZERO;
        }
        synchronized (reader) {
            reader.slot.set(ValueLayout.JAVA_INT, 0, slot);
            return counters.lookup(reader.slot, reader.value)
                    ? Abi.sumCounters(reader.value, 0, BpfMap.possibleCpus(), counters.slotSize()) : FlowCounters.ZERO;
        }
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
