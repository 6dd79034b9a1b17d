package io.xdprecon.sessions;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
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
     * A sink over the pinned map: a full hash map answers E2BIG ({@link BpfException.CapacityExceeded}), one without
     * preallocation may answer ENOMEM ({@link BpfException.OutOfMemory}); either becomes {@code false}.
     */
    static RuleSink of(RulesMap map) {
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
        };
    }
}
