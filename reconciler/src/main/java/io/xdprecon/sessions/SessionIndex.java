package io.xdprecon.sessions;

import java.util.Arrays;

/**
 * An open-addressing hash index from a 128-bit key (two longs) to a {@link Session}: the per-packet
 * lookup of the session loop, which must not allocate (a record key per lookup would). Linear probing,
 * deletion by backward shift (no tombstones), grown at half full. Not thread-safe.
 */
final class SessionIndex {
    private long[] keysA;
    private long[] keysB;
    private Session[] values;
    private int mask;
    private int size;

    SessionIndex(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keysA = new long[capacity];
        keysB = new long[capacity];
        values = new Session[capacity];
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    Session get(long a, long b) {
        for (int i = slot(a, b); ; i = (i + 1) & mask) {
            Session v = values[i];
            if (v == null) {
                return null;
            }
            if (keysA[i] == a && keysB[i] == b) {
                return v;
            }
        }
    }

    /** Maps the key to {@code session}; returns the previous session of that key, or null. */
    Session put(long a, long b, Session session) {
        if ((size + 1) * 2 > values.length) {
            grow();
        }
        for (int i = slot(a, b); ; i = (i + 1) & mask) {
            Session v = values[i];
            if (v == null) {
                keysA[i] = a;
                keysB[i] = b;
                values[i] = session;
                size++;
                return null;
            }
            if (keysA[i] == a && keysB[i] == b) {
                values[i] = session;
                return v;
            }
        }
    }

    /** Removes the key; returns its session, or null. */
    Session remove(long a, long b) {
        int i = slot(a, b);
        while (true) {
            Session v = values[i];
            if (v == null) {
                return null;
            }
            if (keysA[i] == a && keysB[i] == b) {
                break;
            }
            i = (i + 1) & mask;
        }
        Session removed = values[i];
        // backward shift: move later entries of the run into the hole unless they sit in their home slot range
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keysA[j], keysB[j]);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keysA[hole] = keysA[j];
                keysB[hole] = keysB[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        size--;
        return removed;
    }

    private void grow() {
        long[] a = keysA;
        long[] b = keysB;
        Session[] v = values;
        allocate(v.length * 2);
        size = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != null) {
                put(a[i], b[i], v[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private int slot(long a, long b) {
        return (int) Rendezvous.mix(a * 0x9e3779b97f4a7c15L ^ b) & mask;
    }
}
