package io.xdprecon.source;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshConstants;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * {@link GitCredentials} applied to JGit's fetches: an SSH key's session factory is made once (at the first fetch)
 * and lives until {@link #close()}. {@code home} stands in for the home and {@code .ssh} directories, so nothing of
 * the user's is found there; it must hold none of ssh's files (the state directory). Not thread-safe: its source
 * serialises polls.
 */
final class GitTransport implements AutoCloseable {
    private final GitCredentials credentials;
    private final Path home;
    private SshdSessionFactory sshFactory;

    GitTransport(GitCredentials credentials, Path home) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.home = Objects.requireNonNull(home, "home");
    }

    /** Sets the credentials on {@code command}. */
    void configure(TransportCommand<?, ?> command) throws SourceException {
        switch (credentials) {
            case GitCredentials.None none -> { }
            case GitCredentials.Https https -> command.setCredentialsProvider(
                    new UsernamePasswordCredentialsProvider(https.username(), https.passwordOrToken()));
            case GitCredentials.SshKey key -> {
                SshdSessionFactory factory = sshFactory(key);
                command.setTransportConfigCallback(t -> {
                    if (t instanceof SshTransport ssh) {
                        ssh.setSshSessionFactory(factory);
                    }
                });
            }
        }
    }

    private SshdSessionFactory sshFactory(GitCredentials.SshKey key) throws SourceException {
        if (sshFactory != null) {
            return sshFactory;
        }
        if (!Files.isReadable(key.privateKey())) {
            throw new SourceException("cannot read the SSH private key " + key.privateKey());
        }
        if (!Files.isReadable(key.knownHosts())) {
            throw new SourceException("cannot read the SSH known_hosts file " + key.knownHosts());
        }
        File homeDir = home.toFile();
        Map<String, String> options = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        options.put(SshConstants.STRICT_HOST_KEY_CHECKING, "yes");
        options.put(SshConstants.USER_KNOWN_HOSTS_FILE, key.knownHosts().toString());
        options.put(SshConstants.GLOBAL_KNOWN_HOSTS_FILE, key.knownHosts().toString());
        options.put(SshConstants.IDENTITY_FILE, key.privateKey().toString());
        options.put(SshConstants.IDENTITIES_ONLY, "yes");
        options.put(SshConstants.PREFERRED_AUTHENTICATIONS, "publickey");
        options.put(SshConstants.BATCH_MODE, "yes");
        SshConfigStore.HostConfig hostConfig = new PinnedHostConfig(options);
        SshConfigStore store = new SshConfigStore() {
            @Override
            public HostConfig lookup(String hostName, int port, String userName) {
                return hostConfig;
            }

            @Override
            public HostConfig lookupDefault(String hostName, int port, String userName) {
                return hostConfig;
            }
        };
        sshFactory = new SshdSessionFactoryBuilder()
                .setHomeDirectory(homeDir)
                .setSshDirectory(homeDir)
                .setConfigStoreFactory((h, f, user) -> store)
                .setDefaultKnownHostsFiles(dir -> List.of(key.knownHosts()))
                .setDefaultIdentities(dir -> List.of(key.privateKey()))
                .setPreferredAuthentications("publickey")
                .build(null);
        return sshFactory;
    }

    @Override
    public void close() {
        if (sshFactory != null) {
            sshFactory.close();
            sshFactory = null;
        }
    }

    /** The one host configuration every host gets: the options above, nothing from an ssh config file. */
    private record PinnedHostConfig(Map<String, String> options) implements SshConfigStore.HostConfig {
        @Override
        public String getValue(String key) {
            return options.get(key);
        }

        @Override
        public List<String> getValues(String key) {
            String v = options.get(key);
            return v == null ? List.of() : List.of(v);
        }

        @Override
        public Map<String, String> getOptions() {
            return options;
        }

        @Override
        public Map<String, List<String>> getMultiValuedOptions() {
            Map<String, List<String>> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String k : List.of(SshConstants.USER_KNOWN_HOSTS_FILE, SshConstants.GLOBAL_KNOWN_HOSTS_FILE,
                    SshConstants.IDENTITY_FILE)) {
                m.put(k, List.of(options.get(k)));
            }
            return m;
        }
    }
}
