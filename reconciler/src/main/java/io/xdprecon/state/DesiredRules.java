package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A node's desired rules, packed: keys and rewrites as pairs of longs ({@link FlowKey#high()},
 * {@link FlowKey#low()}) sorted by key, each with its flow (a name, stored once per flow) and leg — 36 bytes and a
 * share of a name per rule, where a map of records took some 200. Read as a {@link Map} (objects made on demand,
 * for callers that want them) or by index without allocating ({@link #keyHigh(int)} ...); two of them are compared
 * in one merged walk ({@code RevisionDiff}). Immutable.
 */
public final class DesiredRules extends AbstractMap<FlowKey, DesiredRule> {
    private static final DesiredRules EMPTY = new Builder(0).build();

    private final long[] keyHigh;
    private final long[] keyLow;
    private final long[] rewriteHigh;
    private final long[] rewriteLow;
    /** flow << 1 | direction ordinal. */
    private final int[] legs;
    private final byte[] names;
    private final int[] nameEnds;
    private final int size;

    private DesiredRules(long[] keyHigh, long[] keyLow, long[] rewriteHigh, long[] rewriteLow, int[] legs, byte[] names,
            int[] nameEnds, int size) {
        this.keyHigh = keyHigh;
        this.keyLow = keyLow;
        this.rewriteHigh = rewriteHigh;
        this.rewriteLow = rewriteLow;
        this.legs = legs;
        this.names = names;
        this.nameEnds = nameEnds;
        this.size = size;
    }

    public static DesiredRules empty() {
        return EMPTY;
    }

    /** The rules of {@code rules}, packed (a {@code DesiredRules} is returned as it is). */
    public static DesiredRules of(Map<FlowKey, DesiredRule> rules) {
        if (rules instanceof DesiredRules packed) {
            return packed;
        }
        Builder builder = new Builder(rules.size());
        Map<String, Integer> flows = new java.util.HashMap<>();
        rules.forEach((key, rule) -> {
            Integer flow = flows.get(rule.flow());
            if (flow == null) {
                flow = builder.flow(rule.flow());
                flows.put(rule.flow(), flow);
            }
            builder.rule(flow, rule.direction(), key.high(), key.low(), rule.rule().rewrite().high(),
                    rule.rule().rewrite().low());
        });
        return builder.build();
    }

    /** Collects rules (in any order) and their flows' names; {@link #build} sorts them. */
    public static final class Builder {
        private long[] keyHigh;
        private long[] keyLow;
        private long[] rewriteHigh;
        private long[] rewriteLow;
        private int[] legs;
        private int size;
        private byte[] names = new byte[256];
        private int namesUsed;
        private int[] nameEnds = new int[16];
        private int flows;

        public Builder(int expectedRules) {
            int capacity = Math.max(expectedRules, 4);
            keyHigh = new long[capacity];
            keyLow = new long[capacity];
            rewriteHigh = new long[capacity];
            rewriteLow = new long[capacity];
            legs = new int[capacity];
        }

        /** Adds a flow by name; returns the number its rules are added under. */
        public int flow(String name) {
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            if (namesUsed + utf8.length > names.length) {
                names = Arrays.copyOf(names, Math.max(names.length * 2, namesUsed + utf8.length));
            }
            System.arraycopy(utf8, 0, names, namesUsed, utf8.length);
            namesUsed += utf8.length;
            if (flows == nameEnds.length) {
                nameEnds = Arrays.copyOf(nameEnds, flows * 2);
            }
            nameEnds[flows] = namesUsed;
            return flows++;
        }

        /** Adds flow {@code flow}'s rule: key and rewrite as {@link FlowKey#high()} and {@link FlowKey#low()}. */
        public void rule(int flow, Direction direction, long keyHi, long keyLo, long rewriteHi, long rewriteLo) {
            if (size == keyHigh.length) {
                int grown = size * 2;
                keyHigh = Arrays.copyOf(keyHigh, grown);
                keyLow = Arrays.copyOf(keyLow, grown);
                rewriteHigh = Arrays.copyOf(rewriteHigh, grown);
                rewriteLow = Arrays.copyOf(rewriteLow, grown);
                legs = Arrays.copyOf(legs, grown);
            }
            keyHigh[size] = keyHi;
            keyLow[size] = keyLo;
            rewriteHigh[size] = rewriteHi;
            rewriteLow[size] = rewriteLo;
            legs[size] = flow << 1 | direction.ordinal();
            size++;
        }

        /**
         * The rules sorted by key. Two rules with one key: the later added wins, as in a map.
         */
        public DesiredRules build() {
            sort();
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (kept > 0 && keyHigh[kept - 1] == keyHigh[i] && keyLow[kept - 1] == keyLow[i]) {
                    kept--; // a repeated key: keep the last
                }
                move(i, kept++);
            }
            return new DesiredRules(Arrays.copyOf(keyHigh, kept), Arrays.copyOf(keyLow, kept),
                    Arrays.copyOf(rewriteHigh, kept), Arrays.copyOf(rewriteLow, kept), Arrays.copyOf(legs, kept),
                    Arrays.copyOf(names, namesUsed), Arrays.copyOf(nameEnds, flows), kept);
        }

        private void move(int from, int to) {
            keyHigh[to] = keyHigh[from];
            keyLow[to] = keyLow[from];
            rewriteHigh[to] = rewriteHigh[from];
            rewriteLow[to] = rewriteLow[from];
            legs[to] = legs[from];
        }

        /** Sorts by key, equal keys in the order they were added (so the last stays last). */
        private void sort() {
            int[] order = new int[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            quicksort(order, 0, size - 1);
            long[] kh = new long[size];
            long[] kl = new long[size];
            long[] rh = new long[size];
            long[] rl = new long[size];
            int[] lg = new int[size];
            for (int i = 0; i < size; i++) {
                int from = order[i];
                kh[i] = keyHigh[from];
                kl[i] = keyLow[from];
                rh[i] = rewriteHigh[from];
                rl[i] = rewriteLow[from];
                lg[i] = legs[from];
            }
            keyHigh = kh;
            keyLow = kl;
            rewriteHigh = rh;
            rewriteLow = rl;
            legs = lg;
        }

        private int compare(int a, int b) {
            int c = Long.compareUnsigned(keyHigh[a], keyHigh[b]);
            if (c == 0) {
                c = Long.compareUnsigned(keyLow[a], keyLow[b]);
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

    @Override
    public int size() {
        return size;
    }

    public long keyHigh(int i) {
        return keyHigh[i];
    }

    public long keyLow(int i) {
        return keyLow[i];
    }

    public long rewriteHigh(int i) {
        return rewriteHigh[i];
    }

    public long rewriteLow(int i) {
        return rewriteLow[i];
    }

    public Direction direction(int i) {
        return Direction.values()[legs[i] & 1];
    }

    /** Rule {@code i}'s flow, by name. */
    public String flow(int i) {
        int flow = legs[i] >>> 1;
        int start = flow == 0 ? 0 : nameEnds[flow - 1];
        return new String(names, start, nameEnds[flow] - start, StandardCharsets.UTF_8);
    }

    /** Whether rules {@code i} of this and {@code j} of {@code other} rewrite alike. */
    public boolean sameRewrite(int i, DesiredRules other, int j) {
        return rewriteHigh[i] == other.rewriteHigh[j] && rewriteLow[i] == other.rewriteLow[j];
    }

    /** The index of the rule with this key, or -1. */
    public int find(long high, long low) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(keyHigh[mid], high);
            if (c == 0) {
                c = Long.compareUnsigned(keyLow[mid], low);
            }
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Orders rule {@code i} of this against rule {@code j} of {@code other} by key. */
    public int compareKeys(int i, DesiredRules other, int j) {
        int c = Long.compareUnsigned(keyHigh[i], other.keyHigh[j]);
        return c != 0 ? c : Long.compareUnsigned(keyLow[i], other.keyLow[j]);
    }

    public FlowKey key(int i) {
        return FlowKey.unpack(keyHigh[i], keyLow[i]);
    }

    public DesiredRule rule(int i) {
        return new DesiredRule(new FlowRule(FlowKey.unpack(rewriteHigh[i], rewriteLow[i]), Owner.CONFIG), flow(i),
                direction(i));
    }

    /** Heap bytes held, for the benchmark's cost per flow. */
    public long bytes() {
        return 36L * keyHigh.length + names.length + 4L * nameEnds.length;
    }

    @Override
    public DesiredRule get(Object key) {
        if (!(key instanceof FlowKey k)) {
            return null;
        }
        int i = find(k.high(), k.low());
        return i < 0 ? null : rule(i);
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof FlowKey k && find(k.high(), k.low()) >= 0;
    }

    @Override
    public void forEach(BiConsumer<? super FlowKey, ? super DesiredRule> action) {
        for (int i = 0; i < size; i++) {
            action.accept(key(i), rule(i));
        }
    }

    @Override
    public Set<Entry<FlowKey, DesiredRule>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<FlowKey, DesiredRule>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Entry<FlowKey, DesiredRule> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(key(i), rule(i));
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
