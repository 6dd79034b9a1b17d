package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.function.Function;

/**
 * One rule at a time into a rules map of either family, keeping each rule's counter slot: a new key gets a fresh
 * slot (its counters zero), a replaced rule keeps its slot and so its counters, a rule of no known owner gets a
 * fresh one (its slot may be another rule's), a removed rule's counters are zeroed and its slot released. The
 * maps differ only in their {@link Codec}; {@link RulesMap} and {@link Rules6Map} each hold one of these.
 *
 * <p>Writes belong to one thread; {@link #counters} and {@link #countersAt} may be read from any (scratch of their own).
 */
final class SlotKeeper<K, R> {
    /** How one family's keys and rules sit in the map: the {@link Abi} codecs of its structs. */
    record Codec<K, R>(MemoryLayout keyLayout, MemoryLayout ruleLayout, Writer<K> writeKey, RuleWriter<R> writeRule,
            Reader<R> readRule, Function<R, Owner> owner, SlotReader readSlot) {}

    static final Codec<FlowKey, FlowRule> IPV4 = new Codec<>(Abi.FLOW_KEY, Abi.FLOW_RULE, Abi::writeKey, Abi::writeRule,
            Abi::readRule, FlowRule::owner, Abi::readSlot);

    static final Codec<FlowKey6, FlowRule6> IPV6 = new Codec<>(Abi.FLOW_KEY6, Abi.FLOW_RULE6, Abi::writeKey6,
            Abi::writeRule6, Abi::readRule6, FlowRule6::owner, Abi::readSlot6);

    @FunctionalInterface
    interface Writer<T> {
        void write(MemorySegment segment, long at, T value);
    }

    @FunctionalInterface
    interface RuleWriter<R> {
        void write(MemorySegment segment, long at, R rule, int slot);
    }

    @FunctionalInterface
    interface Reader<T> {
        T read(MemorySegment segment, long at);
    }

    @FunctionalInterface
    interface SlotReader {
        int read(MemorySegment segment, long at);
    }

    private final Codec<K, R> codec;
    private final BpfMap rules;
    private final BpfMap counters;
    private final FlowSlots slots;
    private final MemorySegment key;
    private final MemorySegment rule;
    private final MemorySegment slotKey;
    private final MemorySegment zeroCounters;
    private final Scratch reader;
    private final Arena arena;
    private MemorySegment imported;

    SlotKeeper(Codec<K, R> codec, BpfMap rules, BpfMap counters, FlowSlots slots, Arena arena) {
        this.codec = codec;
        this.arena = arena;
        this.rules = rules;
        this.counters = counters;
        this.slots = slots;
        this.key = arena.allocate(codec.keyLayout());
        this.rule = arena.allocate(codec.ruleLayout());
        this.slotKey = arena.allocate(ValueLayout.JAVA_INT);
        this.zeroCounters = arena.allocate(counters.valueSize(), 8); // arenas zero-fill
        this.reader = new Scratch(arena.allocate(codec.keyLayout()), arena.allocate(codec.ruleLayout()),
                arena.allocate(ValueLayout.JAVA_INT), arena.allocate(counters.valueSize(), 8));
    }

    Optional<R> get(K flow) {
        codec.writeKey().write(key, 0, flow);
        return rules.lookup(key, rule) ? Optional.of(codec.readRule().read(rule, 0)) : Optional.empty();
    }

    /** The counter slot of {@code flow}'s rule; 0 when it has none (or no rule). */
    int slotOf(K flow) {
        codec.writeKey().write(key, 0, flow);
        return rules.lookup(key, rule) ? codec.readSlot().read(rule, 0) : 0;
    }

