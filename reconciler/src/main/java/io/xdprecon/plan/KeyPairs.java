package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.SortedRules;

/**
 * The keys where two packed tables of rules sorted by key disagree — a key in one table only, or in both with rules
 * not written alike ({@link SortedRules#writtenAlike}: rewrite and owner) — each as its index in the first and in the
 * second table (-1 where it has none), in key order: 8 bytes a key. The one merged walk behind both diffs: a revision
 * against the previous one ({@link RevisionDiff}) and the desired rules against the live map ({@link LiveDiff}).
 *
 * <p>The walk advances the smaller key and compares rules only at equal keys; it runs twice (count, then fill arrays
 * of the exact size) and makes no object per rule: at 262,000 flows it passes 524,000 rules a side.
 */
final class KeyPairs {
    private final SortedRules first;
    private final SortedRules second;
    private final int[] firstAt;
    private final int[] secondAt;

    private KeyPairs(SortedRules first, SortedRules second, int[] firstAt, int[] secondAt) {
        this.first = first;
        this.second = second;
        this.firstAt = firstAt;
        this.secondAt = secondAt;
    }

    /**
     * The keys where {@code first} and {@code second} disagree, but for rules only {@code second} has that are
     * {@code leftAlone}'s (null: nobody's): rules this diff is not about, such as a DPDK loop's sessions.
     */
    static KeyPairs disagreeing(SortedRules first, SortedRules second, Owner leftAlone) {
        int leftAloneCode = leftAlone == null ? Integer.MIN_VALUE : leftAlone.code(); // no rule is written with it
        int size = walk(first, second, leftAloneCode, null, null);
        int[] firstAt = new int[size];
        int[] secondAt = new int[size];
        walk(first, second, leftAloneCode, firstAt, secondAt);
        return new KeyPairs(first, second, firstAt, secondAt);
    }

    /** Counts the keys that disagree, and fills their indexes when given arrays. */
    private static int walk(SortedRules first, SortedRules second, int leftAloneCode, int[] firstAt, int[] secondAt) {
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < first.size() || j < second.size()) {
            int c = i == first.size() ? 1 : j == second.size() ? -1 : first.compareKeys(i, second, j);
            int from = -1;
            int to = -1;
            if (c < 0) {
                from = i++; // only in the first
            } else if (c > 0) {
                to = j++; // only in the second
                if (second.ownerCode(to) == leftAloneCode) {
                    continue;
                }
            } else {
                from = i++;
                to = j++;
                if (first.writtenAlike(from, second, to)) {
                    continue;
                }
            }
            if (firstAt != null) {
                firstAt[n] = from;
                secondAt[n] = to;
            }
            n++;
        }
        return n;
    }

    /** How many keys disagree. */
    int size() {
        return firstAt.length;
    }

    /** Entry {@code d}'s rule in the first table, or -1. */
    int first(int d) {
        return firstAt[d];
    }

    /** Entry {@code d}'s rule in the second table, or -1. */
    int second(int d) {
        return secondAt[d];
    }

    long keyHigh(int d) {
        return firstAt[d] >= 0 ? first.keyHigh(firstAt[d]) : second.keyHigh(secondAt[d]);
    }

    long keyLow(int d) {
        return firstAt[d] >= 0 ? first.keyLow(firstAt[d]) : second.keyLow(secondAt[d]);
    }
}
