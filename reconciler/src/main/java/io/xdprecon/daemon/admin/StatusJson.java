package io.xdprecon.daemon.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.daemon.DaemonStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON form of {@link DaemonStatus} served at {@code GET /status} and read by {@code xdprecon status}.
 *
 * <p>Fields (an absent value is JSON {@code null}; maps keep the daemon's order):
 * <pre>
 * {
 *   "node": "edge-1",                       // DaemonStatus.node
 *   "source": "git https://…#main",         // DaemonStatus.source
 *   "lastAttemptedRevision": "9f3c…"|null,  // newest revision tried, valid or not
 *   "lastAppliedRevision": "9f3c…"|null,    // revision whose config is live
 *   "lastError": "…"|null,                  // why the last attempt did not apply
 *   "lastReconcile": "2026-11-25T14:00:00Z"|null,  // ISO-8601 instant, UTC
 *   "lastReconcileAgeSeconds": 12.5|null,   // age by the daemon's clock when served (immune to client skew)
 *   "suspended": false,                     // true while anyone holds writes back:
 *   "suspendedBy": {"operator": false,      //   xdprecon suspend / POST /suspend (xdprecon resume lifts it)
 *                   "config": "…"|null},    //   the config's suspend: true, "FILE:LINE:COL in revision ID"
 *   "reconciles": 42,                       // reconciles since start
 *   "driftCorrections": 1,
 *   "rulesByOwner": {"config": 10, "session": 3},
 *   "rulesCapacity": 524288,                // 0 when no datapath
 *   "rulesFillRatio": 0.0000248,            // all rules / capacity; 0 when capacity is 0
 *   "datapathCounters": {"rewrite_hit": 123, …}   // summed over CPUs, lower-case stat names
 * }
 * </pre>
 */
public final class StatusJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusJson() {}

    /** The JSON document for {@code status}; {@code now} (the daemon's clock) gives {@code lastReconcileAgeSeconds}. */
    public static String write(DaemonStatus status, Instant now) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("node", status.node());
        o.put("source", status.source());
        o.put("lastAttemptedRevision", status.lastAttemptedRevision().orElse(null));
        o.put("lastAppliedRevision", status.lastAppliedRevision().orElse(null));
        o.put("lastError", status.lastError().orElse(null));
        o.put("lastReconcile", status.lastReconcile().map(Instant::toString).orElse(null));
        if (status.lastReconcile().isPresent()) {
            o.put("lastReconcileAgeSeconds", Duration.between(status.lastReconcile().get(), now).toMillis() / 1000.0);
        } else {
            o.putNull("lastReconcileAgeSeconds");
        }
        o.put("suspended", status.suspended());
        ObjectNode by = o.putObject("suspendedBy");
        by.put("operator", status.suspension().byOperator());
        by.put("config", status.suspension().byConfig().orElse(null));
        o.put("reconciles", status.reconciles());
        o.put("driftCorrections", status.driftCorrections());
        ObjectNode owners = o.putObject("rulesByOwner");
        status.rulesByOwner().forEach(owners::put);
        o.put("rulesCapacity", status.rulesCapacity());
        o.put("rulesFillRatio", DaemonMetrics.fillRatio(status));
        ObjectNode counters = o.putObject("datapathCounters");
        status.datapathCounters().forEach(counters::put);
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always serializes
        }
    }

    /** A parsed {@code /status} document: the status plus the daemon-side age of the last reconcile. */
    public record Parsed(DaemonStatus status, Optional<Duration> lastReconcileAge) {}

    /** Parses what {@link #write} produced. */
    public static Parsed read(String json) throws IOException {
        JsonNode o = MAPPER.readTree(json);
        if (o == null || !o.isObject()) {
            throw new IOException("status is not a JSON object");
        }
        DaemonStatus s = new DaemonStatus(text(o, "node").orElse(""), text(o, "source").orElse(""),
                text(o, "lastAttemptedRevision"), text(o, "lastAppliedRevision"), text(o, "lastError"),
                text(o, "lastReconcile").map(Instant::parse), suspension(o),
                o.path("reconciles").asLong(0), o.path("driftCorrections").asLong(0), longs(o.path("rulesByOwner")),
                o.path("rulesCapacity").asInt(0), longs(o.path("datapathCounters")));
        JsonNode age = o.path("lastReconcileAgeSeconds");
        Optional<Duration> lastReconcileAge = age.isNumber()
                ? Optional.of(Duration.ofMillis(Math.round(age.asDouble() * 1000))) : Optional.empty();
        return new Parsed(s, lastReconcileAge);
    }

    /** An older daemon says only "suspended": then it was by the operator, the only way it knew. */
    private static DaemonStatus.Suspension suspension(JsonNode o) {
        JsonNode by = o.path("suspendedBy");
        if (!by.isObject()) {
            return new DaemonStatus.Suspension(o.path("suspended").asBoolean(false), Optional.empty());
        }
        return new DaemonStatus.Suspension(by.path("operator").asBoolean(false), text(by, "config"));
    }

    private static Optional<String> text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
    }

    private static Map<String, Long> longs(JsonNode n) {
        Map<String, Long> m = new LinkedHashMap<>();
        n.properties().forEach(e -> m.put(e.getKey(), e.getValue().asLong()));
        return m;
    }
}