    /** Creates or replaces one rule; a replacement keeps the rule's counters. */
    void put(K flow, R target) {
        codec.writeKey().write(key, 0, flow);
        while (true) {
            if (rules.lookup(key, rule)) {
                boolean nobodys = ownerAt(rule, 0) == Owner.UNKNOWN;
                int slot = nobodys ? slots.allocate() : codec.readSlot().read(rule, 0);
                codec.writeRule().write(rule, 0, target, slot);
                try {
                    rules.update(key, rule, UpdateMode.REPLACE);
                    return;
                } catch (BpfException.NotFound removedMeanwhile) {
                    // another writer removed it: create it anew
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
     * Creates the rule, or replaces one of the same owner; a rule of another owner is left as it is and
     * {@code false} returned. Between the lookup and the write of a replacement another writer could still take
     * the key: the kernel has no compare-and-swap for hash maps, and the window is one syscall long.
     */
    boolean putUnlessOwnedByOther(K flow, R target) {
        codec.writeKey().write(key, 0, flow);
        while (true) {
            if (create(target)) {
                return true;
            }
            if (rules.lookup(key, rule)) {
                if (ownerAt(rule, 0) != codec.owner().apply(target)) {
                    return false;
                }
                codec.writeRule().write(rule, 0, target, codec.readSlot().read(rule, 0));
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
    private boolean create(R target) {
        int slot;
        try {
            slot = slots.allocate();
        } catch (BpfException.CapacityExceeded full) {
            if (rules.lookup(key, rule)) {
                return false; // no slot for a new rule, but this one exists: the caller replaces it
            }
            throw full;
        }
        codec.writeRule().write(rule, 0, target, slot);
        try {
            rules.update(key, rule, UpdateMode.CREATE);
            return true;
        } catch (BpfException.AlreadyExists e) {
            slots.release(slot); // never published: its counters are still zero
            return false;
        } catch (RuntimeException e) {
            slots.release(slot);
            throw e;
        }
    }

    /**
     * Writes a rule that moves here from other maps (a migration) with a fresh slot whose counters are set to what it
     * brings (on the first CPU's copy; readers sum the CPUs): counters first, so the rule never shows another's. Only
     * for maps no datapath counts in yet. Returns the slot.
     */
    int importRule(K flow, R target, FlowCounters brought) {
        int slot = slots.allocate();
        try {
            if (imported == null) {
                imported = arena.allocate(counters.valueSize(), 8);
            }
            imported.fill((byte) 0);
            Abi.writeCounters(imported, 0, brought);
            slotKey.set(ValueLayout.JAVA_INT, 0, slot);
            counters.update(slotKey, imported, UpdateMode.ANY);
            codec.writeKey().write(key, 0, flow);
            codec.writeRule().write(rule, 0, target, slot);
            rules.update(key, rule, UpdateMode.CREATE);
            return slot;
        } catch (RuntimeException e) {
            slots.release(slot);
            throw e;
        }
    }

    /** Removes one rule and its counters; false when there was no rule. */
    boolean remove(K flow) {
        codec.writeKey().write(key, 0, flow);
        if (!rules.lookupAndDelete(key, rule)) {
            return false;
        }
        int slot = codec.readSlot().read(rule, 0);
        if (slot > 0 && slot < slots.size() && ownsItsSlot(rule, 0)) {
            slotKey.set(ValueLayout.JAVA_INT, 0, slot);
            counters.update(slotKey, zeroCounters, UpdateMode.ANY);
            slots.release(slot);
        }
        return true;
    }

    /** Removes the rule and its counters only if {@code owner} owns it; false when absent or another's. */
    boolean removeIfOwnedBy(K flow, Owner owner) {
        Optional<R> current = get(flow);
        return current.isPresent() && codec.owner().apply(current.get()) == owner && remove(flow);
    }

    /**
     * Whether the rule at {@code at} holds a slot this map handed out: a rule of no known owner (0 from an all-zero
     * value, a code no build writes) was not written here, and its slot may be another rule's, never zeroed or freed.
     */
    boolean ownsItsSlot(MemorySegment rules, long at) {
        return ownerAt(rules, at) != Owner.UNKNOWN;
    }

    private Owner ownerAt(MemorySegment rules, long at) {
        return codec.owner().apply(codec.readRule().read(rules, at));
    }

    /** Counters of one flow summed over CPUs: its rule for the slot, then the slot; zero without a rule or a packet. */
    FlowCounters counters(K flow) {
        synchronized (reader) {
            codec.writeKey().write(reader.key, 0, flow);
            if (!rules.lookup(reader.key, reader.rule)) {
                return FlowCounters.ZERO;
            }
            return countersAt(codec.readSlot().read(reader.rule, 0));
        }
    }

    /** The counters at {@code slot} summed over CPUs, one syscall: for a caller that knows the rule's slot. */
    FlowCounters countersAt(int slot) {
        if (slot <= 0 || slot >= counters.maxEntries()) {
            return FlowCounters.ZERO;
        }
        synchronized (reader) {
            reader.slot.set(ValueLayout.JAVA_INT, 0, slot);
            return counters.lookup(reader.slot, reader.value)
                    ? Abi.sumCounters(reader.value, 0, BpfMap.possibleCpus(), counters.slotSize()) : FlowCounters.ZERO;
        }
    }

    /** The scratch memory of the readers, apart from the writer's. */
    private record Scratch(MemorySegment key, MemorySegment rule, MemorySegment slot, MemorySegment value) {}
}
