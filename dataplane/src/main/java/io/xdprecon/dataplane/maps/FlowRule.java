package io.xdprecon.dataplane.maps;

import java.util.Objects;

/** The value of {@code xdp_fwd_rules}: how a matching packet is rewritten, and who owns the rule. */
public record FlowRule(FlowKey rewrite, Owner owner) {
    public FlowRule {
        Objects.requireNonNull(rewrite, "rewrite");
        Objects.requireNonNull(owner, "owner");
    }
}
