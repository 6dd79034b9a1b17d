package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DesiredState;
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
    /** First: the previous revision's rules; second: the next one's. */
    private final KeyPairs pairs;

    private RevisionDiff(DesiredRules before, DesiredRules after, KeyPairs pairs) {
        this.before = before;
        this.after = after;
        this.pairs = pairs;
    }

    /** One merged walk over both revisions' rules, in key order ({@link KeyPairs}): no objects per rule. */
    public static RevisionDiff between(DesiredState previous, DesiredState next) {
        DesiredRules before = previous.packed();
        DesiredRules after = next.packed();
        return new RevisionDiff(before, after, KeyPairs.disagreeing(before.sorted(), after.sorted(), null));
    }

    /** How many keys the revisions disagree on. */
    @Override
    public int size() {
        return pairs.size();
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
        return pairs.first(d);
    }

    /** Entry {@code d}'s rule in the next revision, or -1 (a key gone). */
    @Override
    public int after(int d) {
        return pairs.second(d);
    }

    @Override
    public long keyHigh(int d) {
        return pairs.keyHigh(d);
    }

    @Override
    public long keyLow(int d) {
        return pairs.keyLow(d);
    }

    /** The keys, in key order, as a view that makes each key when it is read. */
    public Set<FlowKey> keys() {
        return TouchedKeys.of(this, null);
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
