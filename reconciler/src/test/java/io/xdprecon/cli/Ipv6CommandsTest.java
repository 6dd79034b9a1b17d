package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Until the datapath carries IPv6 (issue 17 item 3), validate accepts an IPv6 flow and plan refuses the node with
 * one error at its line:col, exit 1, and no plan printed (so apply, which plans the same way, writes nothing).
 */
class Ipv6CommandsTest {
    @TempDir
    Path dir;

    @Test
    void validateAcceptsAndPlanRefusesWithOneError() throws Exception {
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
        assertEquals(1, plan.exit(), plan.out() + plan.err());
        assertEquals("", plan.out(), "no plan is printed");
        assertTrue(plan.err().contains(config + ":12:13: flows[1].client: IPv6 is not written by plan and apply yet"), plan.err());
        assertEquals(1, plan.err().lines().filter(l -> l.contains("IPv6 is not written")).count(), plan.err());
    }
}
