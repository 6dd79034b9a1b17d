package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The datapath commands' handling of bad input and a missing datapath; no privileges needed. */
class DatapathCommandsTest {
    @TempDir
    Path empty;

    private static Main.Captured run(String... args) {
        return Main.capture(args);
    }

    @Test
    void statsWithoutALiveDatapathSaysWhereItLookedAndExitsOne() {
        Main.Captured r = run("stats", "--pin-root", empty.toString());
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("xdprecon stats: no live datapath under " + empty), r.err());
        assertTrue(r.err().contains(empty.resolve("xdp_fwd_rules").toString()), r.err());
    }

    @Test
    void flowsRefusesANegativeIntervalBeforeTouchingAnything() {
        Main.Captured r = run("flows", "--interval", "-1", "--pin-root", empty.toString());
        assertEquals(2, r.exit());
        assertEquals("xdprecon flows: Invalid value for option '--interval': '-1' is not a duration like 500ms, 30s, 5m or 1h"
                + "\nTry 'xdprecon flows --help' for more information.\n", r.err());
        assertEquals(2, run("flows", "--interval", "NaN", "--pin-root", empty.toString()).exit());
    }

    @Test
    void aNonNumericOptionIsAUsageError() {
        Main.Captured r = run("demo", "--datagrams", "many");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Invalid value for option '--datagrams': 'many' is not an int"), r.err());
    }

    @Test
    void demoRefusesAnAbsurdCountBeforeBuildingAnything() {
        Main.Captured r = run("demo", "--datagrams", "0");
        assertEquals(2, r.exit());
        assertEquals("xdprecon demo: --datagrams must be between 1 and 1000000, got 0\n"
                + "Try 'xdprecon demo --help' for more information.\n", r.err());
    }

    @Test
    void everyDatapathCommandTeachesInItsHelp() {
        for (String command : new String[] {"stats", "flows", "demo"}) {
            Main.Captured r = run(command, "--help");
            assertEquals(0, r.exit(), command);
            assertTrue(r.out().startsWith("Usage: xdprecon " + command), r.out());
        }
        assertTrue(run("stats", "--help").out().contains("AF_XDP fallback"));
        assertTrue(run("flows", "--help").out().contains("--interval=DURATION"));
    }
}
