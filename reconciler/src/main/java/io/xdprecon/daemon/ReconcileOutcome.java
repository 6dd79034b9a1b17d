package io.xdprecon.daemon;

import java.util.Locale;
import java.util.Optional;

/**
 * How one reconcile ended, as a value: what {@link Daemon#reconcileOnce()} returns, what metrics count (by
 * {@link #kind()}) and what {@code run --once} prints.
 */
public sealed interface ReconcileOutcome {

    /** The closed set metrics count reconciles by ({@code xdprecon_reconciles_total{outcome}}). */
    enum Kind {
        /** The live node already matched (or writes are suspended). */
        UNCHANGED,
        /** Changes were applied (a new revision, or drift corrected). */
        APPLIED,
        /** Drift found and, with {@code drift: warn}, only reported. */
        DRIFT_REPORTED,
        /** The revision was invalid, untrusted or its plan refused: nothing was written for it. */
        REJECTED,
        /** The node moved between plan and apply (another writer): nothing written, retried with backoff. */
        DEFERRED,
        /** The source could not be read (remote unreachable…): the last state stays. */
        SOURCE_FAILED,
        /** The apply itself failed part way: the next attempt converges. */
        APPLY_FAILED;

        /** Its name in lower case, e.g. {@code source_failed}: the metrics label and {@code run --once}'s word. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    Kind kind();

    /** Whether the node now holds what the daemon means it to (a new revision or the enforced one). */
    default boolean converged() {
        return kind() == Kind.APPLIED || kind() == Kind.UNCHANGED;
    }

    /**
     * The node already matched: nothing written.
     *
     * @param nowLive a new revision that became live without a write, if that is what happened
     */
    record Unchanged(Optional<String> nowLive) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.UNCHANGED;
        }
    }

    /** Changes were due but writes are suspended: {@code pending} is the plan's summary line. */
    record Suspended(String pending) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.UNCHANGED;
        }
    }

    /**
     * The plan was applied.
     *
     * @param revision            the new revision now live, empty for a drift correction
     * @param summary             the plan's summary line
     * @param plannedFromLastRevision the plan was the difference to the last revision, not a full read
     */
    record Applied(Optional<String> revision, String summary, boolean plannedFromLastRevision) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.APPLIED;
        }
    }

    /** Drift was found and, with {@code drift: warn}, only reported: {@code summary} is what would fix it. */
    record DriftReported(String summary) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.DRIFT_REPORTED;
        }
    }

    /**
     * The revision was untrusted, invalid or its plan refused; {@code reason} is what status shows. An untrusted or
     * invalid revision is never retried; a refused plan is planned again each reconcile (it applies once allowed,
     * and counts as applied once the node holds it).
     */
    record Rejected(String revision, Refusal refusal, String reason) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.REJECTED;
        }
    }

    /** Why a revision was rejected, as metrics count it ({@code xdprecon_revisions_rejected_total{reason}}). */
    enum Refusal {
        /** Its config is invalid (file:line:col errors). */
        INVALID,
        /** Unsigned, or not signed by a trusted key. */
        UNTRUSTED,
        /** Older than the applied revision. */
        ROLLBACK,
        /** Not a descendant of the applied revision (a force-push), without the flag that allows it. */
        NON_FAST_FORWARD,
        /** Its plan is refused: a mass delete, a disruptive change without its flag, plan errors. */
        PLAN_REFUSED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The apply did not start because the node changed under the plan (a CLI apply, DPDK sessions, another tool):
     * transient, so planned again after a backoff with jitter.
     *
     * @param revision the revision being applied, empty while correcting drift
     */
    record Deferred(Optional<String> revision, String reason) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.DEFERRED;
        }
    }

    /** The source could not deliver a revision. */
    record SourceFailed(String reason) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.SOURCE_FAILED;
        }
    }

    /** The apply stopped part way; the next attempt converges. */
    record ApplyFailed(String reason) implements ReconcileOutcome {
        public Kind kind() {
            return Kind.APPLY_FAILED;
        }
    }
}
