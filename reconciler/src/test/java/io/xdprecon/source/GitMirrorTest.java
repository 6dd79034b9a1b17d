package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jgit.internal.storage.file.GC;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetch side of a Git source: the bare mirror in the state directory, against real repositories. */
class GitMirrorTest {
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

    private static GitMirror mirror(String url, Path state) {
        return new GitMirror(url, url, state, new GitCredentials.None(), Duration.ofSeconds(10));
    }

    @Test
    void theAppliedCommitOutlivesAForcePushAFetchAndAReopen() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        fx.push();
        Path state = tmp.resolve("state");
        try (GitMirror mirror = mirror(fx.url(), state)) {
            mirror.fetch();
            RevCommit head = mirror.commit(mirror.resolveRef("main"));
            assertEquals(v1, head);
            assertEquals(Optional.empty(), mirror.applied());
            mirror.markApplied(head);
            // The remote forgets v1: main now holds an unrelated root commit.
            fx.git.checkout().setOrphan(true).setName("other").call();
            RevCommit other = fx.commit("flows.yaml", "flows: [] # other\n", "other");
            fx.git.push().setRemote(fx.url()).setRefSpecs(new RefSpec("+refs/heads/other:refs/heads/main")).call();
            mirror.fetch();
            assertEquals(other, mirror.commit(mirror.resolveRef("main")));
            assertFalse(mirror.isAncestor(v1, other));
        }
        try (GitMirror mirror = mirror(fx.url(), state)) {
            RevCommit applied = mirror.applied().orElseThrow();
            assertEquals(v1, applied);
            java.util.List<GitMirror.ConfigFile> files = mirror.read(applied, "flows.yaml", "main");
            assertEquals(1, files.size());
            assertEquals("", files.getFirst().path(), "the path itself");
            try (java.io.InputStream in = mirror.open(files.getFirst().blob())) {
                assertEquals("flows: [] # v1\n", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * An edit's fetch brings the edited file whole, not as a delta against the version the mirror holds (a thin
     * pack): JGit resolves such a delta with base and result whole in the heap, which a big config does not fit in the
     * unit's heap. The server is git's own upload-pack (JGit's in-process one, which file:// uses, sends this file
     * whole anyway). A thin pack shows in the mirror as a pack of 4 objects: JGit appends the base it resolved
     * against, to keep the pack whole.
     */
    @Test
    void anEditIsFetchedWholeNotAsADeltaAgainstTheMirrorsCopy() throws Exception {
        StringBuilder big = new StringBuilder("flows:\n");
        for (int i = 0; i < 400; i++) {
            big.append("  - name: flow-").append(i).append("\n    client: 10.0.").append(i / 250).append('.')
                    .append(i % 250 + 1).append(":5000\n");
        }
        fx.commit("flows.yaml", big.toString(), "v1");
        fx.push();
        Path state = tmp.resolve("state");
        try (GitMirror mirror = mirror(fx.url(), state)) {
            var config = mirror.repository().getConfig();
            config.setString("remote", "origin", "uploadpack", gitUploadPack()); // a path: JGit forks it
            config.save();
            mirror.fetch();
            java.util.Set<Path> before = packs(state);
            fx.commit("flows.yaml", big.toString().replace("flow-7\n", "flow-7-edited\n"), "v2");
            fx.push();
            mirror.fetch();
            java.util.Set<Path> added = packs(state);
            added.removeAll(before);
            assertEquals(1, added.size(), "one pack fetched: " + added);
            assertEquals(3, objectCount(added.iterator().next()), "the commit, its tree and the edited file, whole");
        }
    }

    /** git's upload-pack program, by its path. */
    private static String gitUploadPack() throws Exception {
        Process p = new ProcessBuilder("git", "--exec-path").redirectErrorStream(true).start();
        String dir = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "git --exec-path: " + dir);
        Path program = Path.of(dir, "git-upload-pack");
        assertTrue(Files.isExecutable(program), program + " is not executable");
        return program.toString();
    }

    private static java.util.Set<Path> packs(Path state) throws java.io.IOException {
        try (var files = Files.list(state.resolve("objects/pack"))) {
            return files.filter(p -> p.toString().endsWith(".pack")).collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The object count of a pack's header ("PACK", version, count: big-endian 32-bit words). */
    private static int objectCount(Path pack) throws java.io.IOException {
        try (var in = new java.io.DataInputStream(Files.newInputStream(pack))) {
            in.skipNBytes(8);
            return in.readInt();
        }
    }

    @Test
    void ancestryBothWays() throws Exception {
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        RevCommit v2 = fx.commit("flows.yaml", "flows: [] # v2\n", "v2");
        fx.push();
        try (GitMirror mirror = mirror(fx.url(), tmp.resolve("state"))) {
            mirror.fetch();
            assertTrue(mirror.isAncestor(v1, v2));
            assertTrue(mirror.isAncestor(v2, v2), "a commit is its own ancestor: no move is a fast-forward");
            assertFalse(mirror.isAncestor(v2, v1));
        }
    }

    @Test
    void aNameThatIsBothABranchAndATagIsAmbiguous() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "config");
        fx.git.tag().setName("main").setAnnotated(false).call();
        fx.push();
        try (GitMirror mirror = mirror(fx.url(), tmp.resolve("state"))) {
            mirror.fetch();
            SourceException e = assertThrows(SourceException.class, () -> mirror.resolveRef("main"));
            assertTrue(e.getMessage().contains("is ambiguous"), e.getMessage());
            assertEquals("refs/tags/main", mirror.resolveRef("refs/tags/main"));
        }
    }

    @Test
    void aStateDirectoryOfAnotherRepositoryIsRefusedNotDeleted() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "config");
        fx.push();
        Path state = tmp.resolve("state");
        try (GitMirror mirror = mirror(fx.url(), state)) {
            mirror.fetch();
        }
        String other = tmp.resolve("other.git").toString();
        try (GitMirror mirror = mirror(other, state)) {
            SourceException e = assertThrows(SourceException.class, mirror::repository);
            assertEquals("state directory " + state + " holds a clone of " + fx.url() + ", not of " + other
                    + "; refusing to use it (remove it or choose another state directory)", e.getMessage());
        }
        assertTrue(Files.isDirectory(state.resolve("objects")), "the other clone is left alone");

