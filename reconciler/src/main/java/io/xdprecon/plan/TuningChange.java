package io.xdprecon.plan;

import io.xdprecon.state.TuningSetting;
import java.util.Objects;
import java.util.Optional;

/**
 * One host setting moved to the config's value.
 *
 * @param before      the live value; empty when the node could not report it (unsupported, or the
 *                    interface is missing), which the plan shows as unknown rather than failing
 * @param after       the value to set
 * @param disruptive  applying it interrupts traffic, so the applier needs an explicit flag
 */
public record TuningChange(Optional<TuningSetting> before, TuningSetting after, boolean disruptive) implements Change {
    public TuningChange {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        if (before.isPresent() && !before.get().id().equals(after.id())) {
            throw new IllegalArgumentException("tuning change from " + before.get().id() + " to " + after.id());
        }
    }

    /** Settings are never created or destroyed by a plan, only moved to a value. */
    @Override
    public Kind kind() {
        return Kind.CHANGE;
    }

    public String id() {
        return after.id();
    }

    /** Why it is disruptive, in words for the plan and the refusal. */
    public String disruption() {
        return switch (after) {
            case TuningSetting.QueueCount _ -> "resets the NIC";
            case TuningSetting.Hugepages _ -> "interrupts traffic";
            case TuningSetting.RssKey _ -> "interrupts traffic";
        };
    }
}
