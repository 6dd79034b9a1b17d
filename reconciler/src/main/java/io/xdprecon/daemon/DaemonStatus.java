package io.xdprecon.daemon;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What the daemon knows about itself, published after every reconcile: status lines, metrics and
 * {@code xdprecon status} all read this one value.
 *
 * @param lastAttemptedRevision the newest revision the daemon tried (valid or not)
 * @param lastAppliedRevision   the revision whose config is live now
 * @param lastError             why the last attempt did not apply, if it did not
 * @param rulesByOwner          live rules per owner ("config", "session"; "unknown" while rules of no known owner are live)
 * @param rulesCapacity         max entries of the rules map (0 when no datapath)
 * @param suspension            who holds writes back, if anyone: the operator, the config, or both
 * @param datapathCounters      xdp_counters summed over CPUs, by lower-case stat name
 */
public record DaemonStatus(String node, String source, Optional<String> lastAttemptedRevision,
        Optional<String> lastAppliedRevision, Optional<String> lastError, Optional<Instant> lastReconcile,
        Suspension suspension, long reconciles, long driftCorrections, Map<String, Long> rulesByOwner, int rulesCapacity,
        Map<String, Long> datapathCounters) {

    /**
     * Why the daemon writes nothing. Two holders, each lifted where it was set, as Flux users know from a Kustomization
     * whose {@code spec.suspend} is in Git: a {@code flux resume} does not outlast the next sync of that spec.
     *
     * @param byOperator  {@code xdprecon suspend} / {@code POST /suspend}, until {@code xdprecon resume}
     * @param byConfig    where the {@code suspend: true} of the newest valid revision stands, and that revision
     *                    ("FILE:LINE:COL in revision ID"), until a revision without it
     */
    public record Suspension(boolean byOperator, Optional<String> byConfig) {
        public static final Suspension NONE = new Suspension(false, Optional.empty());

        public boolean any() {
            return byOperator || byConfig.isPresent();
        }

        /** "xdprecon suspend", "config FILE:LINE:COL in revision ID", or both, joined by " and ". */
        public String describe() {
            String operator = byOperator ? "xdprecon suspend" : "";
            String config = byConfig.map(c -> "config " + c).orElse("");
            return operator.isEmpty() || config.isEmpty() ? operator + config : operator + " and " + config;
        }
    }

    /** Whether writes are held back, by anyone. */
    public boolean suspended() {
        return suspension.any();
    }

    /** One line for systemd's STATUS= and logs. */
    public String line() {
        String applied = lastAppliedRevision.map(r -> "applied " + abbreviate(r)).orElse("nothing applied yet");
        String attempted = lastAttemptedRevision.filter(r -> !lastAppliedRevision.equals(Optional.of(r)))
                .map(r -> ", rejected " + abbreviate(r)).orElse("");
        long config = rulesByOwner.getOrDefault("config", 0L);
        long session = rulesByOwner.getOrDefault("session", 0L);
        return (suspended() ? "SUSPENDED, " : "") + applied + attempted + "; " + config + " config rules, " + session
                + " session rules" + lastError.map(e -> "; error: " + e.lines().findFirst().orElse(e)).orElse("");
    }

    private static String abbreviate(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision;
    }
}
