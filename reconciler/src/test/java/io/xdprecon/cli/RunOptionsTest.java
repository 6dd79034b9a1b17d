package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way {@code run} (and the other commands) can be started wrong ends at once with one line naming the
 * cause: a usage error (a value no converter accepts) exits 2 before anything starts, a runtime error (a file
 * that cannot serve) exits 1. In process: nothing here gets as far as starting the daemon.
 */
class RunOptionsTest {
    @TempDir
    Path dir;

    /** {@code run} with a file source that exists, plus {@code extra}; never gets past option checks here. */
    private Main.Captured run(String... extra) throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "apiVersion: xdprecon.io/v1\n");
        List<String> args = new ArrayList<>(List.of("run", "--source", "file:" + config, "--admin", "off",
                "--state-dir", dir.toString(), "--pin-root", dir.toString()));
        args.addAll(List.of(extra));
        return Main.capture(args.toArray(String[]::new));
    }

    private static void usageError(Main.Captured r, String option, String cause) {
        assertEquals(2, r.exit(), r.err());
        assertEquals("xdprecon run: Invalid value for option '" + option + "': " + cause + "\n"
                + "Try 'xdprecon run --help' for more information.\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void anIntervalOfZeroOrUnderASecondIsAUsageError() throws Exception {
        usageError(run("--interval", "0s"), "--interval", "'0s' is too short: at least 1s");
        usageError(run("--interval", "1ms"), "--interval", "'1ms' is too short: at least 1s");
        usageError(run("--interval", "999ms"), "--interval", "'999ms' is too short: at least 1s");
        usageError(run("--interval", "soon"), "--interval", "'soon' is not a duration like 500ms, 30s, 5m or 1h");
    }

    @Test
    void aJitterThatIsNotAFiniteFractionUpToNineTenthsIsAUsageError() throws Exception {
        for (String bad : new String[] {"NaN", "Infinity", "-0.1", "0.91", "1", "1e-3", "0x1p-3"}) {
            usageError(run("--jitter", bad), "--jitter", "'" + bad + "' is not a fraction from 0 to 0.9, like 0.1");
        }
    }

    @Test
    void aSourceWithoutAPlaceIsAUsageError() throws Exception {
        Main.Captured git = Main.capture("run", "--source", "git:", "--admin", "off");
        assertEquals(2, git.exit());
        assertTrue(git.err().startsWith("xdprecon run: Invalid value for option '--source': 'git:' names no repository"),
                git.err());
        assertEquals(2, Main.capture("run", "--source", "file:", "--admin", "off").exit());
        Main.Captured other = Main.capture("run", "--source", "/etc/xdprecon/flows.yaml", "--admin", "off");
        assertEquals(2, other.exit());
        assertTrue(other.err().contains("must start with file: or git:"), other.err());
        assertEquals(2, Main.capture("run", "--source", "git:not a url", "--admin", "off").exit());
    }

    @Test
    void anEmptyOrOddNodeNameIsAUsageErrorForEveryCommandThatTakesOne() throws Exception {
        usageError(run("--node", ""), "--node", "'' is not a node name: a host name of letters, digits, '-' and '.' (as"
                + " under 'nodes' in the config)");
        usageError(run("--node", "edge_1"), "--node", "'edge_1' is not a node name: a host name of letters, digits, '-'"
                + " and '.' (as under 'nodes' in the config)");
        for (String command : new String[] {"plan", "apply", "flows"}) {
            Main.Captured r = Main.capture(command, "-c", dir.resolve("x.yaml").toString(), "--node", "");
            assertEquals(2, r.exit(), command + ": " + r.err());
            assertTrue(r.err().startsWith("xdprecon " + command + ": Invalid value for option '--node'"), r.err());
        }
    }

    @Test
    void theNodeNamePatternIsTheSchemas() throws Exception {
        String schema = Files.readString(Path.of("../schema/flows.schema.json"));
        String pattern = NodeNameConverter.NODE_NAME.pattern();
        assertTrue(schema.contains("\"pattern\": \"" + pattern.replace("\\", "\\\\") + "\""), pattern);
    }

    @Test
    void anAdminAddressThatIsNotHostPortIsAUsageError() throws Exception {
        for (String bad : new String[] {"9477", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", ":9477", "::1:9477",
                "no-such-host.invalid:9477"}) {
            Main.Captured r = run("--admin", bad);
            assertEquals(2, r.exit(), bad + ": " + r.err());
            assertTrue(r.err().startsWith("xdprecon run: Invalid value for option '--admin': '" + bad + "'"), r.err());
        }
    }

    @Test
    void aDriftModeOtherThanEnforceOrWarnIsAUsageError() throws Exception {
        usageError(run("--drift", "fix"), "--drift", "'fix' is neither enforce nor warn");
    }

    @Test
    void anEmptyWebhookSecretFileIsAnErrorNotAQuietlyDisabledWebhook() throws Exception {
        Path empty = Files.createFile(dir.resolve("secret"));
        Main.Captured r = run("--webhook-secret-file", empty.toString());
        assertEquals(1, r.exit());
        assertEquals("xdprecon run: --webhook-secret-file " + empty + " is empty: its first line must hold the secret the"
                + " Git host signs with (leave the option out for no webhook)\n", r.err());
        Files.writeString(empty, "   \nsecond line\n");
        assertEquals(1, run("--webhook-secret-file", empty.toString()).exit(), "a blank first line is empty too");
    }

    @Test
    void aWebhookSecretThatIsNotAReadableRegularFileSaysWhy() throws Exception {
        Path missing = dir.resolve("missing");
        assertEquals("xdprecon run: --webhook-secret-file " + missing + ": no such file\n",
                run("--webhook-secret-file", missing.toString()).err());
        assertEquals("xdprecon run: --webhook-secret-file " + dir + ": is a directory, not a regular file\n",
                run("--webhook-secret-file", dir.toString()).err());
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // A FIFO with no writer would block an open() forever: it must be refused, not read.
        CompletableFuture<Main.Captured> r = CompletableFuture.supplyAsync(() -> {
            try {
                return run("--webhook-secret-file", fifo.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Main.Captured fromFifo = r.get(10, TimeUnit.SECONDS);
        assertEquals("xdprecon run: --webhook-secret-file " + fifo + ": is a FIFO (named pipe), not a regular file\n",
                fromFifo.err());
        assertEquals(1, fromFifo.exit());
    }

    @Test
    void usageErrorsNameTheCauseOnOneLineNotTheWholeUsage() {
        Main.Captured r = Main.capture("validate", "--no-such-option", "x.yaml");
        assertEquals(2, r.exit());
        assertEquals("xdprecon validate: Unknown option: '--no-such-option'\n"
                + "Try 'xdprecon validate --help' for more information.\n", r.err());
        assertFalse(r.err().contains("Usage:"));
    }

    @Test
    void controlCharactersInAnOptionValueAreShownEscaped() throws Exception {
        Main.Captured r = run("--node", "a\u001b[2J\nINFO forged");
        assertEquals(2, r.exit());
        assertFalse(r.err().contains("\u001b"), r.err());
        assertTrue(r.err().contains("'a\\x1b[2J\\nINFO forged'"), r.err());
        assertEquals(2, r.err().lines().count(), r.err());
    }
}
