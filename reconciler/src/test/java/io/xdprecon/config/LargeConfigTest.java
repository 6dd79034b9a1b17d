package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A fleet file with tens of thousands of flows loads and expands in seconds, not minutes. */
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
        long start = System.nanoTime();
        Config config = ConfigLoader.parse(Path.of("large.yaml"), yaml.toString());
        int rules = config.forNode("n", InterfaceResolver.of(Map.of("ens5", 2, "ens6", 3))).rules().size();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(2 * FLOWS, rules);
        assertTrue(millis < 20_000, "took " + millis + " ms");
    }
}
