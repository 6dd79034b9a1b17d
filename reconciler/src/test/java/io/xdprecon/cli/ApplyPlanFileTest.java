package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Config;
import io.xdprecon.plan.PlanFile;
import io.xdprecon.plan.PlanOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 case 9: a saved plan says where it was made, and apply refuses one made offline or for another
 * node with that reason, before it looks at any node (nothing is pinned under the pin root here). Before,
 * the node was not checked and both were refused, at best, as "the live state changed".
 */
class ApplyPlanFileTest {
    @TempDir
    Path dir;

    private Path offlinePlan(String node) {
        Path file = dir.resolve(node + ".plan.json");
        Main.Captured plan = Main.capture("plan", "-c", "../examples/flows.yaml", "--node", node, "--offline",
                "--out", file.toString());
        assertEquals(0, plan.exit(), plan.out() + plan.err());
        return file;
    }

    @Test
    void anOfflinePlanIsRefusedAsOfflineAndTheFileSaysWhereItWasMade() {
        Path file = offlinePlan("edge-3");
        assertEquals(Optional.of(new PlanOrigin(Config.defaultNode(), true)), PlanFile.loadSaved(file).origin());

        Main.Captured apply = Main.capture("apply", file.toString(), "--node", "edge-3",
                "--pin-root", dir.resolve("pins").toString());
        assertEquals(1, apply.exit(), apply.out() + apply.err());
        assertTrue(apply.err().contains("was made with plan --offline (on host " + Config.defaultNode() + "): node edge-3's"
                + " full create plan, made without reading any node, cannot be applied"), apply.err());
    }

    @Test
    void anotherNodesPlanIsRefusedNamingBothNodes() throws Exception {
        Path file = offlinePlan("edge-3");
        // The plan of a live node: the same document without the offline mark, as an edited file could be.
        String live = Files.readString(file).replaceAll("\"offline\"\\s*:\\s*true", "\"offline\": false");
        Files.writeString(file, live);
        assertEquals(Optional.of(new PlanOrigin(Config.defaultNode(), false)), PlanFile.loadSaved(file).origin());

        Main.Captured apply = Main.capture("apply", file.toString(), "--node", "edge-2",
                "--pin-root", dir.resolve("pins").toString());
        assertEquals(1, apply.exit(), apply.out() + apply.err());
        assertTrue(apply.err().contains("is for node edge-3 (made on host " + Config.defaultNode() + "), but this is node"
                + " edge-2 (--node, default the host name): refusing to apply another node's plan"), apply.err());
    }
}
