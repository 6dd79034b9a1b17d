package io.xdprecon.apply;

import java.util.List;

/** The apply did not start: nothing was written. Every reason is listed. */
public final class ApplyRefusedException extends RuntimeException {
    private final List<String> reasons;

    public ApplyRefusedException(List<String> reasons) {
        super("apply refused, nothing was changed:\n  " + String.join("\n  ", reasons));
        this.reasons = List.copyOf(reasons);
    }

    public List<String> reasons() {
        return reasons;
    }
}
