package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DesiredState;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * The rule keys two revisions of a node's desired state disagree on: present in one only, or written
 * with another rewrite. A renamed flow with the same rules is no disagreement: the map keeps no names.
 * Only these keys can change between the plans of the two revisions (see {@link Planner#planChange}).
 */
public record RevisionDiff(Set<FlowKey> keys) {
    public RevisionDiff {
        keys = Collections.unmodifiableSet(new HashSet<>(keys));
    }

    /** One walk over both revisions' rules, in key order: no lookups, no objects for the rules they share. */
    public static RevisionDiff between(DesiredState previous, DesiredState next) {
        DesiredRules before = previous.packed();
        DesiredRules after = next.packed();
        Set<FlowKey> keys = new HashSet<>();
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            int c = i == before.size() ? 1 : j == after.size() ? -1 : before.compareKeys(i, after, j);
            if (c < 0) {
                keys.add(before.key(i++)); // gone
            } else if (c > 0) {
                keys.add(after.key(j++)); // new
            } else {
                if (!before.sameRewrite(i, after, j)) {
                    keys.add(after.key(j));
                }
                i++;
                j++;
            }
        }
        return new RevisionDiff(keys);
    }
}
