package io.xdprecon.dataplane.maps;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Real key sets are made of neighbours: clients counted up, many flows sharing one client (keys differing only
 * in the listen address and port) or one server (only in the egress address and port). Their hashes must
 * spread over a linear-probing table (what {@code Map.copyOf} builds) as random ones would: the longest run
 * of occupied slots stays short. With a record's {@code 31 * h + field} the one-client set forms runs of
 * tens of thousands, and every lookup walks them.
 */
class FlowKeyHashTest {
    private static final int KEYS = 1 << 16;
    private static final int SLOTS = KEYS * 4; // Map.copyOf's load: half full of key-value pairs

    @Test
    void neighbouringKeysSpreadOverALinearProbingTable() {
        check("clients counted up", i -> new FlowKey(2, 0x0a400000 + i, 0x0ad20164, 10000 + (i & 0x3ff), 30000));
        check("one client", i -> new FlowKey(2, 0xc6336407, 0x0ad20164 + i / 60000, 40000, 1024 + i % 60000));
        check("one server", i -> new FlowKey(3, 0x0ad20202, 0x0ad20201 + (i >>> 15), 5004, 32768 + (i & 0x7fff)));
    }

    private static void check(String what, IntFunction<FlowKey> key) {
        List<FlowKey> keys = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            keys.add(key.apply(i));
        }
        int longest = longestRun(keys);
        // Random hashes at this load give runs of a few dozen; the record's hash gave thousands.
        assertTrue(longest < 200, what + ": longest probe run " + longest);
    }

    /** Inserts into an open-addressing table as ImmutableCollections.MapN does; returns the longest occupied run. */
    private static int longestRun(List<FlowKey> keys) {
        boolean[] used = new boolean[SLOTS];
        for (FlowKey k : keys) {
            int slot = Math.floorMod(k.hashCode(), SLOTS);
            while (used[slot]) {
                slot = (slot + 1) % SLOTS;
            }
            used[slot] = true;
        }
        int longest = 0;
        int run = 0;
        for (int i = 0; i < 2 * SLOTS; i++) {
            run = used[i % SLOTS] ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, SLOTS));
        }
        return longest;
    }
}
