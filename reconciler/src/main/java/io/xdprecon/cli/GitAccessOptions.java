package io.xdprecon.cli;

import io.xdprecon.source.CommitTrust;
import io.xdprecon.source.GitCredentials;
import io.xdprecon.source.SourceException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How a command reaches a Git repository and which commits it trusts: shared by {@code run} and by
 * {@code plan/apply/flows --git}, so a dry run reads exactly what the daemon would (same credentials, same
 * signature check).
 */
final class GitAccessOptions {
    @Option(names = "--ssh-key", paramLabel = "FILE", description = "Private key for ssh:// repositories (with --known-hosts).")
    Path sshKey;

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "known_hosts for ssh:// repositories.")
    Path knownHosts;

    @Option(names = "--https-user", paramLabel = "USER", description = "User for https:// repositories (with --https-token-file).")
    String httpsUser;

    @Option(names = "--https-token-file", paramLabel = "FILE", description = "Password or token for https:// repositories (first line).")
    Path httpsTokenFile;

    @Option(names = "--trust-gpg-keyring", paramLabel = "FILE",
            description = "Accept only commits signed by a key in this OpenPGP public keyring (gpg --export output).")
    Path trustGpgKeyring;

    @Option(names = "--trust-ssh-signers", paramLabel = "FILE",
            description = "Accept only commits SSH-signed by a key in this allowed_signers file.")
    Path trustSshSigners;

    /** Whether any of these options was given: they mean nothing without a Git source. */
    boolean given() {
        return sshKey != null || knownHosts != null || httpsUser != null || httpsTokenFile != null
                || trustGpgKeyring != null || trustSshSigners != null;
    }

    GitCredentials auth() throws SourceException {
        if (sshKey != null || knownHosts != null) {
            if (sshKey == null || knownHosts == null) {
                throw new UsageException("--ssh-key and --known-hosts go together");
            }
            if (httpsUser != null || httpsTokenFile != null) {
                throw new UsageException("choose SSH (--ssh-key) or HTTPS (--https-user) credentials, not both");
            }
            return new GitCredentials.SshKey(sshKey, knownHosts);
        }
        if (httpsUser != null || httpsTokenFile != null) {
            if (httpsUser == null || httpsTokenFile == null) {
                throw new UsageException("--https-user and --https-token-file go together");
            }
            return GitCredentials.Https.fromFile(httpsUser, httpsTokenFile);
        }
        return new GitCredentials.None();
    }

    Optional<CommitTrust> trust() {
        if (trustGpgKeyring != null && trustSshSigners != null) {
            throw new UsageException("choose one of --trust-gpg-keyring and --trust-ssh-signers");
        }
        if (trustGpgKeyring != null) {
            return Optional.of(new CommitTrust.Gpg(trustGpgKeyring));
        }
        return trustSshSigners != null ? Optional.of(new CommitTrust.SshSigners(trustSshSigners)) : Optional.empty();
    }
}
