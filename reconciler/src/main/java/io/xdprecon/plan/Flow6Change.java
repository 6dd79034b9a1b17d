package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey6;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The changed legs of one IPv6 flow, one resource as {@link FlowChange} is for IPv4.
 *
 * @param flow   the config's flow name; empty for config-owned live rules the config no longer has
 * @param rules  only the legs that change, forward leg first for named flows, by key otherwise
 */
public record Flow6Change(Change.Kind kind, Optional<String> flow, List<Rule6Change> rules) implements Change {
    public Flow6Change {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(flow, "flow");
        rules = List.copyOf(rules);
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("a flow change needs at least one rule change");
        }
    }

    public List<FlowKey6> keys() {
        return rules.stream().map(Rule6Change::key).toList();
    }
}
