package io.xdprecon.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.check.CheckResult.Status;
import io.xdprecon.text.Columns;
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
        String under = " ".repeat(6 + width + 2);
        for (CheckResult r : results) {
            String head = String.format("%-4s  %-" + width + "s  ", r.status().name().toLowerCase(), r.name());
            Columns.wrap(r.detail(), Columns.WIDTH, head, under).forEach(line -> out.append(line).append('\n'));
            r.fix().ifPresent(fix -> Columns.wrap("fix: " + fix, Columns.WIDTH, under, under + "     ")
                    .forEach(line -> out.append(line).append('\n')));
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
                String message = r.name() + ": " + r.detail() + r.fix().map(f -> " (fix: " + f + ")").orElse("");
                Columns.wrap(message, Columns.WIDTH, r.status() == Status.FAIL ? "check failed: " : "warning: ", "  ")
                        .forEach(line -> out.append(line).append('\n'));
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
