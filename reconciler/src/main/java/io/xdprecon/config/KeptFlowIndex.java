package io.xdprecon.config;

import io.xdprecon.config.Spec.NodeSpec;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The base's {@link FlowIndex} kept from one load to the next: a revision that replaces one file of many removes
 * that file's old table and adds its new one, so the checks across files (names, egresses, rule keys) cost what
 * the revision changed, not a re-index of every flow (262,000 flows took ~0.3 s quiet, several seconds loaded).
 *
 * <p>Tables are matched by identity: a file whose content is unchanged keeps its {@link ParsedFile}, hence its
 * {@link FlowTable} ({@link ConfigCache}). A table whose interfaces now map to other device numbers (the
 * {@code interfaces} section changed) is indexed again. The index describes whatever was loaded last, valid or not:
 * it follows the tables it holds, not the last good config.
 */
final class KeptFlowIndex {
    private FlowIndex index = new FlowIndex();
    /** Table → its slot in {@link #index}. */
    private final Map<FlowTable, Integer> slots = new IdentityHashMap<>();
    private final Deque<Integer> free = new ArrayDeque<>();

    KeptFlowIndex() {
        reset();
    }

    /** The index of exactly {@code spec}'s flow tables, each with {@link Checks#devices} of {@code spec}. */
    FlowIndex update(NodeSpec spec) {
        List<FlowTable> tables = spec.flows();
        Map<FlowTable, int[]> wanted = new IdentityHashMap<>();
        for (FlowTable table : tables) {
            wanted.put(table, Checks.devices(spec, table));
        }
        if (wanted.size() != tables.size()) {
            reset(); // one table twice: no file gives that, but a slot per table is what the index knows
            return ConfigLoader.index(spec);
        }
        try {
            if (!slots.isEmpty() && slots.entrySet().stream().noneMatch(kept -> stays(kept, wanted))) {
                clear(); // every table goes (one file's edit): cleared at once, not row by row
            }
            for (Iterator<Map.Entry<FlowTable, Integer>> it = slots.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<FlowTable, Integer> kept = it.next();
                if (!stays(kept, wanted)) {
                    index.remove(kept.getValue());
                    free.push(kept.getValue());
                    it.remove();
                }
            }
            int added = 0;
            for (FlowTable table : tables) {
                added += slots.containsKey(table) ? 0 : table.size();
            }
            index.reserve(added);
            for (int rank = 0; rank < tables.size(); rank++) {
                FlowTable table = tables.get(rank);
                Integer slot = slots.get(table);
                if (slot != null) {
                    index.rank(slot, rank);
                } else {
                    slot = free.pop();
                    index.add(slot, table, wanted.get(table), rank);
                    slots.put(table, slot);
                }
            }
            return index;
        } catch (RuntimeException e) {
            reset(); // half updated: start from nothing next time
            throw e;
        }
    }

    /** Whether a kept table stays in the index: still wanted, with the same device numbers. */
    private boolean stays(Map.Entry<FlowTable, Integer> kept, Map<FlowTable, int[]> wanted) {
        int[] devices = wanted.get(kept.getKey());
        return devices != null && Arrays.equals(devices, index.devices(kept.getValue()));
    }

    private void reset() {
        index = new FlowIndex();
        clear();
    }

    private void clear() {
        index.clear();
        slots.clear();
        free.clear();
        for (int slot = 0; slot < FlowIndex.MAX_SLOTS; slot++) {
            free.add(slot);
        }
    }
}
