package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials as values, and what a fetch is refused with when an SSH key's files cannot be read. */
class GitCredentialsTest {
    @TempDir
    Path tmp;

    @Test
    void httpsSecretComesFromAFileAndIsNeverPrinted() throws Exception {
        Path secret = Files.writeString(tmp.resolve("token"), "s3cr3t-token\n");
        GitCredentials.Https https = GitCredentials.Https.fromFile("deploy", secret);
        assertEquals("s3cr3t-token", new String(https.passwordOrToken()));
        assertTrue(!https.toString().contains("s3cr3t"), https.toString());
        assertEquals("https://deploy@example.com/repo.git",
                GitSource.displayUrl("https://deploy:s3cr3t@example.com/repo.git"));
        Files.writeString(secret, "");
        assertThrows(SourceException.class, () -> GitCredentials.Https.fromFile("deploy", secret));
    }

    @Test
    void aTokenIsComparedByValueAndCopiedInAndOut() {
        char[] token = "t0ken".toCharArray();
        GitCredentials.Https https = new GitCredentials.Https("deploy", token);
        token[0] = 'x';
        assertEquals("t0ken", new String(https.passwordOrToken()), "the caller's array is not kept");
        https.passwordOrToken()[0] = 'y';
        assertEquals(new GitCredentials.Https("deploy", "t0ken".toCharArray()), https);
        assertNotEquals(new GitCredentials.Https("deploy", "other".toCharArray()), https);
    }

    @Test
    void anUnreadableSshKeyOrKnownHostsFileIsNamedBeforeAnyConnection() throws Exception {
        Path key = Files.writeString(tmp.resolve("id_ed25519"), "not used");
        Path missing = tmp.resolve("known_hosts");
        try (Git git = Git.init().setBare(true).setDirectory(tmp.resolve("repo.git").toFile()).call();
                GitTransport transport = new GitTransport(new GitCredentials.SshKey(key, missing), tmp)) {
            SourceException e = assertThrows(SourceException.class, () -> transport.configure(git.fetch()));
            assertEquals("cannot read the SSH known_hosts file " + missing, e.getMessage());
        }
        try (Git git = Git.init().setBare(true).setDirectory(tmp.resolve("repo2.git").toFile()).call();
                GitTransport transport = new GitTransport(new GitCredentials.SshKey(tmp.resolve("nope"), missing), tmp)) {
            SourceException e = assertThrows(SourceException.class, () -> transport.configure(git.fetch()));
            assertTrue(e.getMessage().startsWith("cannot read the SSH private key "), e.getMessage());
        }
    }
}
