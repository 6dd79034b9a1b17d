package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code xdprecon validate FILE...}, run in process. */
class ValidateCommandTest {
    @TempDir
    Path dir;

    @Test
    void theExampleIsOk() {
        Main.Captured r = Main.capture("validate", ExampleConfigTest.EXAMPLE.toString());
        assertEquals("", r.err());
        assertEquals(ExampleConfigTest.EXAMPLE + ": ok (5 flows, 2 services, 2 nodes)\n", r.out());
        assertEquals(0, r.exit());
    }

    @Test
    void everyErrorOfEveryFileIsPrintedAndTheExitIsOne() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                apiVersion: xdprecon.io/v1
                interfaces: { public: { device: ens5 } }
                localIps: [10.0.0.1, 10.0.0.1]
                datapath: { mode: ebpf }
                """);
        Path missing = dir.resolve("missing.yaml");

        Main.Captured r = Main.capture("validate", bad.toString(), ExampleConfigTest.EXAMPLE.toString(), missing.toString());

        assertEquals(1, r.exit());
        assertEquals(bad + ":3:22: localIps[1]: '10.0.0.1' is listed twice (first at line 3)\n"
                + bad + ":4:19: datapath.mode: 'ebpf' is not one of: xdp, dpdk\n"
                + missing + ": no such file\n", r.err());
        assertEquals(ExampleConfigTest.EXAMPLE + ": ok (5 flows, 2 services, 2 nodes)\n", r.out());
        assertEquals(Files.readString(bad).length(), Files.size(bad));
        assertTrue(Files.notExists(missing));
    }

    @Test
    void helpExplainsTheFormatAndWhereItIsDescribed() {
        Main.Captured r = Main.capture("validate", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: xdprecon validate"), r.out());
        String help = r.out().replaceAll("\\s+", " ");
        for (String expected : new String[] {"schema/flows.schema.json", "examples/flows.yaml", "FILE:LINE:COL: MESSAGE",
                "apiVersion: xdprecon.io/v1", "Exit status"}) {
            assertTrue(help.contains(expected), "help should mention " + expected + ":\n" + r.out());
        }
        assertTrue(Main.capture("--help").out().contains("validate"));
    }

    @Test
    void noFileIsAUsageError() {
        Main.Captured r = Main.capture("validate");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Missing required parameter: 'FILE'"), r.err());
    }
}
