package io.xdprecon.sessions;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.RulesMap;

/** Where session rules are written: the pinned rules map, or a fake in tests. */
public interface RuleSink {
    /** Creates or replaces a rule; false when the map refuses it for capacity (the session then stays on the slow path). */
    boolean put(FlowKey key, FlowRule rule);

    /** Removes a rule (and its counters); false when absent. */
    boolean remove(FlowKey key);

    /** A sink over the pinned map: a full hash map answers E2BIG, which becomes {@code false}. */
    static RuleSink of(RulesMap map) {
        return new RuleSink() {
            @Override
            public boolean put(FlowKey key, FlowRule rule) {
                try {
                    map.put(key, rule);
                    return true;
                } catch (BpfException e) {
                    if (e.errno() == 7 /* E2BIG */ || e.errno() == 12 /* ENOMEM */) {
                        return false;
                    }
                    throw e;
                }
            }

            @Override
            public boolean remove(FlowKey key) {
                return map.remove(key);
            }
        };
    }
}
