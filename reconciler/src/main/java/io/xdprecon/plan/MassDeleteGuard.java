package io.xdprecon.plan;

import java.util.Optional;

/**
 * The verdict of the mass-delete guard: a config that lost its rules (a truncated file, a wrong branch)
 * must not silently empty a node. The plan trips it when the desired state has no rules while config
 * rules are live, or when it deletes more than half of the live config-owned rules; exactly half passes.
 *
 * @param desiredEmpty     the desired state has no rules at all
 * @param liveConfigRules  config-owned rules in the live map (session rules are not counted)
 * @param deletedRules     rules the plan deletes
 */
public record MassDeleteGuard(boolean desiredEmpty, int liveConfigRules, int deletedRules) {
    /** The flag that lets the CLI and the applier go ahead anyway. */
    public static final String OVERRIDE_FLAG = "--allow-mass-delete";

    public MassDeleteGuard {
        if (liveConfigRules < 0 || deletedRules < 0 || deletedRules > liveConfigRules) {
            throw new IllegalArgumentException(
                    "deleted " + deletedRules + " of " + liveConfigRules + " live config-owned rules");
        }
    }

    /** Whether the plan must be refused without {@link #OVERRIDE_FLAG}. */
    public boolean trips() {
        return (desiredEmpty && liveConfigRules > 0) || deletedRules * 2L > liveConfigRules;
    }

    /** The refusal, in the same words wherever it is shown; empty when the guard does not trip. */
    public Optional<String> refusal() {
        if (!trips()) {
            return Optional.empty();
        }
        if (desiredEmpty) {
            return Optional.of("mass delete: the config has no rules but " + liveConfigRules
                    + " config-owned rules are live; refusing to delete them all without " + OVERRIDE_FLAG);
        }
        return Optional.of("mass delete: this plan deletes " + deletedRules + " of " + liveConfigRules
                + " config-owned rules (more than half); refusing without " + OVERRIDE_FLAG);
    }
}
