package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.state.DesiredRules;

/**
 * The rule keys where the desired rules and what the node holds (a previous revision as written, or the live map)
 * disagree, packed and in key order: what {@link ChangedFlows} shows as a plan's flows.
 */
interface RuleDiff {
    /** How many keys disagree. */
    int size();

    /** The desired rules, which {@link #after} indexes. */
    DesiredRules next();

    /** Entry {@code d}'s rule in {@link #next()}, or -1 (a key the desired rules do not have). */
    int after(int d);

    long keyHigh(int d);

    long keyLow(int d);

    default FlowKey key(int d) {
        return FlowKey.unpack(keyHigh(d), keyLow(d));
    }

    /** The entry with this key, or -1. */
    default int find(long high, long low) {
        return DesiredRules.find(size(), this::keyHigh, this::keyLow, high, low);
    }
}
