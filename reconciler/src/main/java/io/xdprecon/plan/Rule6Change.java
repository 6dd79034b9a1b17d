package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.Owner;
import java.util.Objects;
import java.util.Optional;

/** {@link RuleChange} for an entry of {@code xdp_rules6}: the live value before and the value to write. */
public record Rule6Change(Change.Kind kind, FlowKey6 key, Optional<FlowRule6> before, Optional<FlowRule6> after) {
    public Rule6Change {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        boolean shapeFits = switch (kind) {
            case ADD -> before.isEmpty() && after.isPresent();
            case DELETE -> before.isPresent() && after.isEmpty();
            case CHANGE, REPLACE -> before.isPresent() && after.isPresent();
        };
        if (!shapeFits) {
            throw new IllegalArgumentException(kind + " of " + key + " with before=" + before + " after=" + after);
        }
        if (kind == Change.Kind.REPLACE && before.orElseThrow().owner() != Owner.SESSION) {
            throw new IllegalArgumentException("REPLACE of " + key + " whose live rule is not session-owned");
        }
    }
}
