package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xdprecon.daemon.admin.AdminServer;
import io.xdprecon.daemon.admin.ControlToken;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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
            assertEquals("suspended: the daemon makes no writes until `xdprecon resume`\n", s.out());
            Main.Captured r = Main.capture("resume", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(1, suspended.get());
            assertEquals(1, resumed.get());

            Files.writeString(dir.resolve(ControlToken.FILE_NAME), "0".repeat(64) + "\n"); // an older daemon's
            Main.Captured stale = Main.capture("suspend", "--admin", admin, "--state-dir", dir.toString());
            assertEquals(1, stale.exit());
            assertEquals("xdprecon suspend: the daemon at " + admin + " answered 401: suspend needs 'Authorization:"
                    + " Bearer TOKEN' with the token the daemon wrote (xdprecon suspend sends it)\n", stale.err());
            assertEquals(1, suspended.get());
        }
    }

    @Test
    void withoutTheTokenFileItSaysWhy() {
        Main.Captured r = Main.capture("suspend", "--admin", "127.0.0.1:9", "--state-dir", dir.toString());
        assertEquals(1, r.exit());
        assertEquals("xdprecon suspend: cannot read the daemon's token " + dir.resolve(ControlToken.FILE_NAME)
                + ": no such file (run as the daemon's user, with the daemon's --state-dir)\n", r.err());
    }
}
