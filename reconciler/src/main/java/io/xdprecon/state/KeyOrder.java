package io.xdprecon.state;

/**
 * The order of packed rule keys (two longs each, as {@code FlowKey.high()} and {@code low()}): unsigned pairs,
 * which sorts by interface, then addresses, then ports. One sort for every packed table of rules.
 */
public final class KeyOrder {
    private final long[] high;
    private final long[] low;

    private KeyOrder(long[] high, long[] low) {
        this.high = high;
        this.low = low;
    }

    /** The indexes of the first {@code size} keys in key order; equal keys in index order. */
    public static int[] sorted(long[] high, long[] low, int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        new KeyOrder(high, low).quicksort(order, 0, size - 1);
        return order;
    }

    /** {@code values} in {@code order} (from {@link #sorted}): a new array of {@code order.length}. */
    public static long[] permuted(long[] values, int[] order) {
        long[] out = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = values[order[i]];
        }
        return out;
    }

    public static int[] permuted(int[] values, int[] order) {
        int[] out = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = values[order[i]];
        }
        return out;
    }

    private int compare(int a, int b) {
        int c = Long.compareUnsigned(high[a], high[b]);
        if (c == 0) {
            c = Long.compareUnsigned(low[a], low[b]);
        }
        return c != 0 ? c : Integer.compare(a, b);
    }

    private void quicksort(int[] order, int lo, int hi) {
        while (hi - lo > 16) {
            int mid = (lo + hi) >>> 1;
            if (compare(order[mid], order[lo]) < 0) {
                swap(order, mid, lo);
            }
            if (compare(order[hi], order[lo]) < 0) {
                swap(order, hi, lo);
            }
            if (compare(order[hi], order[mid]) < 0) {
                swap(order, hi, mid);
            }
            int pivot = order[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (compare(order[i], pivot) < 0) {
                    i++;
                }
                while (compare(order[j], pivot) > 0) {
                    j--;
                }
                if (i <= j) {
                    swap(order, i++, j--);
                }
            }
            if (j - lo < hi - i) {
                quicksort(order, lo, j);
                lo = i;
            } else {
                quicksort(order, i, hi);
                hi = j;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            int v = order[i];
            int j = i - 1;
            while (j >= lo && compare(order[j], v) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = v;
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
