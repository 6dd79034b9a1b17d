package io.xdprecon.sessions;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.RulesMap;

/** Packets the datapath rewrote for a rule so far (monotonic while the rule lives). Tests supply their own. */
@FunctionalInterface
public interface CounterSource {
    long packets(FlowKey rule);

    static CounterSource of(RulesMap map) {
        return key -> map.counters(key).packets();
    }
}
