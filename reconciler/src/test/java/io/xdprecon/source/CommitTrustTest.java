package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commit trust on its own, on commits of a real repository: SSH signatures made by JGit's signer (no gpg needed
 * here; GitSourceTrustTest covers OpenPGP keys made by GnuPG through a whole source).
 */
class CommitTrustTest {
    @TempDir
    Path tmp;
    GitFixture fx;
    Path aliceKey;
    KeyPair alice;

    @BeforeEach
    void setUp() throws Exception {
        fx = new GitFixture(tmp);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        alice = g.generateKeyPair();
        aliceKey = tmp.resolve("alice_ecdsa");
        try (OutputStream out = Files.newOutputStream(aliceKey)) {
            new OpenSSHKeyPairResourceWriter().writePrivateKey(alice, "test", null, out);
        }
        Files.setPosixFilePermissions(aliceKey, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private RevCommit sshSigned(String text) throws Exception {
        StoredConfig cfg = fx.git.getRepository().getConfig();
        cfg.setString("gpg", null, "format", "ssh");
        cfg.save();
        return fx.commit("flows.yaml", text, "signed", c -> c.setSign(true).setSigningKey(aliceKey.toString()));
    }

    @Test
    void aCommitSignedByAnAllowedKeyPassesAnUnsignedOneIsRefusedWithWhatIsRequired() throws Exception {
        Path allowed = Files.writeString(tmp.resolve("allowed_signers"),
                "alice@example.com " + PublicKeyEntry.toString(alice.getPublic()) + "\n");
        CommitTrust trust = new CommitTrust.SshSigners(allowed);
        trust.verify(fx.git.getRepository(), sshSigned("flows: []\n"), "main");

        RevCommit unsigned = fx.commit("flows.yaml", "flows: [] # unsigned\n", "unsigned");
        UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class,
                () -> trust.verify(fx.git.getRepository(), unsigned, "main"));
        assertEquals(unsigned.name(), e.revision());
        assertEquals(UntrustedRevisionException.Reason.SIGNATURE, e.reason());
        assertEquals("commit " + unsigned.name().substring(0, 12) + " at main is not signed; an SSH signature by a"
                + " signer in " + allowed + " is required", e.getMessage());
    }

    @Test
    void anSshSignatureDoesNotSatisfyOpenPgpTrustAndAMissingKeyringIsNotATrustVerdict() throws Exception {
        RevCommit signed = sshSigned("flows: []\n");
        Path keyring = tmp.resolve("trusted.gpg");
        CommitTrust gpg = new CommitTrust.Gpg(keyring);
        UntrustedRevisionException e = assertThrows(UntrustedRevisionException.class,
                () -> gpg.verify(fx.git.getRepository(), signed, "main"));
        assertTrue(e.getMessage().endsWith("carries an SSH signature, not an OpenPGP one; a signature by a key in "
                + keyring + " is required"), e.getMessage());

        CommitTrust ssh = new CommitTrust.SshSigners(tmp.resolve("missing_allowed_signers"));
        SourceException unreadable = assertThrows(SourceException.class, () -> ssh.verify(fx.git.getRepository(), signed, "main"));
        assertTrue(!(unreadable instanceof UntrustedRevisionException), "a file problem, not a verdict on the commit");
    }

    @Test
    void theSignedDataIsTheCommitWithoutItsSignatureHeader() throws Exception {
        RevCommit signed = sshSigned("flows: []\n");
        String raw = new String(signed.getRawBuffer(), StandardCharsets.UTF_8);
        assertTrue(raw.contains("\ngpgsig -----BEGIN SSH SIGNATURE-----\n"), raw);
        String data = new String(OpenPgpSignature.signedData(signed), StandardCharsets.UTF_8);
        assertTrue(!data.contains("gpgsig") && !data.contains("SSH SIGNATURE"), data);
        assertTrue(data.startsWith("tree ") && data.endsWith("\n\nsigned"), data);

        RevCommit unsigned = fx.commit("flows.yaml", "flows: [] # 2\n", "unsigned");
        assertArrayEquals(unsigned.getRawBuffer(), OpenPgpSignature.signedData(unsigned));
    }
}
