package io.xdprecon.sessions;

import java.util.Arrays;

/**
 * An open-addressing hash index from a key of {@code width} longs (2 to 5) to a {@link Session}: the per-packet
 * lookup of the session loop, which must not allocate (a record key per lookup would). An IPv4 key is two longs,
 * an IPv6 one up to five (two addresses of two longs each and their ports). The key methods take five longs;
 * an index of width w uses the first w and the caller passes 0 for the rest. Linear probing, deletion by backward
 * shift (no tombstones), grown at half full. Not thread-safe.
 */
final class SessionIndex {
    private final int width;
    private long[] keys;
    private Session[] values;
    private int mask;
    private int size;

    /** An index of two-long keys. */
    SessionIndex(int expected) {
        this(expected, 2);
    }

    SessionIndex(int expected, int width) {
        if (width < 2 || width > 5) {
            throw new IllegalArgumentException("key width " + width + " outside 2..5");
        }
        this.width = width;
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new long[capacity * width];
        values = new Session[capacity];
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    Session get(long a, long b) {
        return get(a, b, 0, 0, 0);
    }

    Session get(long a, long b, long c, long d, long e) {
        for (int i = slot(a, b, c, d, e); ; i = (i + 1) & mask) {
            Session v = values[i];
            if (v == null) {
                return null;
            }
            if (holds(i, a, b, c, d, e)) {
                return v;
            }
        }
    }

    /** Maps the key to {@code session}; returns the previous session of that key, or null. */
    Session put(long a, long b, Session session) {
        return put(a, b, 0, 0, 0, session);
    }

    Session put(long a, long b, long c, long d, long e, Session session) {
        if ((size + 1) * 2 > values.length) {
            grow();
        }
        for (int i = slot(a, b, c, d, e); ; i = (i + 1) & mask) {
            Session v = values[i];
            if (v == null) {
                set(i, a, b, c, d, e);
                values[i] = session;
                size++;
                return null;
            }
            if (holds(i, a, b, c, d, e)) {
                values[i] = session;
                return v;
            }
        }
    }

    /** Removes the key; returns its session, or null. */
    Session remove(long a, long b) {
        return remove(a, b, 0, 0, 0);
    }

    Session remove(long a, long b, long c, long d, long e) {
        int i = slot(a, b, c, d, e);
        while (true) {
            Session v = values[i];
            if (v == null) {
                return null;
            }
            if (holds(i, a, b, c, d, e)) {
                break;
            }
            i = (i + 1) & mask;
        }
        Session removed = values[i];
        // backward shift: move later entries of the run into the hole unless they sit in their home slot range
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slotOf(j);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                System.arraycopy(keys, j * width, keys, hole * width, width);
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        size--;
        return removed;
    }

    private boolean holds(int i, long a, long b, long c, long d, long e) {
        int k = i * width;
        return keys[k] == a && keys[k + 1] == b && (width < 3 || keys[k + 2] == c) && (width < 4 || keys[k + 3] == d)
                && (width < 5 || keys[k + 4] == e);
    }

    private void set(int i, long a, long b, long c, long d, long e) {
        int k = i * width;
        keys[k] = a;
        keys[k + 1] = b;
        if (width > 2) {
            keys[k + 2] = c;
        }
        if (width > 3) {
            keys[k + 3] = d;
        }
        if (width > 4) {
            keys[k + 4] = e;
        }
    }

    private long word(int i, int w) {
        return w < width ? keys[i * width + w] : 0;
    }

    private int slotOf(int i) {
        return slot(word(i, 0), word(i, 1), word(i, 2), word(i, 3), word(i, 4));
    }

    private void grow() {
        long[] k = keys;
        Session[] v = values;
        int w = width;
        allocate(v.length * 2);
        size = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != null) {
                int o = i * w;
                put(k[o], k[o + 1], w > 2 ? k[o + 2] : 0, w > 3 ? k[o + 3] : 0, w > 4 ? k[o + 4] : 0, v[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    /** A two-long key hashes as it always did; the further words are mixed in only when present. */
    private int slot(long a, long b, long c, long d, long e) {
        long h = a * 0x9e3779b97f4a7c15L ^ b;
        if (width > 2) {
            h = Rendezvous.mix(h) * 0x9e3779b97f4a7c15L ^ c;
            h = Rendezvous.mix(h ^ d) * 0x9e3779b97f4a7c15L ^ e;
        }
        return (int) Rendezvous.mix(h) & mask;
    }
}
