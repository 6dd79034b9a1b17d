package io.xdprecon.sessions;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;

/** Packets the datapath rewrote for a rule so far (monotonic while the rule lives). Tests supply their own. */
@FunctionalInterface
public interface CounterSource {
    long packets(FlowKey rule);

    /** An IPv6 rule's packets; 0 where there is no IPv6 rules map (no rule, nothing counted). */
    default long packets(FlowKey6 rule) {
        return 0;
    }

    static CounterSource of(RulesMap map) {
        return key -> map.counters(key).packets();
    }

    /** Both pinned rules maps' counters: IPv4 rules' in {@code map}, IPv6 ones' in {@code map6}. */
    static CounterSource of(RulesMap map, Rules6Map map6) {
        return new CounterSource() {
            @Override
            public long packets(FlowKey rule) {
                return map.counters(rule).packets();
            }

            @Override
            public long packets(FlowKey6 rule) {
                return map6.counters(rule).packets();
            }
        };
    }
}
