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
        int[] kept = {0};
        // forEach, not an entry iterator: an immutable map's iterator makes an entry object per rule.
        after.forEach((key, rule) -> {
            DesiredRule was = before.get(key);
            if (was == null) {
                keys.add(key);
            } else {
                kept[0]++;
                if (!was.rule().rewrite().equals(rule.rule().rewrite())) {
                    keys.add(key);
                }
            }
        });
        if (kept[0] != before.size()) {
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
