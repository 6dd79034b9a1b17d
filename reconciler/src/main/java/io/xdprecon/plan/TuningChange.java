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
            case TuningSetting.Hugepages pages -> "reserves " + kibibytes((long) pages.count() * pages.pageSizeKb())
                    + " of huge pages, over " + Planner.HUGEPAGES_SHARE_PERCENT + " % of the node's memory";
            case TuningSetting.RssKey _ -> "interrupts traffic";
        };
    }

    /** "1.5 GiB", "512 MiB", "16 TiB": a size in kB as the plan shows it. */
    static String kibibytes(long kb) {
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = kb;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? Long.toString((long) value) : String.format(java.util.Locale.ROOT, "%.1f", value))
                + " " + units[unit];
    }
}
