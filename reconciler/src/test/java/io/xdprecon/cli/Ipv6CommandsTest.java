package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dual-stack config through the CLI: validate accepts it, plan shows its IPv6 flow and local IP in RFC 5952 form
 * (text and JSON), whatever text the config wrote them in.
 */
class Ipv6CommandsTest {
    @TempDir
    Path dir;

    @Test
    void validateAcceptsAndPlanShowsTheIpv6FlowInCanonicalForm() throws Exception {
        Path config = dir.resolve("dual.yaml");
        Files.writeString(config, """
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: ens5 }
                  private: { device: ens6 }
                flows:
                  - name: v4
                    client: 198.51.100.1:1000
                    listen: { interface: public, address: 203.0.113.10, port: 30000 }
                    egress: { interface: private, address: 10.0.0.1, port: 40000 }
                    server: 10.0.0.20:5000
                  - name: v6
                    client: '[2001:db8:1::20]:40000'
                    listen: { interface: public, address: 2001:DB8::10, port: 30000 }
                    egress: { interface: private, address: fd00::1, port: 40000 }
                    server: '[fd00::20]:5004'
                """);
        Main.Captured validate = Main.capture("validate", config.toString());
        assertEquals(0, validate.exit(), validate.out() + validate.err());
        assertTrue(validate.out().contains("2 flows"), validate.out());

        Main.Captured plan = Main.capture("plan", "-c", config.toString(), "--node", "edge-1", "--offline");
        assertEquals(0, plan.exit(), plan.out() + plan.err());
        assertTrue(plan.out().contains("  + flow v6\n"), plan.out());
        assertTrue(plan.out().contains("+ ens5 [2001:db8:1::20]:40000 -> [2001:db8::10]:30000 => ens6 [fd00::1]:40000 ->"
                + " [fd00::20]:5004"), plan.out());
        assertTrue(plan.out().contains("Plan: 5 to add, 0 to change, 0 to destroy."), plan.out()); // load, two attaches, two flows
        Main.Captured json = Main.capture("plan", "-c", config.toString(), "--node", "edge-1", "--offline", "--json");
        assertEquals(0, json.exit(), json.out() + json.err());
        assertTrue(json.out().contains("\"dstIp\": \"2001:db8::10\""), json.out());
    }
}
