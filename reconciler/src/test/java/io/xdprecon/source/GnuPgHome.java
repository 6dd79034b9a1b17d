package io.xdprecon.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.CommitCommand;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.GpgSignature;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.Signer;
import org.eclipse.jgit.transport.CredentialsProvider;

/**
 * A private GNUPGHOME for tests that need OpenPGP-signed commits: keys are made by GnuPG (no passphrase, no
 * pinentry) and commits are signed by {@code gpg --detach-sign} plugged into JGit as a {@link Signer}, so the
 * code under test only ever reads an exported keyring. Closing stops the home's gpg-agent. Shared with the
 * end-to-end tests through this module's test jar.
 */
public final class GnuPgHome implements AutoCloseable {
    public static final Path GPG = Path.of("/usr/bin/gpg");

    private final Path home;

    private GnuPgHome(Path home) {
        this.home = home;
    }

    /** Whether GnuPG is installed (scripts/setup.sh installs it). */
    public static boolean available() {
        return Files.isExecutable(GPG);
    }

    /** A new, empty home at {@code dir} (created, mode 0700 as gpg insists). */
    public static GnuPgHome create(Path dir) throws IOException {
        return new GnuPgHome(Files.createDirectory(dir,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
    }

    /** Makes a signing-only key for {@code userId} ("Name <mail>") with {@code algorithm} (ed25519, rsa2048…). */
    public void generateSigningKey(String userId, String algorithm) throws IOException {
        gpg(null, "--quick-gen-key", userId, algorithm, "sign", "never");
    }

    /** Writes the public keys matching {@code uid} to {@code file}, binary or ASCII-armoured. */
    public Path exportKeyring(Path file, String uid, boolean armored) throws IOException {
        byte[] keyring = armored ? gpg(null, "--export", "--armor", uid) : gpg(null, "--export", uid);
        if (keyring.length == 0) {
            throw new IOException("gpg exported nothing for " + uid);
        }
        return Files.write(file, keyring);
    }

    /** Signs the commit with {@code uid}'s key. */
    public Consumer<CommitCommand> signedBy(String uid) {
        return signedBy(uid, UnaryOperator.identity());
    }

    /**
     * Signs {@code tamper.apply(commit bytes)} instead of the commit bytes: a signature by a trusted key over
     * something else, which a verifier must refuse.
     */
    public Consumer<CommitCommand> signedBy(String uid, UnaryOperator<byte[]> tamper) {
        Signer signer = new Signer() {
            @Override
            public GpgSignature sign(Repository repository, GpgConfig config, byte[] data, PersonIdent committer,
                                     String signingKey, CredentialsProvider credentialsProvider) throws IOException {
                return new GpgSignature(gpg(tamper.apply(data), "-u", uid, "--detach-sign", "--armor"));
            }

            @Override
            public boolean canLocateSigningKey(Repository repository, GpgConfig config, PersonIdent committer,
                                               String signingKey, CredentialsProvider credentialsProvider) {
                return true;
            }
        };
        return c -> c.setSign(true).setSigner(signer).setSigningKey(uid);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("gpgconf", "--homedir", home.toString(), "--kill", "gpg-agent")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
        }
    }

    /** Runs gpg in this home and returns its stdout; a non-zero exit becomes an IOException with stderr. */
    private byte[] gpg(byte[] stdin, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(GPG.toString(), "--homedir", home.toString(), "--batch",
                "--pinentry-mode", "loopback", "--passphrase", ""));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(cmd + " exited " + p.exitValue() + ": " + new String(err.join(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
