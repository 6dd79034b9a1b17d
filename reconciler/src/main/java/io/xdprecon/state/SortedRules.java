package io.xdprecon.state;

import io.xdprecon.dataplane.maps.Owner;

/**
 * A packed table of rules ({@link DesiredRules}, {@link LiveRules}) as a merged walk of two such tables reads it: by
 * index, in {@link KeyOrder}, each rule's key and rewrite as pairs of longs ({@code FlowKey.high()}, {@code low()}) and
 * the owner code it is written with. A view over the table's own arrays (no copy). A final class that holds the data
 * rather than an interface or a "same at (i, j)" lambda per diff: the one walk behind both diffs then reads 524,288
 * rules a side through call sites that see one type, as each diff's own walk did.
 */
public final class SortedRules {
    private final long[] keyHigh;
    private final long[] keyLow;
    private final long[] rewriteHigh;
    private final long[] rewriteLow;
    /** Null where every rule is config-owned (desired rules). */
    private final int[] ownerCodes;

    /** The arrays hold exactly the table's rules, sorted by key; they are not copied and must not change. */
    SortedRules(long[] keyHigh, long[] keyLow, long[] rewriteHigh, long[] rewriteLow, int[] ownerCodes) {
        this.keyHigh = keyHigh;
        this.keyLow = keyLow;
        this.rewriteHigh = rewriteHigh;
        this.rewriteLow = rewriteLow;
        this.ownerCodes = ownerCodes;
    }

    public int size() {
        return keyHigh.length;
    }

    public long keyHigh(int i) {
        return keyHigh[i];
    }

    public long keyLow(int i) {
        return keyLow[i];
    }

    /** The owner code rule {@code i} is written with. */
    public int ownerCode(int i) {
        return ownerCodes == null ? Owner.CONFIG.code() : ownerCodes[i];
    }

    /** Orders rule {@code i} of this against rule {@code j} of {@code other} by key. */
    public int compareKeys(int i, SortedRules other, int j) {
        int c = Long.compareUnsigned(keyHigh[i], other.keyHigh[j]);
        return c != 0 ? c : Long.compareUnsigned(keyLow[i], other.keyLow[j]);
    }

    /**
     * Whether rule {@code i} of this and rule {@code j} of {@code other} are written alike: the same rewrite and the
     * same owner (what the map would hold). A desired rule is config-owned, so a live rule is written as the config
     * writes it only when it is config-owned too.
     */
    public boolean writtenAlike(int i, SortedRules other, int j) {
        return rewriteHigh[i] == other.rewriteHigh[j] && rewriteLow[i] == other.rewriteLow[j]
                && ownerCode(i) == other.ownerCode(j);
    }
}
