package io.xdprecon.source;

import io.xdprecon.config.ConfigInput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
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
        return new GitSource(new GitSource.Settings(url, ref, path, state, new GitCredentials.None(),
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
    void aDirectoryPathIsItsYamlFilesEachByItsBlobId() throws Exception {
        fx.commit("edge/base.yaml", "apiVersion: xdprecon.io/v1\n", "base");
        fx.commit("edge/flows/a.yaml", "flows: []\n", "a");
        fx.commit("edge/README.md", "docs\n", "docs");
        RevCommit c = fx.commit("edge/.hidden/x.yaml", "flows: []\n", "hidden");
        fx.push();
        Revision first;
        try (GitSource source = source("main", "edge/")) {
            first = source.poll();
            assertEquals(c.name(), first.id());
            assertTrue(first.name().endsWith("@" + c.name().substring(0, 12) + ":edge"), first.name());
            assertEquals(List.of(first.root().resolve("base.yaml"), first.root().resolve("flows/a.yaml")),
                    first.files().stream().map(ConfigInput::name).toList(), "YAML files, in path order, none hidden");
            try (var in = first.files().get(1).bytes().open()) {
                assertEquals("flows: []\n", new String(in.readAllBytes()), "read from the clone when asked");
            }
            fx.commit("edge/flows/b.yaml", "flows: []  # b\n", "b");
            fx.push();
            Revision second = source.poll();
            assertEquals(3, second.files().size());
            assertEquals(first.files().get(0).id(), second.files().get(0).id(), "an unchanged file keeps its blob id");
            assertEquals(first.files().get(1).id(), second.files().get(1).id());
        }
        fx.commit("edge/README.md", "docs only\n", "docs");
        fx.git.rm().addFilepattern("edge/base.yaml").addFilepattern("edge/flows/a.yaml").addFilepattern("edge/flows/b.yaml")
                .addFilepattern("edge/.hidden/x.yaml").call();
        fx.git.commit().setMessage("no config").setAuthor(GitFixture.ALICE).setCommitter(GitFixture.ALICE).setSign(false).call();
        fx.push();
        try (GitSource source = source("main", "edge")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains("directory edge in ") && e.getMessage().contains("holds no *.yaml or *.yml file"),
                    e.getMessage());
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
    void settingsAreChecked() {
        Path state = tmp.resolve("state");
        assertThrows(IllegalArgumentException.class, () -> source(fx.url(), "bad..ref", "flows.yaml", state));
        assertThrows(IllegalArgumentException.class, () -> source(fx.url(), "main", "../flows.yaml", state));
        assertThrows(IllegalArgumentException.class, () -> source(fx.url(), "main", "", state));
        assertThrows(IllegalArgumentException.class, () -> new GitSource.Settings(fx.url(), "main", "f.yaml", state,
                new GitCredentials.None(), Optional.empty(), Duration.ZERO));
    }

    // ---- what the tracked ref may do between two revisions --------------------------------------------------

    /** Points main of the remote at {@code commit}, whatever it held: a force-push. */
    private void forcePush(RevCommit commit) throws Exception {
        fx.git.branchCreate().setName("pushed").setStartPoint(commit).setForce(true).call();
        fx.git.push().setRemote(fx.url()).setRefSpecs(new RefSpec("+refs/heads/pushed:refs/heads/main")).call();
    }

    private GitSource source(boolean allowNonFastForward) {
        return new GitSource(new GitSource.Settings(fx.url(), "main", "flows.yaml", tmp.resolve("state"),
                new GitCredentials.None(), Optional.empty(), Duration.ofSeconds(10), allowNonFastForward));
    }

    @Test
    void anAncestorOfTheAppliedCommitIsARollbackRefusedEvenWithForcePushesAllowed() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        RevCommit v2 = fx.commit("flows.yaml", "flows: [] # v2\n", "v2");
        fx.push();
        for (boolean allowed : new boolean[] {false, true}) {
            try (GitSource source = source(allowed)) {
                source.applied(source.poll());
                forcePush(v1);
                UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class, source::poll);
                assertEquals(UntrustedRevisionException.Reason.ROLLBACK, e.reason());
                assertEquals(v1.name(), e.revision());
                assertEquals("commit " + v1.name().substring(0, 12) + " is older than the applied commit "
                        + v2.name().substring(0, 12) + " (one of its ancestors): a rollback of main, refused whatever"
                        + " its signature; to go back, commit a revert", e.getMessage().replace(" at main", ""));
                forcePush(v2);
            }
        }
        try (GitSource source = source(false)) {
            assertEquals(v2.name(), source.poll().id(), "a restart keeps the applied commit: back at it is fine");
        }
    }

    @Test
    void aForcePushOntoAnotherHistoryIsRefusedUnlessAllowedAndNeverWhenOlder() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        fx.push();
        // Other histories: orphan branches, one committed after v1, one before it.
        fx.git.checkout().setOrphan(true).setName("other").call();
        RevCommit rewritten = fx.commit("flows.yaml", "flows: [] # rewritten\n", "rewritten", c -> c.setCommitter(
                new PersonIdent(GitFixture.ALICE, GitFixture.ALICE.getWhenAsInstant().plusSeconds(60))));
        fx.git.checkout().setOrphan(true).setName("older").call();
        RevCommit older = fx.commit("flows.yaml", "flows: [] # older\n", "older", c -> c.setCommitter(
                new PersonIdent(GitFixture.ALICE, GitFixture.ALICE.getWhenAsInstant().minusSeconds(3600))));
        try (GitSource source = source(false)) {
            source.applied(source.poll());
            forcePush(rewritten);
            UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(UntrustedRevisionException.Reason.NON_FAST_FORWARD, e.reason());
            assertEquals("commit " + rewritten.name().substring(0, 12) + " at main does not descend from the applied"
                    + " commit " + v1.name().substring(0, 12) + ": main was force-pushed (a non-fast-forward update),"
                    + " refused without --allow-non-fast-forward", e.getMessage());
        }
        try (GitSource source = source(true)) {
            assertEquals(rewritten.name(), source.poll().id(), "allowed: a force-push onto a newer commit");
            forcePush(older);
            UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(UntrustedRevisionException.Reason.ROLLBACK, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("by one committed earlier"), e.getMessage());
        }
    }

    /**
     * A daemon's start: the fetch starts while it makes the rest of itself, and its first poll takes that fetch — with
     * a poll's outcomes (the remote away: unreachable, with the applied revision; a state directory of another clone:
     * refused). Later polls fetch again; a source closed before its poll waits for the prefetch.
     */
    @Test
    void aPrefetchIsTheFirstPollsFetchWithItsOutcomes() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        fx.push();
        try (GitSource source = source(false)) {
            source.prefetch();
            source.prefetch(); // once is enough
            Revision first = source.poll();
            assertEquals(v1.name(), first.id());
            source.applied(first);
            RevCommit v2 = fx.commit("flows.yaml", "flows: [] # v2\n", "v2");
            fx.push();
            assertEquals(v2.name(), source.poll().id(), "the next poll fetches");
        }
        Path moved = tmp.resolve("moved.git");
        Files.move(fx.remote, moved);
        try (GitSource source = source(false)) { // a restart, the remote away
            source.prefetch();
            SourceUnreachableException e = assertThrows(SourceUnreachableException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + fx.url() + ": "), e.getMessage());
            assertEquals(v1.name(), e.cached().orElseThrow().id(), "the applied revision");
        }
        Files.move(moved, fx.remote);
        String other = tmp.resolve("other.git").toString();
        try (GitSource source = source(other, "main", "flows.yaml", tmp.resolve("state"))) {
            source.prefetch();
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(!(e instanceof SourceUnreachableException), e.toString());
            assertTrue(e.getMessage().contains("holds a clone of " + fx.url() + ", not of " + other), e.getMessage());
        }
        try (GitSource source = source(false)) {
            source.prefetch();
        }
        try (GitSource source = source(false)) {
            assertTrue(source.poll().text().endsWith("# v2\n"), "the clone whole after a prefetch closed unpolled");
        }
    }

    @Test
    void anUnreachableRemoteOffersTheAppliedRevisionFromTheClone() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        fx.push();
        Path moved = tmp.resolve("moved.git");
        try (GitSource source = source(false)) {
            Revision first = source.poll();
            Files.move(fx.remote, moved);
            SourceUnreachableException e = assertThrows(SourceUnreachableException.class, source::poll);
            assertEquals(Optional.empty(), e.cached(), "nothing applied yet: nothing to serve");
            source.applied(first);
        }
        try (GitSource source = source(false)) { // a restart, the remote still away
            SourceUnreachableException e = assertThrows(SourceUnreachableException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + fx.url() + ": "), e.getMessage());
            Revision cached = e.cached().orElseThrow();
            assertEquals(v1.name(), cached.id());
            assertEquals("flows: [] # v1\n", cached.text());
        }
        Files.move(moved, fx.remote);
        RevCommit v2 = fx.commit("flows.yaml", "flows: [] # v2\n", "v2");
        fx.push();
        try (GitSource source = source(false)) {
            assertEquals(v2.name(), source.poll().id(), "back: the remote's head again");
        }
    }

    @Test
    void jitterStaysWithinTenPercent() {
        for (int i = 0; i < 1000; i++) {
            long ms = GitSource.nextPollDelay(Duration.ofSeconds(60)).toMillis();
            assertTrue(ms >= 54_000 && ms < 66_000, ms + " ms");
        }
    }
}
