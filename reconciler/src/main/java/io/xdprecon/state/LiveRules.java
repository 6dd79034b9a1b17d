package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.util.Map;

/**
 * The live rules map, packed: keys and rewrites as pairs of longs ({@link FlowKey#high()}, {@link FlowKey#low()})
 * sorted by key, each with the owner code it carries — 36 bytes a rule, where a map of records took some 150 (a full
 * map of 524,288 rules was ~80 MB of the unit's 144 MB heap). What a full plan walks beside the packed desired rules
 * ({@link DesiredRules}), in one merged pass. Immutable.
 */
public final class LiveRules {
    private static final LiveRules EMPTY = new Builder().build();

    private final long[] keyHigh;
    private final long[] keyLow;
    private final long[] rewriteHigh;
    private final long[] rewriteLow;
    private final int[] ownerCodes;
    private final SortedRules sorted;

    private LiveRules(long[] keyHigh, long[] keyLow, long[] rewriteHigh, long[] rewriteLow, int[] ownerCodes) {
        this.keyHigh = keyHigh;
        this.keyLow = keyLow;
        this.rewriteHigh = rewriteHigh;
        this.rewriteLow = rewriteLow;
        this.ownerCodes = ownerCodes;
        this.sorted = new SortedRules(keyHigh, keyLow, rewriteHigh, rewriteLow, ownerCodes);
    }

    public static LiveRules empty() {
        return EMPTY;
    }

    /** The rules of {@code rules}, packed. */
    public static LiveRules of(Map<FlowKey, FlowRule> rules) {
        Builder builder = new Builder();
        rules.forEach(builder::add);
        return builder.build();
    }

    /** Collects rules as a walk of the map gives them (any order); {@link #build} sorts them. */
    public static final class Builder {
        private final RuleColumns rules = new RuleColumns(1024);

        public void add(FlowKey key, FlowRule rule) {
            rules.add(key.high(), key.low(), rule.rewrite().high(), rule.rewrite().low(), rule.ownerCode());
        }

        /** The rules sorted by key (a map walk gives each key once). */
        public LiveRules build() {
            rules.sort();
            return new LiveRules(rules.keyHigh, rules.keyLow, rules.rewriteHigh, rules.rewriteLow, rules.tags);
        }
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

    public long rewriteHigh(int i) {
        return rewriteHigh[i];
    }

    public long rewriteLow(int i) {
        return rewriteLow[i];
    }

    public Owner owner(int i) {
        return Owner.ofCode(ownerCodes[i]);
    }

    public FlowKey key(int i) {
        return FlowKey.unpack(keyHigh[i], keyLow[i]);
    }

    public FlowRule rule(int i) {
        return FlowRule.read(FlowKey.unpack(rewriteHigh[i], rewriteLow[i]), ownerCodes[i]);
    }

    /** The rule with this key ({@link FlowKey#high()}, {@link FlowKey#low()}), or -1: a binary search. */
    public int find(long high, long low) {
        return DesiredRules.find(keyHigh.length, i -> keyHigh[i], i -> keyLow[i], high, low);
    }

    /** Whether rule {@code i} is {@code rule} (its rewrite and owner code), compared packed: no object is made. */
    public boolean holds(int i, FlowRule rule) {
        return rewriteHigh[i] == rule.rewrite().high() && rewriteLow[i] == rule.rewrite().low()
                && ownerCodes[i] == rule.ownerCode();
    }

    /** The rules as a merged walk beside the desired rules reads them. */
    public SortedRules sorted() {
        return sorted;
    }

    /** Heap bytes held. */
    public long bytes() {
        return 36L * keyHigh.length;
    }
}
