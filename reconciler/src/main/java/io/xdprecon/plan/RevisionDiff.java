package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The rule keys two revisions of a node's desired state disagree on: present in one only, or written
 * with another rewrite. A renamed flow with the same rules is no disagreement: the map keeps no names.
 * Only these keys can change between the plans of the two revisions (see {@link Planner#planChange}).
 */
public record RevisionDiff(Set<FlowKey> keys) {
    public RevisionDiff {
        keys = Set.copyOf(keys);
    }

    public static RevisionDiff between(DesiredState previous, DesiredState next) {
        Map<FlowKey, DesiredRule> before = previous.rules();
        Map<FlowKey, DesiredRule> after = next.rules();
        Set<FlowKey> keys = new HashSet<>();
        int kept = 0;
        for (Map.Entry<FlowKey, DesiredRule> e : after.entrySet()) {
            DesiredRule was = before.get(e.getKey());
            if (was == null) {
                keys.add(e.getKey());
            } else {
                kept++;
                if (!was.rule().rewrite().equals(e.getValue().rule().rewrite())) {
                    keys.add(e.getKey());
                }
            }
        }
        if (kept != before.size()) {
            // Some keys of the previous revision are gone: only then is a second pass needed.
            before.keySet().forEach(key -> {
                if (!after.containsKey(key)) {
                    keys.add(key);
                }
            });
        }
        return new RevisionDiff(keys);
    }
}
