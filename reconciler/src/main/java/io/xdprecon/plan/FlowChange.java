package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The changed legs of one flow, shown and counted as one resource.
 *
 * @param flow   the config's flow name; empty for config-owned live rules the config no longer has (the
 *               maps keep no names), which are grouped by reverse key and shown by their keys
 * @param rules  only the legs that change, forward leg first for named flows, by key otherwise
 */
public record FlowChange(Change.Kind kind, Optional<String> flow, List<RuleChange> rules) implements Change {
    public FlowChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(flow, "flow");
        rules = List.copyOf(rules);
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("a flow change needs at least one rule change");
        }
    }

    /** The keys of the rules this change writes or deletes. */
    public List<FlowKey> keys() {
        return rules.stream().map(RuleChange::key).toList();
    }
}
