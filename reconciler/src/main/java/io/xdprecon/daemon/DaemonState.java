package io.xdprecon.daemon;

import io.xdprecon.config.Config;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.plan.Baseline;
import io.xdprecon.source.Revision;
import io.xdprecon.state.DesiredState;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the daemon carries from one reconcile to the next, as one immutable value: each phase of
 * {@link Daemon#reconcileOnce()} returns the next one instead of setting fields. {@link DaemonStatus} is what
 * of it (plus the datapath's counters) the outside sees.
 *
 * @param applied            the revision whose config is live
 * @param enforced           that revision's desired state: what drift is corrected toward
 * @param attempted          the newest revision tried, valid or not
 * @param error              why the last attempt did not apply, if it did not
 * @param rejected           a revision refused for good (invalid or untrusted): never retried
 * @param pending            the newest valid revision when it is not live yet: its plan was refused (a mass
 *                           delete, a disruptive change without its flag, plan errors) or the node moved under
 *                           it. It is what the daemon converges toward on every reconcile — never the older
 *                           revision still live — and it counts as applied once the node holds it
 * @param holds              the desired state the node is known to hold as written (after an apply, or a plan
 *                           with no changes), empty when unknown (a failed apply, uncorrected drift): a new
 *                           revision is planned as its difference to this one, the full read being left to the interval
 * @param ruleOwners         live rules by owner as of the last full read, kept true through our own applies;
 *                           empty when unknown
 * @param adopted            the running datapath was adopted (done once, at the first reconcile)
 * @param reconciles         reconciles since start
 * @param driftCorrections   applies that corrected drift
 * @param consecutiveFailures reconciles in a row that failed in a way that may pass (backoff grows with it)
 * @param lastReconcile      when the last reconcile started
 */
record DaemonState(Optional<Revision> applied, Optional<DesiredState> enforced, Optional<String> attempted,
        Optional<String> error, Optional<ReconcileOutcome.Rejected> rejected, Optional<Candidate> pending, Optional<Baseline> holds,
        Optional<Map<Owner, Long>> ruleOwners, boolean adopted, long reconciles, long driftCorrections,
        int consecutiveFailures, Optional<Instant> lastReconcile) {

    static DaemonState initial() {
        return new DaemonState(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), false, 0, 0, 0, Optional.empty());
    }

    DaemonState {
        ruleOwners = ruleOwners.map(DaemonState::frozen);
    }

    /** A reconcile starts at {@code now}. */
    DaemonState started(Instant now) {
        return new DaemonState(applied, enforced, attempted, error, rejected, pending, holds, ruleOwners, adopted, reconciles + 1,
                driftCorrections, consecutiveFailures, Optional.of(now));
    }

    DaemonState attempting(String revision) {
        return new DaemonState(applied, enforced, Optional.of(revision), error, rejected, pending, holds, ruleOwners, adopted,
                reconciles, driftCorrections, consecutiveFailures, lastReconcile);
    }

    DaemonState failing(String why) {
        return new DaemonState(applied, enforced, attempted, Optional.of(why), rejected, pending, holds, ruleOwners, adopted,
                reconciles, driftCorrections, consecutiveFailures, lastReconcile);
    }

    /** {@code rejection}'s revision is refused for good. */
    DaemonState rejecting(ReconcileOutcome.Rejected rejection) {
        return new DaemonState(applied, enforced, attempted, Optional.of(rejection.reason()), Optional.of(rejection), pending,
                holds, ruleOwners,
                adopted, reconciles, driftCorrections, consecutiveFailures, lastReconcile);
    }

    /** {@code candidate} is the newest valid revision but not live yet, for {@code why}. */
    DaemonState holdingBack(Candidate candidate, String why) {
        return new DaemonState(applied, enforced, Optional.of(candidate.revision().id()), Optional.of(why), rejected,
                Optional.of(candidate), holds, ruleOwners, adopted, reconciles, driftCorrections, consecutiveFailures,
                lastReconcile);
    }

    /** No revision waits any more (the source went back to the live one). */
    DaemonState withoutPending() {
        return new DaemonState(applied, enforced, attempted, error, rejected, Optional.empty(), holds, ruleOwners, adopted,
                reconciles, driftCorrections, consecutiveFailures, lastReconcile);
    }

    /** {@code revision} is live with {@code desired}: it is what the daemon enforces from now on. */
    DaemonState accepting(Revision revision, DesiredState desired) {
        return new DaemonState(Optional.of(revision), Optional.of(desired), attempted, Optional.empty(), rejected,
                Optional.empty(), holds,
                ruleOwners, adopted, reconciles, driftCorrections, consecutiveFailures, lastReconcile);
    }

    DaemonState holding(Optional<Baseline> baseline) {
        return new DaemonState(applied, enforced, attempted, error, rejected, pending, baseline, ruleOwners, adopted, reconciles,
                driftCorrections, consecutiveFailures, lastReconcile);
    }

    DaemonState owning(Optional<Map<Owner, Long>> owners) {
        return new DaemonState(applied, enforced, attempted, error, rejected, pending, holds, owners, adopted, reconciles,
                driftCorrections, consecutiveFailures, lastReconcile);
    }

    DaemonState adoptedDatapath() {
        return new DaemonState(applied, enforced, attempted, error, rejected, pending, holds, ruleOwners, true, reconciles,
                driftCorrections, consecutiveFailures, lastReconcile);
    }

    DaemonState correctedDrift() {
        return new DaemonState(applied, enforced, attempted, error, rejected, pending, holds, ruleOwners, adopted, reconciles,
                driftCorrections + 1, consecutiveFailures, lastReconcile);
    }

    /** After a reconcile: failures that may pass count up (the backoff grows), anything else resets them. */
    DaemonState ended(ReconcileOutcome outcome) {
        boolean failed = switch (outcome.kind()) {
            case SOURCE_FAILED, APPLY_FAILED, DEFERRED -> true;
            case UNCHANGED, APPLIED, DRIFT_REPORTED, REJECTED -> false;
        };
        return new DaemonState(applied, enforced, attempted, error, rejected, pending, holds, ruleOwners, adopted, reconciles,
                driftCorrections, failed ? consecutiveFailures + 1 : 0, lastReconcile);
    }

    /** Whether {@code revision} is not the one applied (a first revision is new). */
    boolean isNew(Revision revision) {
        return applied.map(r -> !r.id().equals(revision.id())).orElse(true);
    }

    /** A valid revision: its config, and its state for this node. */
    record Candidate(Revision revision, Config config, DesiredState desired) {}

    /** A count of zero for every owner. */
    static Map<Owner, Long> noOwners() {
        Map<Owner, Long> owners = new EnumMap<>(Owner.class);
        for (Owner owner : Owner.values()) {
            owners.put(owner, 0L);
        }
        return owners;
    }

    private static Map<Owner, Long> frozen(Map<Owner, Long> owners) {
        Map<Owner, Long> copy = noOwners();
        copy.putAll(owners);
        return Collections.unmodifiableMap(copy);
    }
}
