package io.xdprecon.apply;

import java.util.List;

/**
 * The apply did not start: nothing was written. Every reason is listed. A refusal is either for good (the plan
 * has errors, would mass-delete or disrupt without its flag: the same plan is refused again) or
 * {@link #liveStateMoved() transient} (another writer changed what the plan was made from: a new plan may go).
 */
public final class ApplyRefusedException extends RuntimeException {
    private final List<String> reasons;
    private final boolean liveStateMoved;

    public ApplyRefusedException(List<String> reasons) {
        this(reasons, false);
    }

    private ApplyRefusedException(List<String> reasons, boolean liveStateMoved) {
        super("apply refused, nothing was changed:\n  " + String.join("\n  ", reasons));
        this.reasons = List.copyOf(reasons);
        this.liveStateMoved = liveStateMoved;
    }

    /** The node changed between the plan and the apply (rules, local IPs, tuning or programs it depends on). */
    public static ApplyRefusedException liveStateMoved() {
        return new ApplyRefusedException(List.of("the live state changed since this plan was made"
                + " (rules, local IPs, tuning or programs it depends on): run plan again"), true);
    }

    public List<String> reasons() {
        return reasons;
    }

    /** Whether the refusal is transient: the node moved under the plan, and planning again may succeed. */
    public boolean isLiveStateMoved() {
        return liveStateMoved;
    }
}
