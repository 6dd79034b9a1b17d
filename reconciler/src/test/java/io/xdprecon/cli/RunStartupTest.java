package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xdprecon run} as its own process, failing to start or stopped at each stage: it ends promptly,
 * with one line naming the cause and no stack trace. Nothing here needs privileges: the config names devices
 * this host lacks, so the daemon rejects it and writes nothing.
 */
class RunStartupTest {
    /** Far below the minute the stop used to wait for a loop that never started. */
    static final Duration PROMPTLY = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Process run(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.xdprecon.cli.Main", "run", "--state-dir", dir.resolve("state").toString(),
                "--pin-root", dir.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private Path config() throws IOException {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, """
                apiVersion: xdprecon.io/v1
                interfaces: { public: { device: xr-absent0 } }
                localIps: [203.0.113.10]
                """);
        return config;
    }

    private String output() throws IOException {
        return Files.readString(dir.resolve("out"));
    }

    private String awaitExit(Process process) throws Exception {
        long t0 = System.nanoTime();
        boolean ended = process.waitFor(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor();
        }
        String out = output();
        assertTrue(ended, "still running after " + PROMPTLY + ":\n" + out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), "no stack trace:\n" + out);
        System.out.println("RunStartupTest: ended " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after");
        return out;
    }

    private void awaitOutput(Process process, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!output().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in:\n" + output());
            if (!process.isAlive()) {
                assertTrue(output().contains(text), "ended without '" + text + "':\n" + output());
                return;
            }
            Thread.sleep(50); // polling a child's log file: there is nothing to wait on
        }
    }

    /**
     * The cause is printed, then the process ends: within seconds of the line, not after the minute the stop
     * used to wait for the loop (timed from the line, so a slow start on a loaded machine does not count).
     */
    @Test
    void theAdminPortTakenEndsAtOnceWithOneLineNamingTheCause() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process process = run("--source", "file:" + config(), "--admin", "127.0.0.1:" + taken.getLocalPort());
            String cause = "xdprecon run: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for the admin endpoint:"
                    + " address already in use (another xdprecon run? use --admin HOST:PORT, or --admin off)";
            awaitOutput(process, cause);
            long printed = System.nanoTime();
            String out = awaitExit(process);
            long after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - printed);
            assertTrue(after < 10_000, "ended " + after + " ms after its last line");
            assertEquals(1, process.exitValue(), out);
            assertEquals(cause, out.lines().toList().getLast(), out);
        }
    }

    @Test
    void sigtermWhileTheFirstFetchHangsEndsAtOnce() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process process = run("--source", "git:http://127.0.0.1:" + silent.getLocalPort() + "/flows.git",
                    "--admin", "off");
            try (Socket fetch = silent.accept()) { // the daemon's Git client asks, and is never answered
                process.destroy(); // SIGTERM
                awaitExit(process);
            }
            assertEquals(143, process.exitValue(), output());
        }
    }

    @Test
    void sigtermWhileTheLoopRunsEndsAtOnceAndTheAdminTokenIsTheOwnersOnly() throws Exception {
        Process process = run("--source", "file:" + config(), "--admin", "127.0.0.1:" + freePort(), "--interval", "1s");
        awaitOutput(process, "rejected revision");
        Path token = dir.resolve("state").resolve(io.xdprecon.daemon.admin.ControlToken.FILE_NAME);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
        assertTrue(Files.readString(token).strip().matches("[0-9a-f]{64}"));
        process.destroy(); // SIGTERM
        awaitExit(process);
        assertEquals(143, process.exitValue(), output());
    }
}
