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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Typed view of {@code xdp_fwd_rules} and the rules' counters: {@code xdp_flow_ctrs}, a per-CPU array the
 * datapath indexes with the slot each rule carries, and {@link FlowSlots}, which hands the slots out. The
 * control plane writes only rules; the datapath only bumps counters. Slots never leave this class: a new key
 * gets a fresh slot (its counters zero), a replaced rule keeps its slot and so its counters, a removed rule's
 * counters are zeroed and its slot released, so a key re-added later starts from zero.
 *
 * <p>Bulk operations go page by page through native buffers allocated once per view. The writes belong to one
 * thread ({@link #counters} may be read from any); several views (threads, processes) may share the maps.
 */
public final class RulesMap {
    /** Elements per batch syscall: large enough to amortise the call, small enough to stay in cache. */
    public static final int PAGE = 8192;

    /** Counter slots per batch syscall: a slot's value is per CPU, so pages are smaller than {@link #PAGE}. */
    private static final int COUNTER_PAGE = 1024;

    private final BpfMap rules;
    private final BpfMap counters;
    private final FlowSlots slots;
    private final Arena arena = Arena.ofAuto();
    private final SlotKeeper<FlowKey, FlowRule> writer;
    private final MemorySegment key = arena.allocate(Abi.FLOW_KEY);
    private final MemorySegment rule = arena.allocate(Abi.FLOW_RULE);
    private MemorySegment pageKeys;
    private MemorySegment pageRules;
    private int[] pageSlots;
    private MemorySegment pageSlotKeys;
    private MemorySegment zeroCounters;
    private MemorySegment counterPageKeys;
    private MemorySegment counterPageValues;

    public RulesMap(BpfMap rules, BpfMap counters, BpfMap slotBitmap) {
        this.rules = rules;
        this.counters = counters;
        this.slots = new FlowSlots(slotBitmap, counters.maxEntries(), arena);
        this.writer = new SlotKeeper<>(SlotKeeper.IPV4, rules, counters, slots, arena);
    }

    public int capacity() {
        return rules.maxEntries();
    }

    /** Counter slots claimed by rules (for capacity checks and tests). */
    public int slotsInUse() {
        return slots.used();
    }

    public Optional<FlowRule> get(FlowKey flow) {
        return writer.get(flow);
    }

    /** Creates or replaces one rule; a replacement keeps the rule's counters. */
    public void put(FlowKey flow, FlowRule target) {
        writer.put(flow, target);
    }

    /**
     * Creates the rule, or replaces one of the same owner; a rule of another owner is left as it is and
     * {@code false} returned. A new key costs one syscall, as {@link #put}. Between the lookup and the write of
     * a replacement another writer could still take the key: the kernel has no compare-and-swap for hash
     * maps, and the window is one syscall long.
     */
    public boolean putUnlessOwnedByOther(FlowKey flow, FlowRule target) {
        return writer.putUnlessOwnedByOther(flow, target);
    }

    /** Removes the rule and its counters only if {@code owner} owns it; false when absent or another's. */
    public boolean removeIfOwnedBy(FlowKey flow, Owner owner) {
        return writer.removeIfOwnedBy(flow, owner);
    }

    /** Removes one rule and its counters; false when there was no rule. */
    public boolean remove(FlowKey flow) {
        return writer.remove(flow);
    }

    /**
     * Counters of one flow summed over CPUs; zero when the flow has no rule or has seen no packet. Safe from any
     * thread, also while another writes: it has scratch memory of its own (a status page reads the counters of
     * the rules the DPDK loop is writing). Two syscalls; {@link #countersAt} is one for a caller that knows the slot.
     */
    public FlowCounters counters(FlowKey flow) {
        return writer.counters(flow);
    }

    /** The counters at {@code slot} (a rule's, {@link #slotOf}) summed over CPUs, one syscall; safe from any thread. */
    public FlowCounters countersAt(int slot) {
        return writer.countersAt(slot);
    }

    /**
     * Creates or replaces every rule, {@link #PAGE} per batch syscall, in the map's iteration order of
     * {@code targets}. On failure the exception says how many landed: see {@link BulkWriteException}.
     */
    public void putAll(Map<FlowKey, FlowRule> targets) {
        putAll(targets.entrySet(), Map.Entry::getKey, Map.Entry::getValue);
    }

    /**
     * Creates or replaces the rule {@code rule(item)} at {@code key(item)} for every item, in iteration
     * order, {@link #PAGE} per batch syscall: encoded straight into the batch pages, so a caller holding
     * its writes in another shape needs no map of them. A key that exists keeps its slot (one lookup per key,
     * skipped while no rule holds a slot: a cold load of an empty map), a new key gets a fresh one. The kernel's
     * batch update takes no create-only flag, so a key another writer removes between that lookup and the
     * batch comes back with its released slot: the one race this leaves (one page of lookups wide).
     * On failure the exception says how many landed.
     */
    public <T> void putAll(Collection<T> items, Function<T, FlowKey> key, Function<T, FlowRule> rule) {
        ensurePages();
        boolean empty = slots.used() == 0;
        int done = 0;
        Iterator<T> it = items.iterator();
        while (it.hasNext()) {
            int n = 0;
            boolean filled = false;
            try {
                while (n < PAGE && it.hasNext()) {
                    T item = it.next();
                    FlowKey flow = key.apply(item);
                    long at = (long) n * Abi.FLOW_KEY_SIZE;
                    Abi.writeKey(pageKeys, at, flow);
                    int slot;
                    if (!empty && rules.lookup(pageKeys.asSlice(at, Abi.FLOW_KEY_SIZE), this.rule)
                            && Abi.readRule(this.rule, 0).owner() != Owner.UNKNOWN) {
                        slot = Abi.readSlot(this.rule, 0);
                        pageSlots[n] = 0; // not ours to release
                    } else {
                        try {
                            slot = slots.allocate();
                        } catch (BpfException.CapacityExceeded full) {
                            // Every slot is a rule's: the map holds as many rules as it can. Write what has one.
                            this.rules.updateBatch(pageKeys, pageRules, n, UpdateMode.ANY);
                            throw new BulkWriteException("write rules", done + n, items.size(), full);
                        }
                        pageSlots[n] = slot;
                    }
                    Abi.writeRule(pageRules, (long) n * Abi.FLOW_RULE_SIZE, rule.apply(item), slot);
                    n++;
                }
                filled = true;
                this.rules.updateBatch(pageKeys, pageRules, n, UpdateMode.ANY);
            } catch (BulkWriteException e) {
                throw e;
            } catch (RuntimeException e) {
                int landed = filled ? this.rules.lastBatchDone() : 0;
                releaseUnpublished(landed, n);
                throw new BulkWriteException("write rules", done + landed, items.size(), e);
            }
            done += n;
        }
    }

    private void releaseUnpublished(int from, int to) {
        for (int i = from; i < to; i++) {
            slots.release(pageSlots[i]);
        }
    }

    /** Removes the rules and their counters; keys already absent are skipped. Returns rules removed. */
    public int removeAll(Collection<FlowKey> flows) {
        ensurePages();
        int removed = 0;
        int done = 0;
        Iterator<FlowKey> it = flows.iterator();
        while (it.hasNext()) {
            int n = 0;
            try {
                while (n < PAGE && it.hasNext()) {
                    Abi.writeKey(key, 0, it.next());
                    done++;
                    if (rules.lookupAndDelete(key, rule)) {
                        removed++;
                        int slot = Abi.readSlot(rule, 0);
                        if (slot > 0 && slot < slots.size() && writer.ownsItsSlot(rule, 0)) {
                            pageSlots[n] = slot;
                            pageSlotKeys.set(ValueLayout.JAVA_INT, (long) n * 4, slot);
                            n++;
                        }
                    }
                }
            } catch (RuntimeException e) {
                throw new BulkWriteException("remove rules", done - 1, flows.size(), e);
            } finally {
                // The removed rules' counters go back to zero, then their slots are free.
                if (n > 0) {
                    counters.updateBatch(pageSlotKeys, zeroCounters, n, UpdateMode.ANY);
                    for (int i = 0; i < n; i++) {
                        slots.release(pageSlots[i]);
                    }
                }
            }
        }
        return removed;
    }

    /** Every rule, read with batch lookups. */
    public Map<FlowKey, FlowRule> readAll() {
        Map<FlowKey, FlowRule> all = new HashMap<>();
        forEach(all::put);
        return all;
    }

    /**
     * Visits every rule, read with batch lookups, without collecting them: a pass over a full map (a
     * checksum, a count) then leaves only short-lived garbage instead of half a million retained entries.
     * A key may repeat or be missed if the map is written meanwhile, as in any walk of a live hash map.
     */
    public void forEach(BiConsumer<FlowKey, FlowRule> visitor) {
        ensurePages();
        rules.forEach(pageKeys, pageRules, (keys, values, n) -> {
            for (int i = 0; i < n; i++) {
                visitor.accept(Abi.readKey(keys, (long) i * Abi.FLOW_KEY_SIZE),
                        Abi.readRule(values, (long) i * Abi.FLOW_RULE_SIZE));
            }
        });
    }

    /**
     * Every rule's counters summed over CPUs (zero for rules that have seen no packet), read with batch
     * lookups: the rules for their slots, then the counters array.
     */
    public Map<FlowKey, FlowCounters> readAllCounters() {
        SlotCounters bySlot = new SlotCounters(counters.maxEntries());
        readCounters(bySlot);
        Map<FlowKey, FlowCounters> all = new HashMap<>();
        ensurePages();
        rules.forEach(pageKeys, pageRules, (keys, values, n) -> {
            for (int i = 0; i < n; i++) {
                int slot = Abi.readSlot(values, (long) i * Abi.FLOW_RULE_SIZE);
                all.put(Abi.readKey(keys, (long) i * Abi.FLOW_KEY_SIZE),
                        new FlowCounters(bySlot.packets(slot), bySlot.bytes(slot)));
            }
        });
        return all;
    }

    /**
     * Every rule into {@code into} (what it held is replaced), with batch lookups and nothing allocated per rule:
     * for views that refresh a full map every second ({@code xdprecon top}). Same thread as the writes.
     */
    public void readRules(RuleTable into) {
        ensurePages();
        into.clear(rules.maxEntries());
        rules.forEach(pageKeys, pageRules, into::append);
    }

    /**
     * Visits every rule a page at a time through {@code page} (refilled for each page of up to {@link #PAGE} rules):
     * a walk of a full map with a few hundred kilobytes held and no object per rule. Same thread as the writes.
     */
    public void forEachPage(RuleTable page, Consumer<RuleTable> visitor) {
        ensurePages();
        rules.forEach(pageKeys, pageRules, (keys, values, n) -> {
            page.clear(PAGE);
            page.append(keys, values, n);
            visitor.accept(page);
        });
    }

    /**
     * Every slot's counters, summed over CPUs, into {@code into} (sized {@code capacity() + 1}), with batch lookups
     * and nothing allocated per slot; pair with {@link #readRules} for the slot of each rule.
     */
    public void readCounters(SlotCounters into) {
        if (counterPageKeys == null) {
            counterPageKeys = arena.allocate((long) COUNTER_PAGE * 4, 8);
            counterPageValues = arena.allocate((long) COUNTER_PAGE * counters.valueSize(), 8);
        }
        int cpus = BpfMap.possibleCpus();
        int slotSize = counters.slotSize();
        int stride = counters.valueSize();
        counters.forEach(counterPageKeys, counterPageValues, (k, v, n) -> {
            for (int i = 0; i < n; i++) {
                long at = (long) i * stride;
                into.set(k.get(ValueLayout.JAVA_INT, (long) i * 4), Abi.sumPackets(v, at, cpus, slotSize),
                        Abi.sumBytes(v, at, cpus, slotSize));
            }
        });
    }

    /** A rule that moves into this map from other maps (a migration), with the counts it had there. */
    public record Moved(FlowKey key, FlowRule rule, FlowCounters counters) {}

    /**
     * Writes rules that move here from other maps, {@link #PAGE} per batch syscall: each gets a fresh slot, whose
     * counters are set to what it brings (on the first CPU's copy; readers sum the CPUs). Only for maps no
     * datapath counts in yet: a migration switches the programs over afterwards. Returns the slots given, in the
     * order of {@code moved}; on failure the exception says how many landed.
     */
    public int[] importRules(List<Moved> moved) {
        ensurePages();
        int[] given = new int[moved.size()];
        int stride = counters.valueSize();
        MemorySegment values = arena.allocate((long) PAGE * stride, 8);
        int done = 0;
        while (done < moved.size()) {
            int n = Math.min(PAGE, moved.size() - done);
            int allocated = 0;
            try {
                values.fill((byte) 0);
                for (int i = 0; i < n; i++) {
                    Moved m = moved.get(done + i);
                    int slot = slots.allocate();
                    pageSlots[i] = slot;
                    allocated++;
                    Abi.writeKey(pageKeys, (long) i * Abi.FLOW_KEY_SIZE, m.key());
                    Abi.writeRule(pageRules, (long) i * Abi.FLOW_RULE_SIZE, m.rule(), slot);
                    pageSlotKeys.set(ValueLayout.JAVA_INT, (long) i * 4, slot);
                    Abi.writeCounters(values, (long) i * stride, m.counters());
                }
                // Counters first: a rule is never visible with another rule's leftovers at its slot.
                counters.updateBatch(pageSlotKeys, values, n, UpdateMode.ANY);
                rules.updateBatch(pageKeys, pageRules, n, UpdateMode.ANY);
            } catch (RuntimeException e) {
                int landed = rules.lastBatchDone();
                releaseUnpublished(landed, allocated);
                throw new BulkWriteException("import rules", done + landed, moved.size(), e);
            }
            System.arraycopy(pageSlots, 0, given, done, n);
            done += n;
        }
        return given;
    }

    /** The counter slot of {@code flow}'s rule; 0 when it has none (or no rule). */
    public int slotOf(FlowKey flow) {
        return writer.slotOf(flow);
    }

    /** Keys of every rule with the given owner. */
    public List<FlowKey> keysOwnedBy(Owner owner) {
        List<FlowKey> owned = new ArrayList<>();
        readAll().forEach((k, v) -> {
            if (v.owner() == owner) {
                owned.add(k);
            }
        });
        return owned;
    }

    /** The underlying maps, for benchmarks that compare write strategies. */
    public BpfMap rulesMap() {
        return rules;
    }

    /** The slot allocator, which the IPv6 rules of the same datapath share ({@link Rules6Map}): one cursor for both. */
    FlowSlots slots() {
        return slots;
    }

    /** The per-CPU counters array the rules' slots index ({@code xdp_flow_ctrs}). */
    public BpfMap countersMap() {
        return counters;
    }

    private void ensurePages() {
        if (pageKeys == null) {
            pageKeys = arena.allocate((long) PAGE * Abi.FLOW_KEY_SIZE, 8);
            pageRules = arena.allocate((long) PAGE * Abi.FLOW_RULE_SIZE, 8);
            pageSlots = new int[PAGE];
            pageSlotKeys = arena.allocate((long) PAGE * 4, 8);
            zeroCounters = arena.allocate((long) PAGE * counters.valueSize(), 8); // arenas zero-fill
        }
    }
}
