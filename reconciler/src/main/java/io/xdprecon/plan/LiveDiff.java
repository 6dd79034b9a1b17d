package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.LiveRules;

/**
 * The keys where the desired rules and the live map disagree (a full plan), found by one merged walk of both packed
 * tables ({@link KeyPairs}): a desired rule the map lacks, or holds otherwise than the config writes it (another
 * rewrite, or not config-owned); a live rule the config does not have, unless it is a session's where a DPDK loop owns
 * sessions. Per key, its index in each table (-1 where it has none): 8 bytes a key, where the object plan held a map of
 * every live rule and an object graph per change.
 */
final class LiveDiff implements RuleDiff {
    private final DesiredRules desired;
    private final LiveRules live;
    /** First: the desired rules; second: the live ones. */
    private final KeyPairs pairs;

    private LiveDiff(DesiredRules desired, LiveRules live, KeyPairs pairs) {
        this.desired = desired;
        this.live = live;
        this.pairs = pairs;
    }

    static LiveDiff between(DesiredRules desired, LiveRules live, boolean sessionsOwned) {
        Owner leftAlone = sessionsOwned ? Owner.SESSION : null; // the DPDK loop's
        return new LiveDiff(desired, live, KeyPairs.disagreeing(desired.sorted(), live.sorted(), leftAlone));
    }

    @Override
    public int size() {
        return pairs.size();
    }

    @Override
    public DesiredRules next() {
        return desired;
    }

    @Override
    public int after(int d) {
        return pairs.first(d);
    }

    @Override
    public long keyHigh(int d) {
        return pairs.keyHigh(d);
    }

    @Override
    public long keyLow(int d) {
        return pairs.keyLow(d);
    }

    /** The live rule at entry {@code d}, or null. */
    FlowRule live(int d) {
        return pairs.second(d) < 0 ? null : live.rule(pairs.second(d));
    }

    /** What writing the desired rule (or deleting) at entry {@code d} does to the live one. */
    Change.Kind kind(int d) {
        if (pairs.first(d) < 0) {
            return Change.Kind.DELETE;
        }
        if (pairs.second(d) < 0) {
            return Change.Kind.ADD;
        }
        return live.owner(pairs.second(d)) == Owner.SESSION ? Change.Kind.REPLACE : Change.Kind.CHANGE;
    }
}
