package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Optional;

import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.eclipse.jgit.api.CommitCommand;
import org.eclipse.jgit.lib.Signer;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed-commit trust. OpenPGP keys are made by GnuPG in a private GNUPGHOME and commits are signed by
 * {@code gpg --detach-sign} (plugged into JGit's CommitCommand as a {@link Signer}); GitSource itself never runs
 * gpg and reads only the exported keyring. SSH signatures are made by JGit's own SSH signer.
 */
class GitSourceTrustTest {

    @TempDir
    static Path keys;
    static GnuPgHome gnupg;
    static Path aliceKeyring;
    static Path aliceArmoredKeyring;
    static KeyPair aliceSsh;
    static KeyPair mallorySsh;
    static Path aliceSshKey;
    static Path mallorySshKey;
    static boolean haveGpg;

    @TempDir
    Path tmp;
    GitFixture fx;

    @BeforeAll
    static void makeKeys() throws Exception {
        aliceSsh = ecKey();
        mallorySsh = ecKey();
        aliceSshKey = writeSshKey(keys.resolve("alice_ecdsa"), aliceSsh);
        mallorySshKey = writeSshKey(keys.resolve("mallory_ecdsa"), mallorySsh);

        haveGpg = GnuPgHome.available();
        if (!haveGpg) {
            return;
        }
        gnupg = GnuPgHome.create(keys.resolve("gnupg"));
        gnupg.generateSigningKey("Alice Operator <alice@example.com>", "ed25519");
        gnupg.generateSigningKey("Mallory <mallory@example.com>", "rsa2048");
        aliceKeyring = gnupg.exportKeyring(keys.resolve("alice.gpg"), "alice@example.com", false);
        aliceArmoredKeyring = gnupg.exportKeyring(keys.resolve("alice.asc"), "alice@example.com", true);
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (gnupg != null) {
            gnupg.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        fx = new GitFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    // ---- OpenPGP ----------------------------------------------------------------------------------------------

    @Test
    void gpgTrustedHeadIsAcceptedOthersAreRefused() throws Exception {
        assertTrue(haveGpg, "gpg is not installed: scripts/setup.sh installs gnupg");
        RevCommit trusted = fx.commit("flows.yaml", "flows: []\n", "signed by alice", gpgSigned("alice@example.com", false));
        fx.push();
        try (GitSource source = source(new CommitTrust.Gpg(aliceKeyring))) {
            Revision r = source.poll();
            assertEquals(trusted.name(), r.id());

            RevCommit unsigned = fx.commit("flows.yaml", "flows: [] # unsigned\n", "unsigned");
            fx.push();
            UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(unsigned.name(), e.revision());
            assertTrue(e.getMessage().startsWith("commit " + unsigned.name().substring(0, 12) + " at main is not signed; "
                    + "a signature by a key in " + aliceKeyring + " is required"), e.getMessage());

            RevCommit byMallory = fx.commit("flows.yaml", "flows: [] # mallory\n", "signed by mallory",
                    gpgSigned("mallory@example.com", false));
            fx.push();
            e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(byMallory.name(), e.revision());
            assertTrue(e.getMessage().contains(", which is not in the trusted keyring " + aliceKeyring), e.getMessage());

            RevCommit forged = fx.commit("flows.yaml", "flows: [] # forged\n", "signature over other bytes",
                    gpgSigned("alice@example.com", true));
            fx.push();
            e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(forged.name(), e.revision());
            assertTrue(e.getMessage().contains("has a BAD signature claiming key "), e.getMessage());

            RevCommit sshSigned = fx.commit("flows.yaml", "flows: [] # ssh\n", "ssh signed", sshSigned(aliceSshKey));
            fx.push();
            e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(sshSigned.name(), e.revision());
            assertTrue(e.getMessage().contains("carries an SSH signature, not an OpenPGP one"), e.getMessage());

            RevCommit again = fx.commit("flows.yaml", "flows: [] # alice again\n", "alice again",
                    gpgSigned("alice@example.com", false));
            fx.push();
            assertEquals(again.name(), source.poll().id());
        }
    }

    @Test
    void anArmoredKeyringWorksAndAMissingOneIsNamed() throws Exception {
        assertTrue(haveGpg, "gpg is not installed: scripts/setup.sh installs gnupg");
        RevCommit c = fx.commit("flows.yaml", "flows: []\n", "signed", gpgSigned("alice@example.com", false));
        fx.push();
        try (GitSource source = source(new CommitTrust.Gpg(aliceArmoredKeyring))) {
            assertEquals(c.name(), source.poll().id());
        }
        Path missing = tmp.resolve("nope.gpg");
        try (GitSource source = source(new CommitTrust.Gpg(missing))) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertEquals("the public keyring " + missing + " does not exist", e.getMessage());
        }
    }

    // ---- SSH signatures ---------------------------------------------------------------------------------------

    @Test
    void sshSignersTrustedHeadIsAcceptedOthersAreRefused() throws Exception {
        Path allowed = Files.writeString(tmp.resolve("allowed_signers"),
                "alice@example.com " + PublicKeyEntry.toString(aliceSsh.getPublic()) + "\n");
        RevCommit trusted = fx.commit("flows.yaml", "flows: []\n", "ssh signed by alice", sshSigned(aliceSshKey));
        fx.push();
        try (GitSource source = source(new CommitTrust.SshSigners(allowed))) {
            assertEquals(trusted.name(), source.poll().id());

            RevCommit unsigned = fx.commit("flows.yaml", "flows: [] # unsigned\n", "unsigned");
            fx.push();
            UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(unsigned.name(), e.revision());
            assertTrue(e.getMessage().contains(" is not signed; an SSH signature by a signer in " + allowed), e.getMessage());

            RevCommit byMallory = fx.commit("flows.yaml", "flows: [] # mallory\n", "mallory", sshSigned(mallorySshKey));
            fx.push();
            e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(byMallory.name(), e.revision());
            assertTrue(e.getMessage().contains("has an SSH signature that is not trusted"), e.getMessage());

            if (haveGpg) {
                RevCommit gpgSigned = fx.commit("flows.yaml", "flows: [] # gpg\n", "gpg", gpgSigned("alice@example.com", false));
                fx.push();
                e = assertThrows(UntrustedRevisionException.class, source::poll);
                assertEquals(gpgSigned.name(), e.revision());
                assertTrue(e.getMessage().contains("carries an OpenPGP signature, not an SSH one"), e.getMessage());
            }
        }
    }

    @Test
    void sshTrustIsInTheKeyNotInThePrincipalName() throws Exception {
        // As `git verify-commit` does: a key listed in allowed_signers is trusted whatever principal it is listed
        // under; the committer's e-mail is not matched against it.
        Path allowed = Files.writeString(tmp.resolve("allowed_signers"),
                "bob@example.com " + PublicKeyEntry.toString(aliceSsh.getPublic()) + "\n");
        RevCommit c = fx.commit("flows.yaml", "flows: []\n", "alice's key, bob's name", sshSigned(aliceSshKey));
        fx.push();
        try (GitSource source = source(new CommitTrust.SshSigners(allowed))) {
            assertEquals(c.name(), source.poll().id());
        }
        // A key allowed only for another namespace than git's is not trusted for commits.
        Files.writeString(allowed, "alice@example.com namespaces=\"file\" "
                + PublicKeyEntry.toString(aliceSsh.getPublic()) + "\n");
        try (GitSource source = source(new CommitTrust.SshSigners(allowed))) {
            UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class, source::poll);
            assertEquals(c.name(), e.revision());
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private GitSource source(CommitTrust trust) {
        return new GitSource(new GitSource.Settings(fx.url(), "main", "flows.yaml", tmp.resolve("state"),
                new GitCredentials.None(), Optional.of(trust), Duration.ofSeconds(10)));
    }

    private static java.util.function.Consumer<CommitCommand> gpgSigned(String uid, boolean overOtherBytes) {
        return overOtherBytes
                ? gnupg.signedBy(uid, data -> (new String(data, StandardCharsets.UTF_8) + "tampered").getBytes(StandardCharsets.UTF_8))
                : gnupg.signedBy(uid);
    }

    private java.util.function.Consumer<CommitCommand> sshSigned(Path privateKey) {
        return c -> {
            try {
                StoredConfig cfg = fx.git.getRepository().getConfig();
                cfg.setString("gpg", null, "format", "ssh");
                cfg.setString("user", null, "signingKey", privateKey.toString());
                cfg.save();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            c.setSign(true).setSigningKey(privateKey.toString());
        };
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static Path writeSshKey(Path file, KeyPair key) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            new OpenSSHKeyPairResourceWriter().writePrivateKey(key, "test", null, out);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), PublicKeyEntry.toString(key.getPublic()) + " test\n");
        return file;
    }
}
