package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.LiveRules;

/**
 * The keys where the desired rules and the live map disagree (a full plan), found by one merged walk of both packed
 * tables: a desired rule the map lacks, or holds otherwise than the config writes it (another rewrite, or not
 * config-owned); a live rule the config does not have, unless it is a session's where a DPDK loop owns sessions. Per
 * key, its index in each table (-1 where it has none): 8 bytes a key, where the object plan held a map of every live
 * rule and an object graph per change.
 */
final class LiveDiff implements RuleDiff {
    private final DesiredRules desired;
    private final LiveRules live;
    private final int[] desiredAt;
    private final int[] liveAt;

    private LiveDiff(DesiredRules desired, LiveRules live, int[] desiredAt, int[] liveAt) {
        this.desired = desired;
        this.live = live;
        this.desiredAt = desiredAt;
        this.liveAt = liveAt;
    }

    static LiveDiff between(DesiredRules desired, LiveRules live, boolean sessionsOwned) {
        int size = walk(desired, live, sessionsOwned, null, null);
        int[] desiredAt = new int[size];
        int[] liveAt = new int[size];
        walk(desired, live, sessionsOwned, desiredAt, liveAt);
        return new LiveDiff(desired, live, desiredAt, liveAt);
    }

    /** Counts the keys that disagree, and fills their indexes when given arrays. */
    private static int walk(DesiredRules desired, LiveRules live, boolean sessionsOwned, int[] desiredAt, int[] liveAt) {
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < desired.size() || j < live.size()) {
            int c = i == desired.size() ? 1 : j == live.size() ? -1 : -live.compareKeys(j, desired, i);
            int want = -1;
            int have = -1;
            if (c < 0) {
                want = i++; // not live
            } else if (c > 0) {
                have = j++; // not the config's
                if (sessionsOwned && live.owner(have) == Owner.SESSION) {
                    continue; // the DPDK loop's
                }
            } else {
                want = i++;
                have = j++;
                if (live.writtenAs(have, desired, want)) {
                    continue;
                }
            }
            if (desiredAt != null) {
                desiredAt[n] = want;
                liveAt[n] = have;
            }
            n++;
        }
        return n;
    }

    @Override
    public int size() {
        return desiredAt.length;
    }

    @Override
    public DesiredRules next() {
        return desired;
    }

    @Override
    public int after(int d) {
        return desiredAt[d];
    }

    @Override
    public long keyHigh(int d) {
        return desiredAt[d] >= 0 ? desired.keyHigh(desiredAt[d]) : live.keyHigh(liveAt[d]);
    }

    @Override
    public long keyLow(int d) {
        return desiredAt[d] >= 0 ? desired.keyLow(desiredAt[d]) : live.keyLow(liveAt[d]);
    }

    /** The live rule at entry {@code d}, or null. */
    FlowRule live(int d) {
        return liveAt[d] < 0 ? null : live.rule(liveAt[d]);
    }

    /** What writing the desired rule (or deleting) at entry {@code d} does to the live one. */
    Change.Kind kind(int d) {
        if (desiredAt[d] < 0) {
            return Change.Kind.DELETE;
        }
        if (liveAt[d] < 0) {
            return Change.Kind.ADD;
        }
        return live.owner(liveAt[d]) == Owner.SESSION ? Change.Kind.REPLACE : Change.Kind.CHANGE;
    }
}
