package io.xdprecon.cli;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.Owner;
import java.util.Locale;

/**
 * A live rule of either family as {@code flows}, {@code top} and {@code sessions} show it: what it matches, how it
 * rewrites, who owns it.
 *
 * @param ownerCode the code the map holds ({@link FlowRule#ownerCode()}); an IPv6 rule of no known owner reads -1
 */
record ShownRule(FlowEnds match, FlowEnds rewrite, Owner owner, int ownerCode) {
    static ShownRule of(FlowKey key, FlowRule rule) {
        return new ShownRule(FlowEnds.of(key), FlowEnds.of(rule.rewrite()), rule.owner(), rule.ownerCode());
    }

    static ShownRule of(FlowKey6 key, FlowRule6 rule) {
        return new ShownRule(FlowEnds.of(key), FlowEnds.of(rule.rewrite()), rule.owner(), rule.owner().code());
    }

    /** {@code config}, {@code session}, {@code unknown owner code 7} ({@link FlowRule#ownerName()}). */
    String ownerName() {
        if (owner != Owner.UNKNOWN) {
            return owner.name().toLowerCase(Locale.ROOT);
        }
        return ownerCode == Owner.UNKNOWN.code() ? "unknown owner" : "unknown owner code " + Integer.toUnsignedString(ownerCode);
    }

    /** The key of the rule that carries the other direction of this rule's flow or session. */
    FlowEnds partner() {
        return rewrite.reversed();
    }
}
