package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the rules map as the plan changes it: the live value before (absent for an add) and the
 * value to write (absent for a delete).
 */
public record RuleChange(Change.Kind kind, FlowKey key, Optional<FlowRule> before, Optional<FlowRule> after) {
    public RuleChange {
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
        // A replace is, by definition, the config taking over a session's entry.
        if (kind == Change.Kind.REPLACE && before.orElseThrow().owner() != Owner.SESSION) {
            throw new IllegalArgumentException("REPLACE of " + key + " whose live rule is not session-owned");
        }
    }

    public static RuleChange add(FlowKey key, FlowRule after) {
        return new RuleChange(Change.Kind.ADD, key, Optional.empty(), Optional.of(after));
    }

    public static RuleChange delete(FlowKey key, FlowRule before) {
        return new RuleChange(Change.Kind.DELETE, key, Optional.of(before), Optional.empty());
    }

    public static RuleChange change(FlowKey key, FlowRule before, FlowRule after) {
        return new RuleChange(Change.Kind.CHANGE, key, Optional.of(before), Optional.of(after));
    }

    public static RuleChange replace(FlowKey key, FlowRule before, FlowRule after) {
        return new RuleChange(Change.Kind.REPLACE, key, Optional.of(before), Optional.of(after));
    }
}
