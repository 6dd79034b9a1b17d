package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.admin.AdminServer;
import io.xdprecon.daemon.admin.ControlToken;
import io.xdprecon.daemon.admin.Suspension;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code xdprecon suspend} and {@code resume} against a real admin server, with and without the daemon's token. */
class ControlCommandTest {
    @TempDir
    Path dir;

    @Test
    void suspendAndResumeSendTheTokenFromTheStateDirectory() throws Exception {
        AtomicInteger suspended = new AtomicInteger();
        AtomicInteger resumed = new AtomicInteger();
        String token = ControlToken.create(dir.resolve(ControlToken.FILE_NAME));
        try (AdminServer server = AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)).controlToken(token)
                .onSuspend(suspended::incrementAndGet).onResume(resumed::incrementAndGet).start()) {
            String admin = "127.0.0.1:" + server.address().getPort();
            Main.Captured s = Main.capture("suspend", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(0, s.exit(), s.err());
            assertEquals("suspended: the daemon makes no writes until `xdprecon resume`, also after a restart\n", s.out());
            assertTrue(Files.readString(dir.resolve(Suspension.FILE_NAME)).startsWith("suspended at "), "kept for a restart");
            Main.Captured r = Main.capture("resume", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(1, suspended.get());
            assertEquals(1, resumed.get());
            assertFalse(Files.exists(dir.resolve(Suspension.FILE_NAME)), "resume removes the mark");

            Files.writeString(dir.resolve(ControlToken.FILE_NAME), "0".repeat(64) + "\n"); // an older daemon's
            Main.Captured stale = Main.capture("suspend", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(1, stale.exit());
            assertEquals("xdprecon suspend: kept in " + dir.resolve(Suspension.FILE_NAME) + ", but the running daemon was not"
                    + " told: the daemon at " + admin + " answered 401: suspend needs 'Authorization:"
                    + " Bearer TOKEN' with the token the daemon wrote (xdprecon suspend sends it)\n", stale.err());
            assertEquals(1, suspended.get());
        }
    }

    /** As Flux's spec.suspend in Git outlasts `flux resume`: the operator lifts only the operator's suspension. */
    @Test
    void resumeDoesNotLiftTheConfigsSuspensionAndSaysWhereItIs() throws Exception {
        String token = ControlToken.create(dir.resolve(ControlToken.FILE_NAME));
        AtomicInteger resumed = new AtomicInteger();
        String at = "/srv/flows.yaml:9:10 in revision 1a2b3c4";
        DaemonStatus held = new DaemonStatus("edge-1", "file:/srv/flows.yaml", Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), new DaemonStatus.Suspension(false, Optional.of(at)), 1, 0, Map.of(), 0,
                Map.of());
        try (AdminServer server = AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)).controlToken(token)
                .status(() -> Optional.of(held)).onResume(resumed::incrementAndGet).start()) {
            String admin = "127.0.0.1:" + server.address().getPort();
            Suspension.set(dir, "a test");
            Main.Captured r = Main.capture("resume", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(1, r.exit(), r.out());
            assertEquals("xdprecon resume: lifted the suspension of `xdprecon suspend` (" + dir.resolve(Suspension.FILE_NAME)
                    + " removed), but the config still suspends this node: suspend: true at " + at + "; the daemon writes"
                    + " nothing until a revision without it\n", r.err());
            assertEquals(1, resumed.get(), "the daemon was told");
            assertFalse(Suspension.isSet(dir), "the operator's mark is gone");
            Main.Captured json = Main.capture("resume", "--json", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(1, json.exit(), json.err());
            assertEquals(at, new ObjectMapper().readTree(json.out()).get("suspendedByConfig").asText());
            assertTrue(new ObjectMapper().readTree(json.out()).get("suspended").asBoolean());
        }
    }

    @Test
    void withoutADaemonTheSuspensionIsKeptForItsNextStart() throws Exception {
        Main.Captured r = Main.capture("suspend", "--admin", "127.0.0.1:9", "--state-dir", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("suspended: no daemon answers at 127.0.0.1:9; it will start suspended (until `xdprecon resume`) (kept in "
                + dir + ")\n", r.out());
        assertTrue(Suspension.isSet(dir));
        Main.Captured json = Main.capture("resume", "--json", "--admin", "127.0.0.1:9", "--state-dir", dir.toString());
        assertEquals(0, json.exit(), json.err());
        assertEquals("{\"suspended\":false,\"daemon\":\"not running\",\"stateFile\":\"" + dir.resolve(Suspension.FILE_NAME)
                + "\",\"suspendedByConfig\":null}\n", json.out());
        assertFalse(Suspension.isSet(dir));
    }

    /** A daemon started while the mark is there starts suspended (it was lost with the process before). */
    @Test
    void aDaemonStartsSuspendedWhileTheMarkIsThere() throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "apiVersion: xdprecon.io/v1\ninterfaces:\n  public: { device: xr-absent0 }\n");
        String[] once = {"run", "--once", "--json", "--source", "file:" + config, "--admin", "off", "--state-dir",
                dir.toString(), "--pin-root", dir.resolve("pins").toString()};
        Main.Captured before = Main.capture(EnvFile.NONE, once);
        assertFalse(new ObjectMapper().readTree(before.out()).get("status").get("suspended").asBoolean(), before.out());
        Suspension.set(dir, "a test");
        Main.Captured after = Main.capture(EnvFile.NONE, once);
        assertTrue(new ObjectMapper().readTree(after.out()).get("status").get("suspended").asBoolean(), after.out());
    }
}
