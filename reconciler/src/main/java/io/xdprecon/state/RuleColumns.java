package io.xdprecon.state;

import java.util.Arrays;

/**
 * Rules as a packed table's builder collects them, before its sort: key and rewrite as pairs of longs
 * ({@code FlowKey.high()}, {@code low()}) and one int a rule (the owner code of a live rule; the flow and leg of a
 * desired one), in parallel arrays that grow together. What {@link LiveRules.Builder} and {@link DesiredRules.Builder}
 * share; the builder reads the arrays directly once it has {@link #sort sorted} them.
 */
final class RuleColumns {
    long[] keyHigh;
    long[] keyLow;
    long[] rewriteHigh;
    long[] rewriteLow;
    int[] tags;
    int size;

    RuleColumns(int capacity) {
        keyHigh = new long[capacity];
        keyLow = new long[capacity];
        rewriteHigh = new long[capacity];
        rewriteLow = new long[capacity];
        tags = new int[capacity];
    }

    void add(long keyHi, long keyLo, long rewriteHi, long rewriteLo, int tag) {
        if (size == keyHigh.length) {
            int grown = Math.max(4, size * 2);
            keyHigh = Arrays.copyOf(keyHigh, grown);
            keyLow = Arrays.copyOf(keyLow, grown);
            rewriteHigh = Arrays.copyOf(rewriteHigh, grown);
            rewriteLow = Arrays.copyOf(rewriteLow, grown);
            tags = Arrays.copyOf(tags, grown);
        }
        keyHigh[size] = keyHi;
        keyLow[size] = keyLo;
        rewriteHigh[size] = rewriteHi;
        rewriteLow[size] = rewriteLo;
        tags[size] = tag;
        size++;
    }

    /** Copies rule {@code from} over rule {@code to}. */
    void move(int from, int to) {
        keyHigh[to] = keyHigh[from];
        keyLow[to] = keyLow[from];
        rewriteHigh[to] = rewriteHigh[from];
        rewriteLow[to] = rewriteLow[from];
        tags[to] = tags[from];
    }

    /**
     * Sorts the rules by key ({@link KeyOrder}), equal keys in the order added, into new arrays of exactly
     * {@link #size}: a table built from them shares them, and a later {@link #add} grows into copies.
     */
    void sort() {
        int[] order = KeyOrder.sorted(keyHigh, keyLow, size);
        keyHigh = KeyOrder.permuted(keyHigh, order);
        keyLow = KeyOrder.permuted(keyLow, order);
        rewriteHigh = KeyOrder.permuted(rewriteHigh, order);
        rewriteLow = KeyOrder.permuted(rewriteLow, order);
        tags = KeyOrder.permuted(tags, order);
    }
}
