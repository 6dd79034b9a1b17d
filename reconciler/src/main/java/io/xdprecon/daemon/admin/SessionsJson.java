package io.xdprecon.daemon.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.config.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of the DPDK loop's sessions, served at {@code GET /sessions} and read by
 * {@code xdprecon sessions}:
 * <pre>
 * {"sessions": [{
 *    "service": "turn",
 *    "client": "198.51.100.7:40001",          // as seen on the wire (after the client's NAT); IPv6 as "[2001:db8::7]:40001"
 *    "backend": "10.0.0.30:3478",
 *    "egressPort": 50012,                     // this node's source port toward the backend
 *    "ageSeconds": 12.3, "idleSeconds": 0.1,  // idle: since the counters last moved (swept every 100 ms)
 *    "fastPath": {"packets": 1200, "bytes": 190000},   // both rules' XDP counters
 *    "slowPathPackets": 1,                    // forwarded by DPDK (first packet, or all while not installed)
 *    "installed": true                        // false: the map refused the rules, DPDK forwards everything
 * }, …]}
 * </pre>
 */
public final class SessionsJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SessionsJson() {}

    public static String write(List<SessionRow> rows) {
        ObjectNode o = MAPPER.createObjectNode();
        ArrayNode sessions = o.putArray("sessions");
        for (SessionRow r : rows) {
            ObjectNode s = sessions.addObject();
            s.put("service", r.service());
            s.put("client", r.client().toString());
            s.put("backend", r.backend().toString());
            s.put("egressPort", r.egressPort());
            s.put("ageSeconds", r.age().toMillis() / 1000.0);
            s.put("idleSeconds", r.idle().toMillis() / 1000.0);
            ObjectNode fast = s.putObject("fastPath");
            fast.put("packets", r.fastPackets());
            fast.put("bytes", r.fastBytes());
            s.put("slowPathPackets", r.slowPackets());
            s.put("installed", r.installed());
        }
        try {
            return MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always serializes
        }
    }

    /** Parses what {@link #write} produced. */
    public static List<SessionRow> read(String json) throws IOException {
        JsonNode sessions = MAPPER.readTree(json).path("sessions");
        if (!sessions.isArray()) {
            throw new IOException("no \"sessions\" array");
        }
        List<SessionRow> rows = new ArrayList<>();
        for (JsonNode s : sessions) {
            Endpoint client;
            Endpoint backend;
            try {
                client = Endpoint.parse(s.path("client").asText());
                backend = Endpoint.parse(s.path("backend").asText());
            } catch (IllegalArgumentException e) {
                throw new IOException("a session without client or backend ADDRESS:PORT (" + e.getMessage() + "): " + s);
            }
            rows.add(new SessionRow(s.path("service").asText(), client, backend, s.path("egressPort").asInt(),
                    seconds(s.path("ageSeconds")), seconds(s.path("idleSeconds")), s.path("fastPath").path("packets").asLong(),
                    s.path("fastPath").path("bytes").asLong(), s.path("slowPathPackets").asLong(), s.path("installed").asBoolean()));
        }
        return rows;
    }

    private static Duration seconds(JsonNode n) {
        return Duration.ofMillis(Math.round(n.asDouble() * 1000));
    }
}
