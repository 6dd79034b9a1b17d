package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Typed view of {@code xdp_fwd_rules} and its companion {@code xdp_flow_stats}. The control plane
 * writes only rules; the datapath creates and bumps counters. Removing a rule removes its counters,
 * so a key re-added later starts from zero, while replacing a rule's target keeps them.
 *
 * <p>Bulk operations go page by page through native buffers allocated once per view. Not
 * thread-safe.
 */
public final class RulesMap {
    /** Elements per batch syscall: large enough to amortise the call, small enough to stay in cache. */
    public static final int PAGE = 8192;

    private final BpfMap rules;
    private final BpfMap stats;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment key = arena.allocate(Abi.FLOW_KEY);
    private final MemorySegment rule = arena.allocate(Abi.FLOW_RULE);
    private final MemorySegment counters;
    private MemorySegment pageKeys;
    private MemorySegment pageRules;

    public RulesMap(BpfMap rules, BpfMap stats) {
        this.rules = rules;
        this.stats = stats;
        this.counters = arena.allocate(stats.valueSize(), 8);
    }

    public int capacity() {
        return rules.maxEntries();
    }

    public Optional<FlowRule> get(FlowKey flow) {
        Abi.writeKey(key, 0, flow);
        return rules.lookup(key, rule) ? Optional.of(Abi.readRule(rule, 0)) : Optional.empty();
    }

    /** Creates or replaces one rule. */
    public void put(FlowKey flow, FlowRule target) {
        Abi.writeKey(key, 0, flow);
        Abi.writeRule(rule, 0, target);
        rules.update(key, rule, UpdateMode.ANY);
    }

    /**
     * Creates the rule, or replaces one of the same owner; a rule of another owner is left as it is and
     * {@code false} returned. A new key costs one syscall, as {@link #put}. Between the lookup and the write of
     * a replacement another writer could still take the key: the kernel has no compare-and-swap for hash
     * maps, and the window is one syscall long.
     */
    public boolean putUnlessOwnedByOther(FlowKey flow, FlowRule target) {
        Abi.writeKey(key, 0, flow);
        Abi.writeRule(rule, 0, target);
        try {
            rules.update(key, rule, UpdateMode.CREATE);
            return true;
        } catch (BpfException.AlreadyExists e) {
            Optional<FlowRule> current = get(flow);
            if (current.isPresent() && current.get().owner() != target.owner()) {
                return false;
            }
            put(flow, target);
            return true;
        }
    }

    /** Removes the rule and its counters only if {@code owner} owns it; false when absent or another's. */
    public boolean removeIfOwnedBy(FlowKey flow, Owner owner) {
        Optional<FlowRule> current = get(flow);
        return current.isPresent() && current.get().owner() == owner && remove(flow);
    }

    /** Removes one rule and its counters; false when there was no rule. */
    public boolean remove(FlowKey flow) {
        Abi.writeKey(key, 0, flow);
        boolean existed = rules.delete(key);
        stats.delete(key);
        return existed;
    }

    /** Counters of one flow summed over CPUs; zero when the flow has seen no packet. */
    public FlowCounters counters(FlowKey flow) {
        Abi.writeKey(key, 0, flow);
        if (!stats.lookup(key, counters)) {
            return FlowCounters.ZERO;
        }
        return Abi.sumCounters(counters, 0, BpfMap.possibleCpus(), stats.slotSize());
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
     * its writes in another shape needs no map of them. On failure the exception says how many landed.
     */
    public <T> void putAll(Collection<T> items, Function<T, FlowKey> key, Function<T, FlowRule> rule) {
        ensurePages();
        int done = 0;
        Iterator<T> it = items.iterator();
        while (it.hasNext()) {
            int n = 0;
            while (n < PAGE && it.hasNext()) {
                T item = it.next();
                Abi.writeKey(pageKeys, (long) n * Abi.FLOW_KEY_SIZE, key.apply(item));
                Abi.writeRule(pageRules, (long) n * Abi.FLOW_RULE_SIZE, rule.apply(item));
                n++;
            }
            try {
                rules.updateBatch(pageKeys, pageRules, n, UpdateMode.ANY);
            } catch (RuntimeException e) {
                throw new BulkWriteException("write rules", done + rules.lastBatchDone(), items.size(), e);
            }
            done += n;
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
            while (n < PAGE && it.hasNext()) {
                Abi.writeKey(pageKeys, (long) n * Abi.FLOW_KEY_SIZE, it.next());
                n++;
            }
            try {
                removed += rules.deleteBatch(pageKeys, n);
                stats.deleteBatch(pageKeys, n);
            } catch (RuntimeException e) {
                throw new BulkWriteException("remove rules", done + rules.lastBatchDone(), flows.size(), e);
            }
            done += n;
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

    /** Every flow's counters summed over CPUs, read with batch lookups. */
    public Map<FlowKey, FlowCounters> readAllCounters() {
        ensurePages();
        int page = 1024;
        MemorySegment keys = arena.allocate((long) page * Abi.FLOW_KEY_SIZE, 8);
        MemorySegment values = arena.allocate((long) page * stats.valueSize(), 8);
        int cpus = BpfMap.possibleCpus();
        int slot = stats.slotSize();
        int stride = stats.valueSize();
        Map<FlowKey, FlowCounters> all = new HashMap<>();
        stats.forEach(keys, values, (k, v, n) -> {
            for (int i = 0; i < n; i++) {
                all.put(Abi.readKey(k, (long) i * Abi.FLOW_KEY_SIZE), Abi.sumCounters(v, (long) i * stride, cpus, slot));
            }
        });
        return all;
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

    private void ensurePages() {
        if (pageKeys == null) {
            pageKeys = arena.allocate((long) PAGE * Abi.FLOW_KEY_SIZE, 8);
            pageRules = arena.allocate((long) PAGE * Abi.FLOW_RULE_SIZE, 8);
        }
    }
}
