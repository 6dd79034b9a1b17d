package io.xdprecon.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;

import org.eclipse.jgit.api.CommitCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;

/** A bare "remote" repository and a working repository that commits and pushes to it, both made with JGit. */
final class GitFixture implements AutoCloseable {
    static final PersonIdent ALICE = new PersonIdent("Alice Operator", "alice@example.com",
            Instant.parse("2026-01-02T03:04:05Z"), ZoneId.of("UTC"));

    final Path remote;
    final Path work;
    final Git git;

    GitFixture(Path root) throws GitAPIException, IOException {
        remote = root.resolve("remote.git");
        work = root.resolve("work");
        try (Git bare = Git.init().setBare(true).setDirectory(remote.toFile()).setInitialBranch("main").call()) {
            noBackgroundGc(bare);
        }
        git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call();
        noBackgroundGc(git);
    }

    /**
     * JGit runs an automatic gc on a thread of its own after a push or commit; its log lines and lock
     * files would then outlive the step that caused them and land in a later test's capture or cleanup.
     */
    private static void noBackgroundGc(Git repo) throws IOException {
        var config = repo.getRepository().getConfig();
        config.setInt("gc", null, "auto", 0);
        config.setBoolean("receive", null, "autogc", false);
        config.save();
    }

    String url() {
        return remote.toString();
    }

    RevCommit commit(String path, String text, String message) throws GitAPIException, IOException {
        return commit(path, text, message, c -> { });
    }

    RevCommit commit(String path, String text, String message, java.util.function.Consumer<CommitCommand> tweak)
            throws GitAPIException, IOException {
        Path f = work.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        git.add().addFilepattern(path).call();
        CommitCommand c = git.commit().setMessage(message).setAuthor(ALICE).setCommitter(ALICE).setSign(false);
        tweak.accept(c);
        return c.call();
    }

    void push() throws GitAPIException {
        git.push().setRemote(url()).setRefSpecs(new RefSpec("+refs/heads/*:refs/heads/*"),
                new RefSpec("+refs/tags/*:refs/tags/*")).call();
    }

    @Override
    public void close() {
        git.close();
    }
}
