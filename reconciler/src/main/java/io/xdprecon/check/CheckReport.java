package io.xdprecon.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.check.CheckResult.Status;
import java.util.List;

/** {@code xdprecon check}'s output: aligned lines with the fix under each, or one JSON document. */
public final class CheckReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckReport() {}

    /**
     * One line per check, {@code STATUS NAME DETAIL}, the fix indented below a line that is not ok, then a
     * count: {@code 1 failed, 2 warnings, 12 ok.}
     */
    public static String text(List<CheckResult> results) {
        int width = results.stream().mapToInt(r -> r.name().length()).max().orElse(0);
        StringBuilder out = new StringBuilder();
        for (CheckResult r : results) {
            out.append(String.format("%-4s  %-" + width + "s  %s%n", r.status().name().toLowerCase(), r.name(), r.detail()));
            r.fix().ifPresent(fix -> out.append(" ".repeat(6 + width + 2)).append("fix: ").append(fix).append('\n'));
        }
        long failed = Preflight.count(results, Status.FAIL);
        long warned = Preflight.count(results, Status.WARN);
        out.append(failed).append(" failed, ").append(warned).append(warned == 1 ? " warning, " : " warnings, ")
                .append(Preflight.count(results, Status.OK)).append(" ok.\n");
        return out.toString();
    }

    /** A line for each result that is not ok, for plan and apply to print before their own output. */
    public static String notOk(List<CheckResult> results) {
        StringBuilder out = new StringBuilder();
        for (CheckResult r : results) {
            if (r.status() != Status.OK) {
                out.append(r.status() == Status.FAIL ? "check failed: " : "warning: ").append(r.name()).append(": ")
                        .append(r.detail()).append(r.fix().map(f -> " (fix: " + f + ")").orElse("")).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * {@code {"format": "xdprecon-check/v1", "ok": true|false, "summary": {ok, warn, fail},
     * "checks": [{check, status, detail, fix}]}}; {@code ok} is false when any check failed.
     */
    public static String json(List<CheckResult> results) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "xdprecon-check/v1");
        root.put("ok", Preflight.count(results, Status.FAIL) == 0);
        ObjectNode summary = root.putObject("summary");
        for (Status status : Status.values()) {
            summary.put(status.name().toLowerCase(), Preflight.count(results, status));
        }
        ArrayNode checks = root.putArray("checks");
        for (CheckResult r : results) {
            ObjectNode check = checks.addObject();
            check.put("check", r.name());
            check.put("status", r.status().name().toLowerCase());
            check.put("detail", r.detail());
            r.fix().ifPresentOrElse(fix -> check.put("fix", fix), () -> check.putNull("fix"));
        }
        return root.toPrettyString();
    }
}
