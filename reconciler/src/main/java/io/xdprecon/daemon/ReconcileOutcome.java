package io.xdprecon.daemon;

/** How one reconcile ended, as metrics count it. */
public enum ReconcileOutcome {
    /** The live node already matched. */
    UNCHANGED,
    /** Changes were applied (a new revision, or drift corrected). */
    APPLIED,
    /** Drift found and, with {@code drift: warn}, only reported. */
    DRIFT_REPORTED,
    /** The revision was invalid or untrusted: the last good state stays. */
    REJECTED,
    /** The source could not be read (remote unreachable…): the last state stays. */
    SOURCE_FAILED,
    /** The apply itself failed part way: the next attempt converges. */
    APPLY_FAILED
}
