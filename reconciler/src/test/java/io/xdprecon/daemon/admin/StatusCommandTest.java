package io.xdprecon.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.cli.Main;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code xdprecon status} against a live admin server, and against nothing. */
class StatusCommandTest {

    @Test
    void printsTheFactsForAPerson() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        Instant now = Instant.now();
        DaemonStatus s = AdminServerTest.status(now.minusSeconds(5), "aaa111aaa111aaa111", "bbb222");
        metrics.reconciled(new ReconcileOutcome.Rejected("bbb222", ReconcileOutcome.Refusal.INVALID, "invalid"), Duration.ofMillis(4), s);
        try (AdminServer server = AdminServer.builder(new InetSocketAddress("127.0.0.1", 0))
                .registry(metrics.registry()).status(metrics::status).start()) {
            String addr = "127.0.0.1:" + server.address().getPort();
            Main.Captured c = Main.capture("status", "--admin", addr, "--timeout", "30s"); // the first /status loads Jackson: seconds on a loaded machine
            assertEquals(0, c.exit(), c.err());
            String out = c.out();
            for (String fact : new String[] {"xdprecon on edge-1", "git https://git.example/net.git#main",
                    "applied:", "aaa111aaa111aaa111", "attempted:", "bbb222  (not applied)",
                    "last error:", "flows[2].to: port 70000 is out of range", "second line", "s ago",
                    "7 reconciles since start", "suspended:", "no", "config 300, session 100",
                    "400 of 1000 (40.0 % full)", "drift corrections: 2", "rewrite_hit", "12345", "pass_to_kernel"}) {
                assertTrue(out.contains(fact), "missing '" + fact + "' in:\n" + out);
            }

            Main.Captured j = Main.capture("status", "--admin", addr, "--json");
            assertEquals(0, j.exit(), j.err());
            assertEquals(s, StatusJson.read(j.out()).status());
        }
    }

    @Test
    void unreachableDaemonIsOneClearLineAndExit1() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String addr = "127.0.0.1:" + port;
        Main.Captured c = Main.capture("status", "--admin", addr);
        assertEquals(1, c.exit());
        assertEquals("", c.out());
        String err = c.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("xdprecon status: "), err);
        assertTrue(err.contains("is `xdprecon run` running? admin address " + addr), err);
    }

    @Test
    void daemonWithoutStatusYetIsExit1WithItsReason() throws Exception {
        try (AdminServer server = AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)).start()) {
            Main.Captured c = Main.capture("status", "--admin", "127.0.0.1:" + server.address().getPort(), "--timeout", "30s");
            assertEquals(1, c.exit());
            assertTrue(c.err().contains("503: daemon starting: no status yet"), c.err());
        }
    }

    @Test
    void badAdminAddressIsExplained() {
        Main.Captured c = Main.capture("status", "--admin", "localhost");
        assertEquals(2, c.exit()); // a usage error
        assertTrue(c.err().contains("--admin wants HOST:PORT"), c.err());
    }
}
