package io.xdprecon.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * Which signatures a commit must carry to be applied (Flux's {@code verify} of a GitRepository): checked by
 * {@link GitSource} on every head it delivers, and on the cached revision it serves while the remote is away.
 * The trusted keys are read from the given file at each check, never from {@code ~/.gnupg} or {@code ~/.ssh},
 * so replacing the file takes effect at the next poll.
 */
public sealed interface CommitTrust {
    /**
     * An OpenPGP signature by a key in {@code publicKeyring} (binary or ASCII-armoured output of
     * {@code gpg --export}; a GnuPG 2.1+ keybox {@code pubring.kbx} is not read). A revoked key, or one expired
     * when it signed, is not trusted.
     */
    record Gpg(Path publicKeyring) implements CommitTrust {
        public Gpg {
            publicKeyring = Objects.requireNonNull(publicKeyring, "publicKeyring").toAbsolutePath().normalize();
        }
    }

    /**
     * An SSH signature ({@code gpg.format=ssh}) by a key listed in {@code allowedSigners} (OpenSSH
     * {@code allowed_signers} format, as git's {@code gpg.ssh.allowedSignersFile}), verified by JGit's
     * {@code org.eclipse.jgit.ssh.apache} signing support. As with {@code git verify-commit}, the key is what is
     * trusted: the principal it is listed under is not matched against the committer's e-mail, but its
     * {@code namespaces=} and validity options are honoured.
     */
    record SshSigners(Path allowedSigners) implements CommitTrust {
        public SshSigners {
            allowedSigners = Objects.requireNonNull(allowedSigners, "allowedSigners").toAbsolutePath().normalize();
        }
    }

    /** What a refusal asks for: {@code a signature by a key in FILE is required}. */
    default String expectation() {
        return switch (this) {
            case Gpg g -> "a signature by a key in " + g.publicKeyring() + " is required";
            case SshSigners s -> "an SSH signature by a signer in " + s.allowedSigners() + " is required";
        };
    }

    /**
     * Checks {@code commit} of {@code repo}, reached at {@code ref} (for messages).
     *
     * @throws UntrustedRevisionException the commit is unsigned, or signed by a key that is not trusted, or badly
     * @throws SourceException            the trusted keys cannot be read
     */
    default void verify(Repository repo, RevCommit commit, String ref) throws SourceException {
        String id = commit.name();
        String what = "commit " + id.substring(0, 12) + " at " + ref;
        byte[] signature = commit.getRawGpgSignature();
        if (signature == null) {
            throw new UntrustedRevisionException(id, what + " is not signed; " + expectation());
        }
        GpgConfig.GpgFormat format = SignatureVerifiers.getFormat(signature);
        switch (this) {
            case Gpg gpg -> {
                if (format != GpgConfig.GpgFormat.OPENPGP) {
                    throw new UntrustedRevisionException(id, what + " carries " + formatName(format)
                            + " signature, not an OpenPGP one; " + expectation());
                }
                OpenPgpSignature.verify(id, what, commit, signature, gpg.publicKeyring());
            }
            case SshSigners ssh -> {
                if (format != GpgConfig.GpgFormat.SSH) {
                    throw new UntrustedRevisionException(id, what + " carries " + formatName(format)
                            + " signature, not an SSH one; " + expectation());
                }
                verifySsh(repo, commit, id, what, ssh);
            }
        }
    }

    private void verifySsh(Repository repo, RevCommit commit, String id, String what, SshSigners ssh)
            throws SourceException {
        if (!Files.isReadable(ssh.allowedSigners())) {
            throw new SourceException("cannot read the allowed signers file " + ssh.allowedSigners());
        }
        Config config = new Config();
        config.setString("gpg", null, "format", "ssh");
        config.setString("gpg", "ssh", "allowedSignersFile", ssh.allowedSigners().toString());
        SignatureVerifier.SignatureVerification v;
        try {
            v = SignatureVerifiers.verify(repo, new GpgConfig(config), commit);
        } catch (IOException | RuntimeException e) {
            throw new UntrustedRevisionException(id, what + ": its SSH signature cannot be verified: " + e.getMessage());
        }
        if (v == null) {
            throw new UntrustedRevisionException(id, what + ": no verifier for its SSH signature");
        }
        if (!v.verified()) {
            throw new UntrustedRevisionException(id, what + " has an SSH signature that is not trusted"
                    + (v.keyFingerprint() != null ? " (key " + v.keyFingerprint() + ")" : "")
                    + (v.message() != null ? ": " + stripPeriod(v.message()) : "") + "; " + expectation());
        }
        if (v.expired()) {
            throw new UntrustedRevisionException(id, what + " is signed by an expired SSH key "
                    + v.keyFingerprint() + "; " + expectation());
        }
    }

    private static String formatName(GpgConfig.GpgFormat format) {
        return switch (format) {
            case OPENPGP -> "an OpenPGP";
            case SSH -> "an SSH";
            case X509 -> "an X.509";
        };
    }

    private static String stripPeriod(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
