package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.KeyOrder;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;

/**
 * The IPv4 keys a plan writes or deletes, each with its change's kind, packed and in key order: what apply's full
 * check looks for as it walks the live map, and what a migration leaves behind. A view over the plan's own packed
 * tables (the diff of {@link ChangedFlows}, the desired rules of {@link AddedFlows}); only a plan of objects (read
 * from a file) is packed here. A set of an object per key was 64 bytes a key, and an edit of every one of 262,144
 * flows touches 786,432 keys. Immutable.
 */
public abstract sealed class TouchedKeys extends AbstractSet<FlowKey> {
    private static final Change.Kind[] KINDS = Change.Kind.values();

    private TouchedKeys() {}

    /** Entry {@code i}'s key, {@link FlowKey#high()}. */
    public abstract long keyHigh(int i);

    public abstract long keyLow(int i);

    /** What the plan does at entry {@code i}; null for keys given without their changes ({@link #ofKeys}). */
    public abstract Change.Kind kind(int i);

    /** The entry with this key, or -1. */
    public int find(long high, long low) {
        return DesiredRules.find(size(), this::keyHigh, this::keyLow, high, low);
    }

    /** What the plan does at {@code key}, or null where it does nothing. */
    public Change.Kind kindAt(FlowKey key) {
        int i = find(key.high(), key.low());
        return i < 0 ? null : kind(i);
    }

    @Override
    public boolean contains(Object o) {
        return o instanceof FlowKey key && find(key.high(), key.low()) >= 0;
    }

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
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return FlowKey.unpack(keyHigh(next), keyLow(next++));
            }
        };
    }

    /** The keys of {@code diff}, entry {@code d}'s change of the kind {@code kinds[d]}; kinds null: the keys alone. */
    static TouchedKeys of(RuleDiff diff, byte[] kinds) {
        return new OfDiff(diff, kinds);
    }

    /** Every key of {@code rules}, each an add (a cold plan). */
    static TouchedKeys added(DesiredRules rules) {
        return new Added(rules);
    }

    /** The keys of {@code changes} (distinct keys, as in any plan), packed. */
    static TouchedKeys of(List<RuleChange> changes) {
        byte[] kinds = new byte[changes.size()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = (byte) changes.get(i).kind().ordinal();
        }
        return packed(changes.size(), i -> changes.get(i).key(), kinds);
    }

    /** Distinct {@code keys} without their changes' kinds, packed: a fingerprint of a set of keys. */
    static TouchedKeys ofKeys(Collection<FlowKey> keys) {
        List<FlowKey> list = List.copyOf(keys);
        return packed(list.size(), list::get, null);
    }

    private static TouchedKeys packed(int n, IntFunction<FlowKey> keyAt, byte[] kinds) {
        long[] high = new long[n];
        long[] low = new long[n];
        for (int i = 0; i < n; i++) {
            FlowKey key = keyAt.apply(i);
            high[i] = key.high();
            low[i] = key.low();
        }
        int[] order = KeyOrder.sorted(high, low, n);
        byte[] sortedKinds = null;
        if (kinds != null) {
            sortedKinds = new byte[n];
            for (int i = 0; i < n; i++) {
                sortedKinds[i] = kinds[order[i]];
            }
        }
        return new Packed(KeyOrder.permuted(high, order), KeyOrder.permuted(low, order), sortedKinds);
    }

    private static final class OfDiff extends TouchedKeys {
        private final RuleDiff diff;
        private final byte[] kinds;

        OfDiff(RuleDiff diff, byte[] kinds) {
            this.diff = diff;
            this.kinds = kinds;
        }

        @Override
        public int size() {
            return diff.size();
        }

        @Override
        public long keyHigh(int i) {
            return diff.keyHigh(i);
        }

        @Override
        public long keyLow(int i) {
            return diff.keyLow(i);
        }

        @Override
        public Change.Kind kind(int i) {
            return kinds == null ? null : KINDS[kinds[i]];
        }
    }

    private static final class Added extends TouchedKeys {
        private final DesiredRules rules;

        Added(DesiredRules rules) {
            this.rules = rules;
        }

        @Override
        public int size() {
            return rules.size();
        }

        @Override
        public long keyHigh(int i) {
            return rules.keyHigh(i);
        }

        @Override
        public long keyLow(int i) {
            return rules.keyLow(i);
        }

        @Override
        public Change.Kind kind(int i) {
            return Change.Kind.ADD;
        }

        @Override
        public int find(long high, long low) {
            return rules.find(high, low);
        }
    }

    private static final class Packed extends TouchedKeys {
        private final long[] high;
        private final long[] low;
        private final byte[] kinds;

        Packed(long[] high, long[] low, byte[] kinds) {
            this.high = high;
            this.low = low;
            this.kinds = kinds;
        }

        @Override
        public int size() {
            return high.length;
        }

        @Override
        public long keyHigh(int i) {
            return high[i];
        }

        @Override
        public long keyLow(int i) {
            return low[i];
        }

        @Override
        public Change.Kind kind(int i) {
            return kinds == null ? null : KINDS[kinds[i]];
        }
    }
}
