package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fleet file with tens of thousands of flows loads and expands in seconds, not minutes: a guard against
 * superlinear work, bounded in this thread's CPU time, which a loaded machine does not stretch as it does
 * the wall clock (on a shared CI machine the wall time of this test varied 4-fold).
 */
class LargeConfigTest {
    static final int FLOWS = 30_000;

    @Test
    void thirtyThousandFlowsLoadAndExpand() {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: ens5 }
                  private: { device: ens6 }
                datapath: { maxRules: 65536 }
                flows:
                """);
        for (int i = 0; i < FLOWS; i++) {
            int client = i / 250;
            yaml.append("  - name: f").append(i).append('\n')
                    .append("    client: 198.51.").append(100 + client / 250).append('.').append(client % 250 + 1).append(':')
                    .append(10000 + i % 250).append('\n')
                    .append("    listen: { interface: public, address: 203.0.113.10, port: ").append(1024 + i).append(" }\n")
                    .append("    egress: { interface: private, address: 10.0.0.1, port: ").append(1024 + i).append(" }\n")
                    .append("    server: 10.0.0.20:5004\n");
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        Config config = ConfigLoader.parse(Path.of("large.yaml"), yaml.toString());
        int rules = config.forNode("n", InterfaceResolver.of(Map.of("ens5", 2, "ens6", 3))).rules().size();
        long millis = (threads.getCurrentThreadCpuTime() - start) / 1_000_000;
        assertEquals(2 * FLOWS, rules);
        assertTrue(millis < 20_000, "took " + millis + " ms of cpu");
    }

    /**
     * Checking costs time in proportion to the file, however many of its values are wrong: each semantic
     * problem was once compared with every value the schema rejected, so 20,000 bad addresses took 10 s and
     * 1 GB, and 40,000 four times that.
     */
    @Test
    void fortyThousandBadValuesAreReportedInSeconds() {
        StringBuilder yaml = new StringBuilder("apiVersion: xdprecon.io/v1\ninterfaces: { public: { device: ens5 } }\nlocalIps:\n");
        for (int i = 0; i < 40_000; i++) {
            yaml.append("  - 10.").append(i / 40_000).append('.').append(i / 200 % 200).append('.').append(300 + i % 200).append('\n');
        }
        long start = System.nanoTime();
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(Path.of("bad.yaml"), yaml.toString()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(40_000, e.errors().size());
        assertTrue(millis < 60_000, "took " + millis + " ms"); // linear: ~4 s quiet, 16 s loaded; quadratic: 118 s quiet
    }
}
