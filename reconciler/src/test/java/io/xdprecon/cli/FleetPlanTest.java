package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
        assertEquals(1, both.exit());
        assertTrue(both.err().contains("not both"), both.err());
    }
}
