package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowRule;
import java.util.Objects;

/** A rule the config asks for, with the flow (by name) and leg it comes from. Always config-owned. */
public record DesiredRule(FlowRule rule, String flow, Direction direction) {
    public DesiredRule {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(direction, "direction");
    }
}
