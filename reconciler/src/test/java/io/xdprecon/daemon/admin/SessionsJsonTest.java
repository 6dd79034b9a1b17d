package io.xdprecon.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xdprecon.config.Endpoint;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionsJsonTest {
    @Test
    void whatTheDaemonWritesTheCliReadsBack() throws IOException {
        List<SessionRow> rows = List.of(
                new SessionRow("turn", Endpoint.of("198.51.100.7", 40001), Endpoint.of("10.0.0.30", 3478), 50012,
                        Duration.ofMillis(12_300), Duration.ofMillis(100), 1200, 190_000, 1, true),
                new SessionRow("turn", Endpoint.of("198.51.100.8", 5000), Endpoint.of("10.0.0.31", 3478), 50013,
                        Duration.ofSeconds(2), Duration.ZERO, 0, 0, 9, false));
        String json = SessionsJson.write(rows);
        assertEquals(rows, SessionsJson.read(json), json);
        assertEquals(List.of(), SessionsJson.read(SessionsJson.write(List.of())));
    }

    @Test
    void aDocumentWithoutSessionsIsRefused() {
        assertThrows(IOException.class, () -> SessionsJson.read("{\"node\": \"edge-1\"}"));
    }
}
