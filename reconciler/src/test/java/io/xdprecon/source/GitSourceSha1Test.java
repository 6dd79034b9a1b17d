package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jgit.util.sha1.SHA1;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which SHA-1 JGit hashes a source's fetches with: the JDK's (fast) where no signature vouches for the content,
 * JGit's collision-detecting one as soon as a source with trust exists in the process, for good.
 */
class GitSourceSha1Test {
    @TempDir
    Path tmp;
    private String before;

    @BeforeEach
    void unset() {
        before = System.getProperty(GitSource.SHA1_IMPLEMENTATION);
        System.clearProperty(GitSource.SHA1_IMPLEMENTATION);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(GitSource.SHA1_IMPLEMENTATION);
        } else {
            System.setProperty(GitSource.SHA1_IMPLEMENTATION, before);
        }
    }

    private GitSource source(Optional<CommitTrust> trust) {
        return new GitSource(new GitSource.Settings(tmp.resolve("remote.git").toString(), "main", "flows.yaml",
                tmp.resolve("state"), new GitCredentials.None(), trust, Duration.ofSeconds(5)));
    }

    private static String hashing() {
        return SHA1.newInstance().getClass().getSimpleName();
    }

    @Test
    void theJdksSha1WithoutTrustAndCollisionDetectionOnceASourceHasTrust() {
        assertEquals("SHA1Java", hashing(), "JGit's default: collision detection");
        source(Optional.empty()).close();
        assertEquals("SHA1Native", hashing(), "no signature vouches for the content: the JDK's SHA-1");
        source(Optional.of(new CommitTrust.SshSigners(tmp.resolve("allowed_signers")))).close();
        assertEquals("SHA1Java", hashing(), "a source with trust: collisions are detected");
        source(Optional.empty()).close();
        assertEquals("SHA1Java", hashing(), "a source without trust does not turn the detection off again");
    }
}
