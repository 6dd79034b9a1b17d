package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitSourceTest {

    @TempDir
    Path tmp;
    GitFixture fx;

    @BeforeEach
    void setUp() throws Exception {
        fx = new GitFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private GitSource source(String ref, String path) {
        return source(fx.url(), ref, path, tmp.resolve("state"));
    }

    private static GitSource source(String url, String ref, String path, Path state) {
        return new GitSource(new GitSource.Settings(url, ref, path, state, new GitSource.Auth.None(),
                Optional.empty(), Duration.ofSeconds(10)));
    }

    @Test
    void pollsTheBranchHeadAndFollowsNewCommits() throws Exception {
        RevCommit first = fx.commit("edge/flows.yaml", "flows: []\n", "first config\n\nwith a body");
        fx.push();
        try (GitSource source = source("main", "edge/flows.yaml")) {
            Revision r = source.poll();
            assertEquals(first.name(), r.id());
            assertEquals("flows: []\n", r.text());
            assertEquals(fx.url() + "@" + first.name().substring(0, 12) + ":edge/flows.yaml", r.name());
            assertEquals("first config \u2014 Alice Operator, 2026-01-02T03:04:05Z", r.summary().orElseThrow());
            assertEquals("git " + fx.url() + " main:edge/flows.yaml", source.describe());
            assertEquals(first.name(), source.poll().id(), "nothing new");

            RevCommit second = fx.commit("edge/flows.yaml", "flows: [] # second\n", "second");
            fx.push();
            Revision r2 = source.poll();
            assertEquals(second.name(), r2.id());
            assertEquals("flows: [] # second\n", r2.text());
        }
        // A new source on the same state directory reuses the clone.
        try (GitSource again = source("refs/heads/main", "edge/flows.yaml")) {
            assertEquals("flows: [] # second\n", again.poll().text());
        }
    }

    @Test
    void tagsShortAndFullAnnotatedAndLightweight() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        fx.git.tag().setName("v1").setAnnotated(true).setMessage("release 1").setTagger(GitFixture.ALICE).call();
        fx.git.tag().setName("light").setAnnotated(false).call();
        fx.commit("flows.yaml", "flows: [] # v2\n", "v2");
        fx.push();
        try (GitSource source = source("v1", "flows.yaml")) {
            Revision r = source.poll();
            assertEquals(v1.name(), r.id(), "an annotated tag is peeled to its commit");
            assertEquals("flows: [] # v1\n", r.text());
        }
        try (GitSource source = source("refs/tags/light", "flows.yaml")) {
            assertEquals(v1.name(), source.poll().id());
        }
    }

    @Test
    void aDirectoryPathWithOneYamlFile() throws Exception {
        RevCommit c = fx.commit("edge/flows.yaml", "flows: []\n", "config");
        fx.commit("edge/README.md", "docs\n", "docs");
        fx.push();
        try (GitSource source = source("main", "edge/")) {
            Revision r = source.poll();
            assertTrue(r.name().endsWith(":edge/flows.yaml"), r.name());
        }
        fx.commit("edge/other.yaml", "flows: []\n", "second yaml");
        fx.push();
        try (GitSource source = source("main", "edge")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains("holds 2 YAML files (flows.yaml, other.yaml)"), e.getMessage());
        }
    }

    @Test
    void missingPathAndMissingRefAreNamed() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "config");
        fx.push();
        try (GitSource source = source("main", "edge/nope.yaml")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("path edge/nope.yaml does not exist in " + fx.url() + " at main (commit "),
                    e.getMessage());
        }
        try (GitSource source = source("release", "flows.yaml")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertEquals("ref release does not exist in " + fx.url() + " (neither a branch nor a tag)", e.getMessage());
        }
        try (GitSource source = source("refs/heads/release", "flows.yaml")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertEquals("ref refs/heads/release does not exist in " + fx.url(), e.getMessage());
        }
    }

    @Test
    void aDeletedBranchIsGoneAfterTheNextFetch() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "config");
        fx.git.branchCreate().setName("canary").call();
        fx.push();
        try (GitSource source = source("canary", "flows.yaml")) {
            source.poll();
            fx.git.push().setRemote(fx.url()).setRefSpecs(new org.eclipse.jgit.transport.RefSpec(":refs/heads/canary")).call();
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("ref canary does not exist"), e.getMessage());
        }
    }

    @Test
    void anUnreachableRemoteFailsAndRecovers() throws Exception {
        RevCommit first = fx.commit("flows.yaml", "flows: []\n", "config");
        fx.push();
        Path moved = tmp.resolve("moved.git");
        try (GitSource source = source("main", "flows.yaml")) {
            assertEquals(first.name(), source.poll().id());

            Files.move(fx.remote, moved);
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + fx.url() + ": "), e.getMessage());
            assertTrue(!(e instanceof UntrustedRevisionException));

            Files.move(moved, fx.remote);
            RevCommit second = fx.commit("flows.yaml", "flows: [] # 2\n", "second");
            fx.push();
            assertEquals(second.name(), source.poll().id());
        }
    }

    @Test
    void aFirstPollAgainstAnUnreachableRemoteLeavesAUsableStateDirectory() throws Exception {
        Path state = tmp.resolve("state");
        Path moved = tmp.resolve("moved.git");
        RevCommit first = fx.commit("flows.yaml", "flows: []\n", "config");
        fx.push();
        Files.move(fx.remote, moved);
        try (GitSource source = source(fx.url(), "main", "flows.yaml", state)) {
            assertThrows(SourceException.class, source::poll);
        }
        Files.move(moved, fx.remote);
        try (GitSource source = source(fx.url(), "main", "flows.yaml", state)) {
            assertEquals(first.name(), source.poll().id());
        }
    }

    @Test
    void aStateDirectoryOfAnotherRepositoryIsRefusedNotDeleted() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "config");
        fx.push();
        Path state = tmp.resolve("state");
        try (GitSource source = source(fx.url(), "main", "flows.yaml", state)) {
            source.poll();
        }
        String other = tmp.resolve("other.git").toString();
        try (GitSource source = source(other, "main", "flows.yaml", state)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertEquals("state directory " + state + " holds a clone of " + fx.url() + ", not of " + other
                    + "; refusing to use it (remove it or choose another state directory)", e.getMessage());
        }
        assertTrue(Files.isDirectory(state.resolve("objects")), "the other clone is left alone");

        Path junk = tmp.resolve("junk");
        Files.createDirectories(junk);
        Files.writeString(junk.resolve("precious.txt"), "keep me");
        try (GitSource source = source(fx.url(), "main", "flows.yaml", junk)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains("is not empty and holds no Git repository"), e.getMessage());
        }
        assertEquals("keep me", Files.readString(junk.resolve("precious.txt")));
    }

    @Test
    void settingsAreChecked() {
        Path state = tmp.resolve("state");
        assertThrows(IllegalArgumentException.class, () -> source(fx.url(), "bad..ref", "flows.yaml", state));
        assertThrows(IllegalArgumentException.class, () -> source(fx.url(), "main", "../flows.yaml", state));
        assertThrows(IllegalArgumentException.class, () -> source(fx.url(), "main", "", state));
        assertThrows(IllegalArgumentException.class, () -> new GitSource.Settings(fx.url(), "main", "f.yaml", state,
                new GitSource.Auth.None(), Optional.empty(), Duration.ZERO));
    }

    @Test
    void httpsSecretComesFromAFileAndIsNeverPrinted() throws Exception {
        Path secret = Files.writeString(tmp.resolve("token"), "s3cr3t-token\n");
        GitSource.Auth.Https https = GitSource.Auth.Https.fromFile("deploy", secret);
        assertEquals("s3cr3t-token", new String(https.passwordOrToken()));
        assertTrue(!https.toString().contains("s3cr3t"), https.toString());
        assertEquals("https://deploy@example.com/repo.git",
                GitSource.displayUrl("https://deploy:s3cr3t@example.com/repo.git"));
        Files.writeString(secret, "");
        assertThrows(SourceException.class, () -> GitSource.Auth.Https.fromFile("deploy", secret));
    }

    @Test
    void jitterStaysWithinTenPercent() {
        for (int i = 0; i < 1000; i++) {
            long ms = GitSource.nextPollDelay(Duration.ofSeconds(60)).toMillis();
            assertTrue(ms >= 54_000 && ms < 66_000, ms + " ms");
        }
    }
}
