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
    private static final Direction[] DIRECTIONS = Direction.values();
    private final SortedRules sorted;

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
        this.sorted = new SortedRules(keyHigh, keyLow, rewriteHigh, rewriteLow, null); // arrays of exactly size rules
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

    /** How many flows (names) the rules belong to; flows are numbered in the order they were added. */
    public int flows() {
        return nameEnds.length;
    }

    /** Flows {@code [first, first + count)} of {@code source}, with their rules: a piece of {@link #concat}. */
    public record Span(DesiredRules source, int first, int count) {}

    /**
     * The rules of the flows of {@code spans}, numbered in the spans' order — what a {@link Builder} given those flows
     * in that order builds — by one merged walk of the sources' sorted rules instead of a sort of all of them: a
     * revision that changed one file of many builds only that file's rules anew ({@code Config.forNode}). Empty when
     * two spans hold one key (only an invalid config does; a {@link Builder} decides which wins).
     */
    public static java.util.Optional<DesiredRules> concat(java.util.List<Span> spans) {
        Map<DesiredRules, int[]> renumber = new java.util.IdentityHashMap<>();
        int flows = 0;
        int nameBytes = 0;
        for (Span span : spans) {
            int[] map = renumber.computeIfAbsent(span.source(), s -> {
                int[] m = new int[s.flows()];
                Arrays.fill(m, -1);
                return m;
            });
            for (int f = 0; f < span.count(); f++) {
                map[span.first() + f] = flows++;
            }
            nameBytes += span.source().nameStart(span.first() + span.count()) - span.source().nameStart(span.first());
        }
        byte[] names = new byte[nameBytes];
        int[] nameEnds = new int[flows];
        int usedBytes = 0;
        int flow = 0;
        for (Span span : spans) {
            DesiredRules s = span.source();
            int start = s.nameStart(span.first());
            int length = s.nameStart(span.first() + span.count()) - start;
            System.arraycopy(s.names, start, names, usedBytes, length);
            for (int f = span.first(); f < span.first() + span.count(); f++) {
                nameEnds[flow++] = usedBytes + s.nameEnds[f] - start;
            }
            usedBytes += length;
        }
        DesiredRules[] sources = renumber.keySet().toArray(DesiredRules[]::new);
        int[][] maps = new int[sources.length][];
        int size = 0;
        for (int s = 0; s < sources.length; s++) {
            maps[s] = renumber.get(sources[s]);
            for (int i = 0; i < sources[s].size; i++) {
                size += maps[s][sources[s].legs[i] >>> 1] >= 0 ? 1 : 0;
            }
        }
        long[] keyHigh = new long[size];
        long[] keyLow = new long[size];
        long[] rewriteHigh = new long[size];
        long[] rewriteLow = new long[size];
        int[] legs = new int[size];
        int[] next = new int[sources.length];
        for (int out = 0; out < size; out++) {
            int from = -1;
            for (int s = 0; s < sources.length; s++) {
                DesiredRules source = sources[s];
                while (next[s] < source.size && maps[s][source.legs[next[s]] >>> 1] < 0) {
                    next[s]++; // a flow no span takes
                }
                if (next[s] == source.size) {
                    continue;
                }
                int c = from < 0 ? -1 : source.compareKeys(next[s], sources[from], next[from]);
                if (c == 0) {
                    return java.util.Optional.empty();
                }
                if (c < 0) {
                    from = s;
                }
            }
            DesiredRules source = sources[from];
            int i = next[from]++;
            keyHigh[out] = source.keyHigh[i];
            keyLow[out] = source.keyLow[i];
            rewriteHigh[out] = source.rewriteHigh[i];
            rewriteLow[out] = source.rewriteLow[i];
            legs[out] = maps[from][source.legs[i] >>> 1] << 1 | (source.legs[i] & 1);
        }
        return java.util.Optional.of(new DesiredRules(keyHigh, keyLow, rewriteHigh, rewriteLow, legs, names, nameEnds, size));
    }

    /** Where flow {@code flow}'s name starts in {@link #names} ({@link #flows()} for the end of the last). */
    private int nameStart(int flow) {
        return flow == 0 ? 0 : nameEnds[flow - 1];
    }

    /** Whether {@code other} holds the same rules with the same flows and names: what equal builds give. */
    public boolean samePacked(DesiredRules other) {
        return size == other.size && Arrays.equals(keyHigh, 0, size, other.keyHigh, 0, size)
                && Arrays.equals(keyLow, 0, size, other.keyLow, 0, size)
                && Arrays.equals(rewriteHigh, 0, size, other.rewriteHigh, 0, size)
                && Arrays.equals(rewriteLow, 0, size, other.rewriteLow, 0, size)
                && Arrays.equals(legs, 0, size, other.legs, 0, size) && Arrays.equals(nameEnds, other.nameEnds)
                && Arrays.equals(names, other.names);
    }

    /** Collects rules (in any order) and their flows' names; {@link #build} sorts them. */
    public static final class Builder {
        /** Tag: flow << 1 | direction ordinal. */
        private final RuleColumns rules;
        private byte[] names = new byte[256];
        private int namesUsed;
        private int[] nameEnds = new int[16];
        private int flows;

        public Builder(int expectedRules) {
            rules = new RuleColumns(Math.max(expectedRules, 4));
        }

        /** Adds a flow by name; returns the number its rules are added under. */
        public int flow(String name) {
            byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
            return flow(utf8, 0, utf8.length);
        }

        /** {@link #flow(String)} of a name as UTF-8 bytes: {@code length} of {@code utf8} from {@code from}. */
        public int flow(byte[] utf8, int from, int length) {
            if (namesUsed + length > names.length) {
                names = Arrays.copyOf(names, Math.max(names.length * 2, namesUsed + length));
            }
            System.arraycopy(utf8, from, names, namesUsed, length);
            namesUsed += length;
            if (flows == nameEnds.length) {
                nameEnds = Arrays.copyOf(nameEnds, flows * 2);
            }
            nameEnds[flows] = namesUsed;
            return flows++;
        }

        /** Adds flow {@code flow}'s rule: key and rewrite as {@link FlowKey#high()} and {@link FlowKey#low()}. */
        public void rule(int flow, Direction direction, long keyHi, long keyLo, long rewriteHi, long rewriteLo) {
            rules.add(keyHi, keyLo, rewriteHi, rewriteLo, flow << 1 | direction.ordinal());
        }

        /**
         * The rules sorted by key. Two rules with one key: the later added wins, as in a map.
         */
        public DesiredRules build() {
            rules.sort(); // equal keys in the order added, so the last stays last
            int kept = 0;
            for (int i = 0; i < rules.size; i++) {
                if (kept > 0 && rules.keyHigh[kept - 1] == rules.keyHigh[i] && rules.keyLow[kept - 1] == rules.keyLow[i]) {
                    kept--; // a repeated key: keep the last
                }
                rules.move(i, kept++);
            }
            // The sort made arrays of exactly every rule: the table takes them unless a repeated key was dropped.
            return new DesiredRules(fit(rules.keyHigh, kept), fit(rules.keyLow, kept), fit(rules.rewriteHigh, kept),
                    fit(rules.rewriteLow, kept), fit(rules.tags, kept), Arrays.copyOf(names, namesUsed),
                    Arrays.copyOf(nameEnds, flows), kept);
        }

        private static long[] fit(long[] column, int size) {
            return column.length == size ? column : Arrays.copyOf(column, size);
        }

        private static int[] fit(int[] column, int size) {
            return column.length == size ? column : Arrays.copyOf(column, size);
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
        return DIRECTIONS[legs[i] & 1];
    }

    /** Rule {@code i}'s flow, by name. */
    public String flow(int i) {
        return flowName(legs[i] >>> 1);
    }

    /** Rule {@code i}'s flow, by number ({@link #flowName}). */
    public int flowNumber(int i) {
        return legs[i] >>> 1;
    }

    /** The name of flow number {@code flow}. */
    public String flowName(int flow) {
        int start = nameStart(flow);
        return new String(names, start, nameEnds[flow] - start, StandardCharsets.UTF_8);
    }

    /** The index of the rule with this key, or -1. */
    public int find(long high, long low) {
        return find(size, i -> keyHigh[i], i -> keyLow[i], high, low);
    }

    /**
     * The index of key {@code (high, low)} among {@code size} keys sorted as unsigned pairs, read by index
     * ({@code highAt}, {@code lowAt}); -1 when absent. A binary search for any packed table of keys.
     */
    public static int find(int size, java.util.function.IntToLongFunction highAt, java.util.function.IntToLongFunction lowAt,
            long high, long low) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(highAt.applyAsLong(mid), high);
            if (c == 0) {
                c = Long.compareUnsigned(lowAt.applyAsLong(mid), low);
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
        return sorted.compareKeys(i, other.sorted, j);
    }

    /** The rules as a merged walk beside another packed table reads them (all config-owned). */
    public SortedRules sorted() {
        return sorted;
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
