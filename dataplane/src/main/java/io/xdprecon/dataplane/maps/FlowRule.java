package io.xdprecon.dataplane.maps;

import java.util.Objects;

/**
 * The value of {@code xdp_fwd_rules}: how a matching packet is rewritten, and who owns the rule.
 *
 * @param ownerCode the owner code as the map holds it: {@code owner.code()}, except for {@link Owner#UNKNOWN},
 *                  where it is the code read (shown in plans, compared by apply's check of the live state)
 */
public record FlowRule(FlowKey rewrite, Owner owner, int ownerCode) {
    public FlowRule {
        Objects.requireNonNull(rewrite, "rewrite");
        Objects.requireNonNull(owner, "owner");
        if (Owner.ofCode(ownerCode) != owner) {
            throw new IllegalArgumentException("owner code " + ownerCode + " is not " + owner);
        }
    }

    public FlowRule(FlowKey rewrite, Owner owner) {
        this(rewrite, owner, owner.code());
    }

    /** A rule as read from the map, with whatever owner code it carries. */
    public static FlowRule read(FlowKey rewrite, int ownerCode) {
        return new FlowRule(rewrite, Owner.ofCode(ownerCode), ownerCode);
    }

    /** The owner as plans and tables show it: {@code config}, {@code session}, {@code unknown owner code 7}. */
    public String ownerName() {
        return owner == Owner.UNKNOWN ? "unknown owner code " + Integer.toUnsignedString(ownerCode)
                : owner.name().toLowerCase(java.util.Locale.ROOT);
    }
}
