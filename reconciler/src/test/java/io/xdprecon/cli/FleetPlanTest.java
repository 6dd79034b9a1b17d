package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One repository serves a fleet: `plan --git URL --node X --offline` shows what node X would do. */
class FleetPlanTest {
    @TempDir
    Path dir;

    private String repositoryWithTheExample() throws Exception {
        Path work = dir.resolve("work");
        try (Git git = Git.init().setInitialBranch("main").setDirectory(work.toFile()).call()) {
            Files.copy(Path.of("../examples/flows.yaml"), work.resolve("flows.yaml"));
            git.add().addFilepattern("flows.yaml").call();
            git.commit().setMessage("fleet config").setAuthor("ops", "ops@example.org").setCommitter("ops", "ops@example.org")
                    .setSign(false).call();
        }
        return work.toUri().toString();
    }

    @Test
    void eachNodeGetsItsOwnPlanFromOneRepository() throws Exception {
        String url = repositoryWithTheExample();

        Main.Captured edge3 = Main.capture("plan", "--git", url, "--node", "edge-3", "--offline");
        assertEquals(0, edge3.exit(), edge3.out() + edge3.err());
        assertTrue(edge3.out().contains("Node edge-3"), edge3.out());
        assertTrue(edge3.out().contains("+ flow game-eu-3"), edge3.out());
        assertFalse(edge3.out().contains("flow game-eu-2"), "edge-3 removes game-eu-2:\n" + edge3.out());
        assertTrue(edge3.out().contains("datapath mode xdp"), edge3.out());

        Main.Captured edge2 = Main.capture("plan", "--git", url, "--node", "edge-2", "--offline");
        assertTrue(edge2.out().contains("+ flow game-eu-2"), edge2.out());
        assertTrue(edge2.out().contains("eth1"), "edge-2's own device names:\n" + edge2.out());
        assertTrue(edge2.out().lines().reduce((a, b) -> b).orElseThrow().startsWith("Plan: "), edge2.out());
    }

    @Test
    void aMissingRefOrPathIsOneClearLine() throws Exception {
        String url = repositoryWithTheExample();
        Main.Captured ref = Main.capture("plan", "--git", url, "--ref", "nope", "--offline");
        assertEquals(1, ref.exit());
        assertTrue(ref.err().contains("ref nope does not exist"), ref.err());
        Main.Captured path = Main.capture("plan", "--git", url, "--git-path", "missing.yaml", "--offline");
        assertEquals(1, path.exit());
        assertTrue(path.err().contains("missing.yaml"), path.err());
    }

    @Test
    void aConfigFromTwoPlacesIsRefused() throws Exception {
        Main.Captured both = Main.capture("plan", "--git", "file:///nowhere", "-c", "x.yaml", "--offline");
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("give the config once: one of --source, -c FILE and --git URL"), both.err());
    }

    @Test
    void aDryRunTrustsWhatTheDaemonTrusts() throws Exception {
        // The example commit is unsigned: with a signer list, plan must refuse it exactly as `run` would.
        String url = repositoryWithTheExample();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        Path allowed = Files.writeString(dir.resolve("allowed_signers"),
                "ops@example.org " + PublicKeyEntry.toString(generator.generateKeyPair().getPublic()) + "\n");

        Main.Captured refused = Main.capture("plan", "--git", url, "--trust-ssh-signers", allowed.toString(), "--offline");
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains("is not signed; an SSH signature by a signer in " + allowed), refused.err());
        assertFalse(refused.out().contains("Plan:"), refused.out());
    }

    @Test
    void gitCredentialsAreCheckedBeforeAnyFetch() {
        Main.Captured half = Main.capture("plan", "--git", "ssh://git@example.invalid/fleet.git", "--ssh-key", "id", "--offline");
        assertEquals(2, half.exit());
        assertTrue(half.err().contains("--ssh-key and --known-hosts go together"), half.err());

        Main.Captured withFile = Main.capture("plan", "-c", "../examples/flows.yaml", "--https-user", "ops", "--offline");
        assertEquals(2, withFile.exit());
        assertTrue(withFile.err().contains("Git credentials and trust options need a Git source (--source git:URL), not a"
                + " file"), withFile.err());
    }

    /** Issue 14: an offline plan of the shipped example's dpdk node exited 1 with "datapath not running". */
    @Test
    void anOfflinePlanOfADpdkNodeIsNoErrorItsLoopLoadsTheDatapathThere() {
        Main.Captured plan = Main.capture("plan", "-c", "../examples/flows.yaml", "--node", "edge-1", "--offline");
        assertEquals(0, plan.exit(), plan.out() + plan.err());
        assertTrue(plan.out().contains("offline: on node edge-1 the DPDK loop (xdprecon run) loads the datapath"), plan.out());
        assertTrue(!plan.out().contains(io.xdprecon.plan.Planner.DPDK_NOT_RUNNING), plan.out());
    }
}