        Path junk = tmp.resolve("junk");
        Files.createDirectories(junk);
        Files.writeString(junk.resolve("precious.txt"), "keep me");
        try (GitMirror mirror = mirror(fx.url(), junk)) {
            SourceException e = assertThrows(SourceException.class, mirror::repository);
            assertTrue(e.getMessage().contains("is not empty and holds no Git repository"), e.getMessage());
        }
        assertEquals("keep me", Files.readString(junk.resolve("precious.txt")));
    }

    /**
     * The shipped unit gives the daemon one state directory and its admin endpoint, which writes its token there
     * before the first fetch: a fresh node's directory then holds the token (and maybe a suspension mark), and the
     * clone is made beside them. Before, such a node never fetched ("is not empty and holds no Git repository").
     */
    @Test
    void aFreshStateDirectoryHoldingOnlyTheDaemonsOwnFilesGetsTheClone() throws Exception {
        assertEquals(java.util.List.of(io.xdprecon.daemon.admin.ControlToken.FILE_NAME,
                io.xdprecon.daemon.admin.Suspension.FILE_NAME), GitMirror.DAEMON_FILES);
        RevCommit v1 = fx.commit("flows.yaml", "flows: [] # v1\n", "v1");
        fx.push();
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.writeString(state.resolve(io.xdprecon.daemon.admin.ControlToken.FILE_NAME), "token\n");
        Files.writeString(state.resolve(io.xdprecon.daemon.admin.Suspension.FILE_NAME), "xdprecon suspend\n");
        try (GitMirror mirror = mirror(fx.url(), state)) {
            mirror.fetch();
            assertEquals(v1, mirror.commit(mirror.resolveRef("main")));
        }
        try (GitMirror mirror = mirror(fx.url(), state)) {
            assertEquals(v1, mirror.commit(mirror.resolveRef("main")), "reopened beside the token");
        }
        assertEquals("token\n", Files.readString(state.resolve(io.xdprecon.daemon.admin.ControlToken.FILE_NAME)));
    }

    /**
     * The size probe deletes its scratch repository as it returns, so no work on the scratch may outlive the probe.
     * JGit runs the auto gc after a fetch detached unless {@code gc.autoDetach} is false (the mirror sets it): its task
     * then found the scratch gone and logged "Unlocking LockFile …/gc.log.lock failed" (SEVERE, with a stack trace)
     * after every probe, racing the deletion. Detached gc tasks are caught here by JGit's executor hook.
     */
    @Test
    void theSizeProbeLeavesNoWorkOnItsScratchBehind() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "v1");
        fx.push();
        Path state = tmp.resolve("state");
        List<Runnable> detached = new CopyOnWriteArrayList<>();
        GC.setExecutor(new AbstractExecutorService() {
            @Override
            public void execute(Runnable task) {
                detached.add(task); // never run: the scratch is gone by then
            }

            @Override
            public void shutdown() {}

            @Override
            public List<Runnable> shutdownNow() {
                return List.of();
            }

            @Override
            public boolean isShutdown() {
                return false;
            }

            @Override
            public boolean isTerminated() {
                return false;
            }

            @Override
            public boolean awaitTermination(long timeout, TimeUnit unit) {
                return true;
            }
        });
        try (GitMirror mirror = mirror(fx.url(), state)) {
            mirror.fetch();
            assertEquals(Optional.of("flows.yaml"), mirror.biggestAtRemote("main", "flows.yaml").map(GitMirror.ConfigFileSize::path));
        } finally {
            GC.setExecutor(null); // JGit's own work queue again
        }
        assertEquals(List.of(), detached, "gc tasks left to run on the deleted scratch");
        try (Stream<Path> left = Files.list(state)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("xdprecon-size-probe")).toList());
        }
    }
}
