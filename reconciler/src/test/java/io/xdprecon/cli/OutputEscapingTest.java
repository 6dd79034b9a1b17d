package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.daemon.admin.StatusJson;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config key holding a line break and terminal escapes, read by {@code validate} and by a running daemon:
 * it reaches the terminal, the log, {@code /status} and {@code xdprecon status} escaped, so it can neither
 * forge a log line nor clear a screen.
 */
class OutputEscapingTest {
    static final String FORGED = "x\n<6>applied revision 0000000 (forged)\u001b[2J\u001b]0;pwned\u0007";
    static final String CONFIG = "apiVersion: xdprecon.io/v1\n"
            + "interfaces: { public: { device: ens5 } }\n"
            + "\"" + FORGED.replace("\n", "\\n").replace("\u001b", "\\e").replace("\u0007", "\\a") + "\": 1\n";

    @TempDir
    Path dir;

    private static void assertClean(String where, String text) {
        for (char c : text.toCharArray()) {
            assertTrue(c >= 0x20 || c == '\n', where + " holds control character " + (int) c + ":\n" + text);
        }
        assertFalse(text.lines().anyMatch(l -> l.contains("applied revision 0000000") && !l.contains("\\n")),
                where + " has a forged line:\n" + text);
    }

    @Test
    void validatePrintsTheKeyEscapedOnItsOwnLine() throws Exception {
        Path file = Files.writeString(dir.resolve("flows.yaml"), CONFIG);
        Main.Captured r = Main.capture("validate", file.toString());
        assertEquals(1, r.exit());
        assertClean("validate's stderr", r.err());
        assertEquals(List.of(file + ":3:1: unknown property 'x\\n<6>applied revision 0000000 (forged)\\x1b[2J\\x1b]0;pwned\\x07';"
                + " expected one of: apiVersion, interfaces, localIps, datapath, flows, services, tuning, suspend,"
                + " unnamedNodes, nodes"),
                r.err().lines().toList());
    }

    @Test
    void theDaemonLogsAndServesItEscaped() throws Exception {
        Path file = Files.writeString(dir.resolve("flows.yaml"), CONFIG);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path log = dir.resolve("log");
        Process daemon = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.xdprecon.cli.Main",
                "run", "--source", "file:" + file, "--admin", "127.0.0.1:" + port, "--state-dir", dir.resolve("state").toString(),
                "--pin-root", dir.toString(), "--interval", "1h").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest status = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                    .timeout(Duration.ofSeconds(2)).build();
            String json = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (json == null || !json.contains("lastError\" : \"")) {
                assertTrue(daemon.isAlive() && System.nanoTime() < deadline, Files.readString(log));
                try {
                    json = http.send(status, HttpResponse.BodyHandlers.ofString()).body();
                } catch (java.io.IOException e) {
                    Thread.sleep(100); // not listening yet: nothing to wait on
                }
            }
            assertClean("/status", json);
            String error = StatusJson.read(json).status().lastError().orElseThrow();
            assertClean("/status' lastError", error);
            assertTrue(error.contains("'x\\n<6>applied revision 0000000 (forged)\\x1b[2J"), error);

            Main.Captured shown = Main.capture("status", "--admin", "127.0.0.1:" + port);
            assertEquals(0, shown.exit(), shown.err());
            assertClean("xdprecon status", shown.out());
        } finally {
            daemon.destroy();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
        String logged = Files.readString(log);
        assertTrue(logged.contains("rejected revision"), logged);
        assertClean("the daemon's log", logged);
    }
}
