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
        assertEquals(ExampleConfigTest.EXAMPLE + ": ok (5 flows, 2 services, 3 nodes)\n", r.out());
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
        assertEquals(ExampleConfigTest.EXAMPLE + ": ok (5 flows, 2 services, 3 nodes)\n", r.out());
        assertEquals(Files.readString(bad).length(), Files.size(bad));
        assertTrue(Files.notExists(missing));
    }

    @Test
    void thousandsOfErrorsPrintTheFirstHundredAndCountTheRest() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        StringBuilder yaml = new StringBuilder("apiVersion: xdprecon.io/v1\ninterfaces: { public: { device: ens5 } }\nlocalIps:\n");
        for (int i = 0; i < 20_000; i++) {
            yaml.append("  - 10.0.").append(i / 200).append('.').append(300 + i % 200).append('\n');
        }
        Files.writeString(bad, yaml);

        Main.Captured r = Main.capture("validate", bad.toString());

        assertEquals(1, r.exit());
        String[] lines = r.err().split("\n");
        assertEquals(ConfigException.SHOWN + 1, lines.length, r.err().substring(0, Math.min(2000, r.err().length())));
        assertEquals(bad + ":4:5: localIps[0]: '10.0.0.300' is not an IPv4 address (octet 300 > 255)", lines[0]);
        assertEquals(bad + ":103:5: localIps[99]: '10.0.0.399' is not an IPv4 address (octet 399 > 255)", lines[99]);
        assertEquals("... and 19900 more errors (100 of 20000 shown)", lines[100]);
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
        assertTrue(r.err().startsWith("xdprecon validate: no config given: use --source file:PATH|git:URL (or -c FILE)"),
                r.err());
    }
}
