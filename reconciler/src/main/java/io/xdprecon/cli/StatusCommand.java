package io.xdprecon.cli;

import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.admin.StatusJson;
import io.xdprecon.text.Columns;
import io.xdprecon.text.Escape;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {
            "Ask the running daemon (xdprecon run) how it is doing, over its admin endpoint.",
            "",
            "Prints the node and source, the applied and the last attempted revision, the last error, how long"
                + " ago the last reconcile was, whether reconciling is suspended, the live rules by owner against"
                + " the map capacity, drift corrections and the main datapath counters. The same facts are on"
                + " /metrics for Prometheus."
        })
final class StatusCommand implements Callable<Integer> {
    /** The counters shown first, in this order; any others follow. */
    private static final List<String> KEY_COUNTERS =
            List.of("rewrite_hit", "rewrite_miss", "hairpin_tx", "redirect_out", "afxdp_redirect", "pass_to_kernel",
                    "fib_pass", "fib_drop");

    @Mixin
    AdminEndpoint endpoint;

    @Option(names = "--json", description = "Print the daemon's JSON status document as served by GET /status.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String body;
        try {
            body = endpoint.get("/status");
        } catch (AdminClient.UnreachableException e) {
            throw new CliException("cannot reach the daemon: is `xdprecon run` running? admin address " + endpoint.admin + " "
                    + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(body.strip());
        } else {
            StatusJson.Parsed parsed;
            try {
                parsed = StatusJson.read(body);
            } catch (IOException e) {
                throw new CliException("the daemon at " + endpoint.admin + " sent a status that is not JSON: " + e.getMessage());
            }
            print(out, parsed.status(), parsed.lastReconcileAge());
        }
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, DaemonStatus s, Optional<Duration> age) {
        // Every string is the daemon's, and may quote input (an error, a commit): shown escaped (Escape.line).
        out.printf("xdprecon on %s%n", s.node().isEmpty() ? "(unnamed node)" : Escape.line(s.node()));
        row(out, "source", s.source());
        row(out, "applied", s.lastAppliedRevision().orElse("nothing applied yet"));
        String attempted = s.lastAttemptedRevision().orElse("none yet");
        if (s.lastAttemptedRevision().isPresent() && !s.lastAttemptedRevision().equals(s.lastAppliedRevision())) {
            attempted += "  (not applied)";
        }
        row(out, "attempted", attempted);
        if (s.lastError().isPresent()) {
            List<String> lines = s.lastError().get().lines().toList();
            row(out, "last error", lines.isEmpty() ? "" : lines.getFirst());
            lines.stream().skip(1).forEach(l -> out.printf("  %-18s %s%n", "", Escape.line(l)));
        } else {
            row(out, "last error", "none");
        }
        row(out, "last reconcile", s.lastReconcile()
                .map(t -> age.map(StatusCommand::ago).orElse("") + " (" + t.truncatedTo(ChronoUnit.SECONDS) + "), " + s.reconciles()
                        + " reconciles since start")
                .orElse("none yet"));
        row(out, "suspended", suspended(s.suspension()));
        long all = s.rulesByOwner().values().stream().mapToLong(Long::longValue).sum();
        StringBuilder rules = new StringBuilder();
        s.rulesByOwner().forEach((owner, n) -> rules.append(rules.isEmpty() ? "" : ", ").append(Escape.line(owner)).append(' ')
                .append(n));
        if (rules.isEmpty()) {
            rules.append("none");
        }
        if (s.rulesCapacity() > 0) {
            rules.append(String.format(" — %d of %d (%.1f %% full)", all, s.rulesCapacity(),
                    100.0 * all / s.rulesCapacity()));
        } else {
            rules.append(" (no datapath)");
        }
        row(out, "rules", rules.toString());
        row(out, "drift corrections", Long.toString(s.driftCorrections()));
        Map<String, Long> counters = s.datapathCounters();
        if (counters.isEmpty()) {
            row(out, "datapath", "no counters");
        } else {
            out.println("  datapath counters:");
            KEY_COUNTERS.stream().filter(counters::containsKey)
                    .forEach(k -> out.printf("    %-18s %d%n", k, counters.get(k)));
            counters.forEach((k, v) -> {
                if (!KEY_COUNTERS.contains(k)) {
                    out.printf("    %-18s %d%n", Escape.line(k), v);
                }
            });
        }
    }

    /** Who holds writes back and what lifts each: `xdprecon resume` lifts only its own (see DaemonStatus.Suspension). */
    private static String suspended(io.xdprecon.daemon.DaemonStatus.Suspension by) {
        if (!by.any()) {
            return "no";
        }
        String operator = by.byOperator() ? "by `xdprecon suspend` (`xdprecon resume` lifts it)" : "";
        String config = by.byConfig().map(at -> "by the config, suspend: true at " + at + " (a revision without it"
                + " lifts it; `xdprecon resume` does not)").orElse("");
        return "YES, changes are not applied: " + operator + (operator.isEmpty() || config.isEmpty() ? "" : "; ") + config;
    }

    /** {@code  label:   value}, a long value broken at spaces under itself to fit 120 columns. */
    private static void row(PrintWriter out, String label, String value) {
        Columns.wrap(Escape.line(value), Columns.WIDTH, String.format("  %-18s ", label + ":"), " ".repeat(21))
                .forEach(out::println);
    }

    static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s ago";
        }
        if (s < 7200) {
            return s / 60 + " min ago";
        }
        if (s < 172800) {
            return s / 3600 + " h ago";
        }
        return s / 86400 + " days ago";
    }
}
