package io.xdprecon.dataplane.maps;

import java.util.Objects;

/** How a packet matching a {@link FlowKey6} is rewritten, and who owns the rule: the IPv6 twin of {@link FlowRule}. */
public record FlowRule6(FlowKey6 rewrite, Owner owner) {
    public FlowRule6 {
        Objects.requireNonNull(rewrite, "rewrite");
        Objects.requireNonNull(owner, "owner");
    }
}
