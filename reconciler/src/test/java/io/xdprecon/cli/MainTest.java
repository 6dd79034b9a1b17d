package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void versionPrintsNameVersionJvmAndOs() {
        Main.Captured r = run("--version");
        assertEquals(0, r.exit());
        String[] lines = r.out().split("\\R");
        // Tests run from target/classes, which has no manifest: the fallback version shows.
        assertEquals("xdprecon " + Main.FALLBACK_VERSION, lines[0]);
        assertTrue(lines[1].startsWith("JVM: " + Runtime.version().feature()), lines[1]);
        assertTrue(lines[2].startsWith("OS: "), lines[2]);
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
}
