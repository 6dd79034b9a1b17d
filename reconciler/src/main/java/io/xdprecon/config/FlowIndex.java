package io.xdprecon.config;

import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.state.Direction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The static flows of one node's view by name, by egress address:port and by rule key: what the checks
 * compare across every list and file. Tables are added and removed whole ({@link #add}, {@link #remove}), so
 * a new revision that changes one file of many updates the index by that file's flows only. Entries are
 * references ({@code slot << 20 | row}, keys with a direction bit) in open-addressing tables of ints, a few bytes
 * per flow; equal entries may stand side by side, and those that met another on the way in are kept as
 * suspects, so that finding every conflict costs what the conflicts are, not the flows.
 */
final class FlowIndex {
    /** Tables one index holds at most: a slot number has 10 bits in a reference. */
    static final int MAX_SLOTS = 1 << 10;
    private static final int ROW_BITS = 20;

    private final FlowTable[] tables = new FlowTable[MAX_SLOTS];
    /** Per slot: each of the table's interfaces as a device number, -1 when not declared. */
    private final int[][] devices = new int[MAX_SLOTS][];
    /** Per slot: where its table comes in the node's order of flows. */
    private final int[] ranks = new int[MAX_SLOTS];
    private final Probe names = new Probe(Kind.NAME);
    private final Probe egresses = new Probe(Kind.EGRESS);
    private final Probe keys = new Probe(Kind.KEY);
    private final long[] scratchA = new long[4];
    private final long[] scratchB = new long[4];

    private enum Kind { NAME, EGRESS, KEY }

    /** A flow by reference: its table and row; for rule keys, also a leg. */
    record Entry(int slot, int row, Direction direction) {}

    /**
     * Adds every row of {@code table} in {@code slot}.
     *
     * @param devices  the device number of each of the table's interfaces (-1: not declared, so its rows have
     *                 no comparable rule keys)
     * @param rank     the table's place in the node's order of flows (files in path order)
     */
    void add(int slot, FlowTable table, int[] devices, int rank) {
        if (tables[slot] != null) {
            throw new IllegalStateException("slot " + slot + " is taken");
        }
        tables[slot] = table;
        this.devices[slot] = devices;
        ranks[slot] = rank;
        reserve(table.size());
        for (int r = 0; r < table.size(); r++) {
            int ref = slot << ROW_BITS | r;
            names.add(ref);
            egresses.add(ref);
            if (devices[table.listenIfaceIndex(r)] >= 0 && devices[table.egressIfaceIndex(r)] >= 0) {
                keys.add(ref << 1);
                keys.add(ref << 1 | 1);
            }
        }
    }

    /**
     * Room for {@code rows} more rows at once, before their tables are added: the probe tables grow once to the size
     * they need. Added table by table, 256 files' tables made each probe table double (and rehash every reference
     * held, a rule key's hash a leg derived again) ten times over: ~50 ms of a split config's checks, on one thread.
     */
    void reserve(int rows) {
        names.reserve(rows);
        egresses.reserve(rows);
        keys.reserve(2 * rows);
    }

    /** Removes the table in {@code slot}. */
    void remove(int slot) {
        FlowTable table = tables[slot];
        for (int r = 0; r < table.size(); r++) {
            int ref = slot << ROW_BITS | r;
            names.remove(ref);
            egresses.remove(ref);
            if (devices[slot][table.listenIfaceIndex(r)] >= 0 && devices[slot][table.egressIfaceIndex(r)] >= 0) {
                keys.remove(ref << 1);
                keys.remove(ref << 1 | 1);
            }
        }
        tables[slot] = null;
        devices[slot] = null;
    }

    /**
     * Removes every table: what {@link #remove} of each leaves, for the cost of zeroing the probe tables (their
     * capacity kept for the tables added next). A one-file config's edit replaces its only table: its 262,000 rows
     * removed one by one, each hashed again, were a sixth of the edit's CPU.
     */
    void clear() {
        java.util.Arrays.fill(tables, null);
        java.util.Arrays.fill(devices, null);
        names.clear();
        egresses.clear();
        keys.clear();
    }

    /** Moves the table in {@code slot} to another place in the order (a file added before it). */
    void rank(int slot, int rank) {
        ranks[slot] = rank;
    }

    FlowTable table(int slot) {
        return tables[slot];
    }

    /** The device numbers the table in {@code slot} was added with. */
    int[] devices(int slot) {
        return devices[slot];
    }

    /** Flows sharing a name, each group in the node's order (the first is the one the others repeat). */
    List<List<Entry>> sameNames() {
        return names.groups();
    }

    /** Flows sharing an egress address:port, each group in order. */
    List<List<Entry>> sameEgresses() {
        return egresses.groups();
    }

    /**
     * Every flow whose egress is {@code address} at a port of {@code ports}, in the node's order (as a walk of its
     * flows finds them: a check places its first 10,000 problems only): looked up port by port in
     * the egress index when the pool has fewer ports than the index has flows, else by a walk of the flows. A
     * service's pool is checked against every flow of every file at each revision; this costs the smaller of the
     * two (a pool of 10,000 ports among 262,144 flows: 10,000 probes), not the flows.
     */
    List<Entry> egressesWithin(IpAddress address, PortRange ports) {
        List<Entry> within = new ArrayList<>();
        int ip = FlowTable.fold(address);
        if (ports.size() < egresses.used) {
            for (int port = ports.first(); port <= ports.last(); port++) {
                egresses.forEachEgress(ip, port, ref -> {
                    FlowTable table = tables[ref >>> ROW_BITS];
                    if (table.isAddress(ref & FlowTable.MAX_ROWS, true, address)) {
                        within.add(entry(Kind.EGRESS, ref));
                    }
                });
            }
        } else {
            for (int slot = 0; slot < MAX_SLOTS; slot++) {
                FlowTable table = tables[slot];
                for (int r = 0; table != null && r < table.size(); r++) {
                    if (ports.contains(table.egressPort(r)) && table.isAddress(r, true, address)) {
                        within.add(new Entry(slot, r, Direction.FORWARD));
                    }
                }
            }
        }
        within.sort(order);
        return within;
    }

    /** Legs sharing a rule key, each group in order (a flow's forward leg before its reverse one). */
    List<List<Entry>> sameKeys() {
        return keys.groups();
    }

    /** Writes entry's leg (key and rewrite, device-numbered) into {@code out}. */
    void leg(Entry entry, long[] out) {
        tables[entry.slot()].leg(entry.row(), entry.direction(), devices[entry.slot()], out);
    }

    private Entry entry(Kind kind, int stored) {
        int ref = kind == Kind.KEY ? stored >>> 1 : stored;
        Direction direction = kind == Kind.KEY && (stored & 1) == 1 ? Direction.REVERSE : Direction.FORWARD;
        return new Entry(ref >>> ROW_BITS, ref & FlowTable.MAX_ROWS, direction);
    }

    private int hash(Kind kind, int ref) {
        int slot = (kind == Kind.KEY ? ref >>> 1 : ref) >>> ROW_BITS;
        int row = (kind == Kind.KEY ? ref >>> 1 : ref) & FlowTable.MAX_ROWS;
        FlowTable table = tables[slot];
        long h = switch (kind) {
            case NAME -> table.nameHash(row);
            case EGRESS -> egressValue(table.egressIp(row), table.egressPort(row));
            case KEY -> {
                table.leg(row, (ref & 1) == 1 ? Direction.REVERSE : Direction.FORWARD, devices[slot], scratchA);
                yield scratchA[Flow.KEY_HIGH] * 0x9E3779B97F4A7C15L ^ scratchA[Flow.KEY_LOW];
            }
        };
        return mix(h);
    }

    private static long egressValue(int ip, int port) {
        return (long) ip << 16 | port;
    }

    private static int mix(long h) {
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 33));
    }

    private boolean same(Kind kind, int a, int b) {
        int refA = kind == Kind.KEY ? a >>> 1 : a;
        int refB = kind == Kind.KEY ? b >>> 1 : b;
        FlowTable ta = tables[refA >>> ROW_BITS];
        FlowTable tb = tables[refB >>> ROW_BITS];
        int ra = refA & FlowTable.MAX_ROWS;
        int rb = refB & FlowTable.MAX_ROWS;
        return switch (kind) {
            case NAME -> ta.sameName(ra, tb, rb);
            case EGRESS -> ta.egressIp(ra) == tb.egressIp(rb) && ta.egressPort(ra) == tb.egressPort(rb)
                    && ta.sameEgressAddress(ra, tb, rb);
            case KEY -> {
                Direction da = (a & 1) == 1 ? Direction.REVERSE : Direction.FORWARD;
                Direction db = (b & 1) == 1 ? Direction.REVERSE : Direction.FORWARD;
                ta.leg(ra, da, devices[refA >>> ROW_BITS], scratchA);
                tb.leg(rb, db, devices[refB >>> ROW_BITS], scratchB);
                // the int columns of an IPv6 row hold folds: equal ones are confirmed on the addresses
                yield scratchA[Flow.KEY_HIGH] == scratchB[Flow.KEY_HIGH] && scratchA[Flow.KEY_LOW] == scratchB[Flow.KEY_LOW]
                        && ta.sameKeyAddresses(ra, da, tb, rb, db);
            }
        };
    }

    /** Order of the node's flows: table, row, then forward before reverse. */
    private final Comparator<Entry> order = Comparator.<Entry>comparingInt(e -> ranks[e.slot()])
            .thenComparingInt(Entry::row).thenComparing(Entry::direction);

    /** One open-addressing table of references (stored + 1; 0 is empty), linear probing, at most half full. */
    private final class Probe {
        private final Kind kind;
        private int[] slots = new int[1024];
        private int used;
        private final Set<Integer> suspects = new HashSet<>();

        Probe(Kind kind) {
            this.kind = kind;
        }

        void add(int ref) {
            if (2 * (used + 1) > slots.length) {
                grow(slots.length * 2);
            }
            int mask = slots.length - 1;
            int i = hash(kind, ref) & mask;
            while (slots[i] != 0) {
                int other = slots[i] - 1;
                if (same(kind, other, ref)) {
                    suspects.add(other);
                    suspects.add(ref);
                }
                i = (i + 1) & mask;
            }
            slots[i] = ref + 1;
            used++;
        }

        /** Each stored egress reference at {@code ip} (an address's int column) and {@code port}. */
        void forEachEgress(int ip, int port, java.util.function.IntConsumer action) {
            int mask = slots.length - 1;
            for (int i = mix(egressValue(ip, port)) & mask; slots[i] != 0; i = (i + 1) & mask) {
                int ref = slots[i] - 1;
                FlowTable table = tables[ref >>> ROW_BITS];
                int row = ref & FlowTable.MAX_ROWS;
                if (table.egressIp(row) == ip && table.egressPort(row) == port) {
                    action.accept(ref);
                }
            }
        }

        void remove(int ref) {
            int mask = slots.length - 1;
            int i = hash(kind, ref) & mask;
            while (slots[i] != ref + 1) {
                if (slots[i] == 0) {
                    throw new IllegalStateException("not in the index: " + ref);
                }
                i = (i + 1) & mask;
            }
            // Backward-shift deletion: entries after the hole that may move into it do.
            int hole = i;
            for (int j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
                int home = hash(kind, slots[j] - 1) & mask;
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                    slots[hole] = slots[j];
                    hole = j;
                }
            }
            slots[hole] = 0;
            used--;
            suspects.remove(ref);
        }

        /** Room for {@code more} references at once: one rehash to the size they need, not one per doubling. */
        void reserve(int more) {
            int length = slots.length;
            while (2L * (used + more) > length) {
                length *= 2;
            }
            if (length > slots.length) {
                grow(length);
            }
        }

        void clear() {
            java.util.Arrays.fill(slots, 0);
            used = 0;
            suspects.clear();
        }

        private void grow(int length) {
            int[] old = slots;
            slots = new int[length];
            used = 0;
            int mask = slots.length - 1;
            for (int stored : old) {
                if (stored != 0) {
                    int i = hash(kind, stored - 1) & mask;
                    while (slots[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    slots[i] = stored;
                    used++;
                }
            }
        }

        List<List<Entry>> groups() {
            List<List<Entry>> groups = new ArrayList<>();
            Set<Integer> grouped = new HashSet<>();
            List<Integer> gone = new ArrayList<>();
            int mask = slots.length - 1;
            for (int suspect : suspects) {
                if (grouped.contains(suspect)) {
                    continue;
                }
                List<Entry> group = new ArrayList<>();
                for (int i = hash(kind, suspect) & mask; slots[i] != 0; i = (i + 1) & mask) {
                    int other = slots[i] - 1;
                    if (same(kind, other, suspect)) {
                        group.add(entry(kind, other));
                        grouped.add(other);
                    }
                }
                if (group.size() < 2) {
                    gone.add(suspect); // its partners left: no longer a suspect
                    continue;
                }
                group.sort(order);
                groups.add(group);
            }
            gone.forEach(suspects::remove);
            return groups;
        }
    }
}
