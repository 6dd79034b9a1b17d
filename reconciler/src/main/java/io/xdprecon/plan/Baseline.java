package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DesiredState;
import java.util.Objects;

/**
 * What a node holds once a revision is applied, as the daemon keeps it to plan the next revision from
 * ({@link Planner#planChange}): the revision's desired state, and the {@link Fingerprint} digest of its
 * rules as the live map holds them (config-owned). Made once from a whole revision after a full plan,
 * then carried from revision to revision over only the keys each change touches.
 */
public final class Baseline {
    private final DesiredState desired;
    private final Fingerprint.EntrySetDigest rules;

    private Baseline(DesiredState desired, Fingerprint.EntrySetDigest rules) {
        this.desired = Objects.requireNonNull(desired, "desired");
        this.rules = rules;
    }

    /** The baseline of a node holding every rule of {@code desired} as written: one pass over them. */
    public static Baseline of(DesiredState desired) {
        Fingerprint.EntrySetDigest rules = new Fingerprint.EntrySetDigest();
        DesiredRules packed = desired.packed();
        for (int i = 0; i < packed.size(); i++) {
            rules.addConfigRule(packed.keyHigh(i), packed.keyLow(i), packed.rewriteHigh(i), packed.rewriteLow(i));
        }
        return new Baseline(desired, rules);
    }

    /** The baseline once {@code next}, which differs from this one at {@code diff}, is applied: no objects per key. */
    public Baseline next(DesiredState next, RevisionDiff diff) {
        Fingerprint.EntrySetDigest after = rules.copy();
        DesiredRules was = diff.previous();
        DesiredRules now = diff.next();
        for (int d = 0; d < diff.size(); d++) {
            int i = diff.before(d);
            if (i >= 0) {
                after.foldConfigRule(was.keyHigh(i), was.keyLow(i), was.rewriteHigh(i), was.rewriteLow(i), -1);
            }
            int j = diff.after(d);
            if (j >= 0) {
                after.foldConfigRule(now.keyHigh(j), now.keyLow(j), now.rewriteHigh(j), now.rewriteLow(j), 1);
            }
        }
        return new Baseline(next, after);
    }

    public DesiredState desired() {
        return desired;
    }

    /** The digest of the baseline's rules: what a walk of the live map gives while it holds them. */
    Fingerprint.EntrySetDigest rules() {
        return rules.copy();
    }

    /** The live rule a desired rule becomes: config-owned, whatever the input carried. */
    static FlowRule written(DesiredRule rule) {
        FlowRule r = rule.rule();
        return r.owner() == Owner.CONFIG ? r : new FlowRule(r.rewrite(), Owner.CONFIG);
    }
}
