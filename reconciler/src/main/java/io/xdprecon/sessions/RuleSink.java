package io.xdprecon.sessions;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;

/**
 * Where session rules are written: the pinned rules map, or a fake in tests. A session never touches a rule
 * it does not own: the config may claim a session's key (the plan shows it as a replacement), and the
 * session's later expiry must not delete the config's rule.
 */
public interface RuleSink {
    /**
     * Creates a rule or replaces a session's; false when the map refuses it for capacity or the key holds a
     * rule of another owner (the session then stays on the slow path).
     */
    boolean put(FlowKey key, FlowRule rule);

    /** Removes a session's rule (and its counters); false when absent or not a session's. */
    boolean remove(FlowKey key);

    /**
     * An IPv6 rule, as {@link #put(FlowKey, FlowRule)}. A sink without an IPv6 rules map refuses it: the session
     * stays on the slow path, where DPDK forwards every packet of it.
     */
    default boolean put(FlowKey6 key, FlowRule6 rule) {
        return false;
    }

    /** Removes a session's IPv6 rule; false when absent, not a session's, or the sink has no IPv6 map. */
    default boolean remove(FlowKey6 key) {
        return false;
    }

    /**
     * A sink over the pinned map: a full hash map answers E2BIG ({@link BpfException.CapacityExceeded}), one without
     * preallocation may answer ENOMEM ({@link BpfException.OutOfMemory}); either becomes {@code false}.
     */
    static RuleSink of(RulesMap map) {
        return of(map, null);
    }

    /** A sink over both pinned rules maps: IPv4 rules into {@code map}, IPv6 ones into {@code map6} (null: none). */
    static RuleSink of(RulesMap map, Rules6Map map6) {
        return new RuleSink() {
            @Override
            public boolean put(FlowKey key, FlowRule rule) {
                try {
                    return map.putUnlessOwnedByOther(key, rule);
                } catch (BpfException.CapacityExceeded | BpfException.OutOfMemory full) {
                    return false;
                }
            }

            @Override
            public boolean remove(FlowKey key) {
                return map.removeIfOwnedBy(key, Owner.SESSION);
            }

            @Override
            public boolean put(FlowKey6 key, FlowRule6 rule) {
                try {
                    return map6 != null && map6.putUnlessOwnedByOther(key, rule);
                } catch (BpfException.CapacityExceeded | BpfException.OutOfMemory full) {
                    return false;
                }
            }

            @Override
            public boolean remove(FlowKey6 key) {
                return map6 != null && map6.removeIfOwnedBy(key, Owner.SESSION);
            }
        };
    }
}
