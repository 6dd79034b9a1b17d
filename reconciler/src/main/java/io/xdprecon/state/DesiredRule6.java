package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowRule6;
import java.util.Objects;

/** {@link DesiredRule} for an IPv6 flow: the rule, the flow (by name) and leg it comes from. Always config-owned. */
public record DesiredRule6(FlowRule6 rule, String flow, Direction direction) {
    public DesiredRule6 {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(direction, "direction");
    }
}
