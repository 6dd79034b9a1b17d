package io.xdprecon.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * How {@link GitSource} authenticates to its remote (Flux's secret of a GitRepository): nothing, an SSH key with
 * its known hosts, or an HTTPS user and token. Only what is given here is used: never {@code ~/.ssh}, an agent,
 * an SSH config file or a credential helper.
 */
public sealed interface GitCredentials {
    /** Anonymous (public HTTPS, local paths). */
    record None() implements GitCredentials {}

    /**
     * SSH public-key authentication through JGit's Apache MINA transport. Only these two files are used. Host keys
     * are checked strictly: a host missing from {@code knownHosts}, or with another key, is refused. The key must
     * not have a passphrase.
     */
    record SshKey(Path privateKey, Path knownHosts) implements GitCredentials {
        public SshKey {
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(knownHosts, "knownHosts");
            privateKey = privateKey.toAbsolutePath().normalize();
            knownHosts = knownHosts.toAbsolutePath().normalize();
        }
    }

    /** HTTPS basic authentication: a user name and a password or token (held in memory, never printed). */
    record Https(String username, char[] passwordOrToken) implements GitCredentials {
        public Https {
            Objects.requireNonNull(username, "username");
            passwordOrToken = Objects.requireNonNull(passwordOrToken, "passwordOrToken").clone();
        }

        /**
         * The secret is the first line of {@code secretFile} (a trailing newline is not part of it), so that it
         * never appears on a command line.
         */
        public static Https fromFile(String username, Path secretFile) throws SourceException {
            try {
                String s = Files.readString(secretFile, StandardCharsets.UTF_8);
                int nl = s.indexOf('\n');
                String line = nl < 0 ? s : s.substring(0, nl);
                if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                if (line.isEmpty()) {
                    throw new SourceException("the secret file " + secretFile + " is empty");
                }
                return new Https(username, line.toCharArray());
            } catch (IOException e) {
                throw new SourceException("cannot read the secret file " + secretFile + ": " + e, e);
            }
        }

        @Override
        public char[] passwordOrToken() {
            return passwordOrToken.clone();
        }

        @Override
        public String toString() {
            return "Https[username=" + username + ", passwordOrToken=***]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Https h && h.username.equals(username) && Arrays.equals(h.passwordOrToken, passwordOrToken);
        }

        @Override
        public int hashCode() {
            return username.hashCode() * 31 + Arrays.hashCode(passwordOrToken);
        }
    }
}
