package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DesiredState;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The rule keys two revisions of a node's desired state disagree on: present in one only, or written
 * with another rewrite. A renamed flow with the same rules is no disagreement: the map keeps no names.
 * Only these keys can change between the plans of the two revisions (see {@link Planner#planChange}).
 *
 * <p>Packed, in key order: each entry is the index of its rule in the previous revision's and in the next
 * revision's {@link DesiredRules} (-1 where it has none) — 8 bytes a key. A revision that edits every one of
 * 262,144 flows disagrees on 786,432 keys; as a set of key objects that was some 60 MB.
 */
public final class RevisionDiff implements RuleDiff {
    private final DesiredRules before;
    private final DesiredRules after;
    private final int[] beforeAt;
    private final int[] afterAt;

    private RevisionDiff(DesiredRules before, DesiredRules after, int[] beforeAt, int[] afterAt) {
        this.before = before;
        this.after = after;
        this.beforeAt = beforeAt;
        this.afterAt = afterAt;
    }

    /** One walk over both revisions' rules, in key order (twice: to count, then to fill): no objects per rule. */
    public static RevisionDiff between(DesiredState previous, DesiredState next) {
        DesiredRules before = previous.packed();
        DesiredRules after = next.packed();
        int size = walk(before, after, null, null);
        int[] beforeAt = new int[size];
        int[] afterAt = new int[size];
        walk(before, after, beforeAt, afterAt);
        return new RevisionDiff(before, after, beforeAt, afterAt);
    }

    /** Counts the keys the two disagree on, and fills their indexes when given arrays. */
    private static int walk(DesiredRules before, DesiredRules after, int[] beforeAt, int[] afterAt) {
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            int c = i == before.size() ? 1 : j == after.size() ? -1 : before.compareKeys(i, after, j);
            int from;
            int to;
            if (c < 0) {
                from = i++; // gone
                to = -1;
            } else if (c > 0) {
                from = -1; // new
                to = j++;
            } else {
                boolean same = before.sameRewrite(i, after, j);
                from = i++;
                to = j++;
                if (same) {
                    continue;
                }
            }
            if (beforeAt != null) {
                beforeAt[n] = from;
                afterAt[n] = to;
            }
            n++;
        }
        return n;
    }

    /** How many keys the revisions disagree on. */
    @Override
    public int size() {
        return beforeAt.length;
    }

    /** The previous revision's rules, which {@link #before(int)} indexes. */
    public DesiredRules previous() {
        return before;
    }

    /** The next revision's rules, which {@link #after(int)} indexes. */
    @Override
    public DesiredRules next() {
        return after;
    }

    /** Entry {@code d}'s rule in the previous revision, or -1 (a new key). */
    public int before(int d) {
        return beforeAt[d];
    }

    /** Entry {@code d}'s rule in the next revision, or -1 (a key gone). */
    @Override
    public int after(int d) {
        return afterAt[d];
    }

    @Override
    public long keyHigh(int d) {
        return beforeAt[d] >= 0 ? before.keyHigh(beforeAt[d]) : after.keyHigh(afterAt[d]);
    }

    @Override
    public long keyLow(int d) {
        return beforeAt[d] >= 0 ? before.keyLow(beforeAt[d]) : after.keyLow(afterAt[d]);
    }

    @Override
    public FlowKey key(int d) {
        return FlowKey.unpack(keyHigh(d), keyLow(d));
    }

    /** The entry with this key, or -1: entries are in key order. */
    @Override
    public int find(long high, long low) {
        return DesiredRules.find(size(), this::keyHigh, this::keyLow, high, low);
    }

    /** The keys, in key order, as a view that makes each key when it is read. */
    public Set<FlowKey> keys() {
        return new AbstractSet<>() {
            @Override
            public Iterator<FlowKey> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size();
                    }

                    @Override
                    public FlowKey next() {
                        if (next >= size()) {
                            throw new NoSuchElementException();
                        }
                        return key(next++);
                    }
                };
            }

            @Override
            public boolean contains(Object o) {
                return o instanceof FlowKey k && find(k.high(), k.low()) >= 0;
            }

            @Override
            public int size() {
                return RevisionDiff.this.size();
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RevisionDiff other && keys().equals(other.keys());
    }

    @Override
    public int hashCode() {
        return Objects.hash(size());
    }

    @Override
    public String toString() {
        return "RevisionDiff[" + size() + " keys]";
    }
}
