package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

    private static Main.Captured run(String... args) {
        return Main.capture(args);
    }

    @Test
    void helpPrintsUsageAndDescription() {
        Main.Captured r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: xdprecon [-hV]"), r.out());
        assertTrue(r.out().contains("Declarative XDP offload of UDP relay flows."), r.out());
        assertTrue(r.out().contains("-V, --version"), r.out());
        assertTrue(r.out().contains("-h, --help"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void versionPrintsTheBuildsVersionCommitAndDateThenJvmAndOs() throws Exception {
        Main.Captured r = run("--version");
        assertEquals(0, r.exit());
        String[] lines = r.out().split("\\R");
        assertEquals("xdprecon " + System.getProperty("xdprecon.project.version"), lines[0]);
        Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        String head = new String(git.getInputStream().readAllBytes()).strip();
        assertEquals(0, git.waitFor(), head);
        assertTrue(lines[1].startsWith("commit: " + head), "the commit this build was made from: " + lines[1]);
        Instant built = Instant.parse(lines[2].substring("built: ".length()));
        assertTrue(built.isBefore(Instant.now().plusSeconds(1)) && built.isAfter(Instant.now().minus(Duration.ofDays(1))),
                "the build's date: " + lines[2]);
        assertTrue(lines[3].startsWith("JVM: " + Runtime.version().feature()), lines[3]);
        assertTrue(lines[4].startsWith("OS: "), lines[4]);
        assertEquals("", r.err());
    }

    @Test
    void noCommandIsAUsageError() {
        Main.Captured r = run();
        assertEquals(CommandLine.ExitCode.USAGE, r.exit());
        assertTrue(r.err().startsWith("Missing required subcommand"), r.err());
        assertTrue(r.err().contains("Usage: xdprecon"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Main.Captured r = run("--no-such-option");
        assertEquals(CommandLine.ExitCode.USAGE, r.exit());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }

    @Test
    void logLevelAndFormatAreAcceptedBeforeAndAfterTheCommandAndCheckedAsUsage() {
        for (String[] args : new String[][] {{"--log-level", "debug", "validate", "--help"},
                {"validate", "--log-level", "WARN", "--log-format", "json", "--help"}}) {
            Main.Captured r = run(args);
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        }
        Main.Captured bad = run("validate", "--log-level", "loud", "x.yaml");
        assertEquals(CommandLine.ExitCode.USAGE, bad.exit());
        assertTrue(bad.err().contains("--log-level") && bad.err().contains("loud"), bad.err());
    }

    @Test
    void helpIsACommandToo() {
        Main.Captured plan = run("help", "plan");
        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.out().startsWith("Usage: xdprecon plan "), plan.out());
        Main.Captured all = run("help");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("Usage: xdprecon") && all.out().contains("  check "), all.out());
        Main.Captured unknown = run("help", "nope");
        assertEquals(CommandLine.ExitCode.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("nope"), unknown.err());
    }
}
