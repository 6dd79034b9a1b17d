package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.xdprecon.daemon.JournalLogging;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.git.GitLocationResolver;
import org.apache.sshd.git.pack.GitPackCommandFactory;
import org.apache.sshd.server.SshServer;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitSource over ssh:// against an Apache MINA SSHD server on 127.0.0.1 that serves the fixture's bare
 * repository with public-key authentication; the client side is JGit's Apache MINA transport.
 */
class GitSourceSshTest {

    @TempDir
    Path tmp;
    GitFixture fx;
    SshServer server;
    KeyPair hostKey;
    KeyPair clientKey;
    Path privateKeyFile;

    @BeforeEach
    void setUp() throws Exception {
        fx = new GitFixture(tmp);
        hostKey = ecKey();
        clientKey = ecKey();
        privateKeyFile = tmp.resolve("id_ecdsa");
        try (OutputStream out = Files.newOutputStream(privateKeyFile)) {
            new OpenSSHKeyPairResourceWriter().writePrivateKey(clientKey, "xdprecon-test", null, out);
        }
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) ->
                user.equals("git") && KeyUtils.compareKeys(key, clientKey.getPublic()));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setCommandFactory(new GitPackCommandFactory(GitLocationResolver.constantPath(tmp)));
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.stop(true);
        }
        fx.close();
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private String url() {
        return "ssh://git@127.0.0.1:" + server.getPort() + "/remote.git";
    }

    private Path knownHosts(String name, KeyPair key) throws Exception {
        return Files.writeString(tmp.resolve(name),
                "[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(key.getPublic()) + "\n");
    }

    private GitSource source(Path knownHosts, Path state) {
        return new GitSource(new GitSource.Settings(url(), "main", "flows.yaml", state,
                new GitCredentials.SshKey(privateKeyFile, knownHosts), Optional.empty(), Duration.ofSeconds(20)));
    }

    @Test
    void clonesAndFetchesOverSsh() throws Exception {
        RevCommit first = fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        try (GitSource source = source(knownHosts("known_hosts", hostKey), tmp.resolve("state"))) {
            Revision r = source.poll();
            assertEquals(first.name(), r.id());
            assertEquals(url() + "@" + first.name().substring(0, 12) + ":flows.yaml", r.name());
            RevCommit second = fx.commit("flows.yaml", "flows: [] # 2\n", "second");
            fx.push();
            assertEquals(second.name(), source.poll().id());
            assertEquals("flows: [] # 2\n", source.poll().text());
        }
    }

    @Test
    void aWrongHostKeyIsRefused() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        try (GitSource source = source(knownHosts("known_hosts_wrong", ecKey()), tmp.resolve("state"))) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + url() + ": ")
                    && e.getMessage().contains("Server key did not validate"), e.getMessage());
        }
    }

    @Test
    void anUnknownHostIsRefused() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        Path empty = Files.writeString(tmp.resolve("known_hosts_empty"), "");
        try (GitSource source = source(empty, tmp.resolve("state"))) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + url() + ": ")
                    && e.getMessage().contains("Server key did not validate"), e.getMessage());
        }
        assertEquals("", Files.readString(empty), "an unknown host key is not added to known_hosts");
    }

    @Test
    void aKeyTheServerDoesNotKnowIsRefused() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        try (OutputStream out = Files.newOutputStream(privateKeyFile)) {
            new OpenSSHKeyPairResourceWriter().writePrivateKey(ecKey(), "stranger", null, out);
        }
        try (GitSource source = source(knownHosts("known_hosts", hostKey), tmp.resolve("state"))) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + url() + ": ")
                    && e.getMessage().contains("Cannot log in at 127.0.0.1"), e.getMessage());
        }
    }

    /**
     * JGit and Apache MINA SSHD log through SLF4J, bound to java.util.logging: their lines reach the one handler
     * the daemon writes to the journal — at debug, and at info only their warnings.
     */
    @Test
    void jgitAndSshLinesReachTheDaemonsLogAtDebugAndOnlyTheirWarningsAtInfo() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        List<LogRecord> debug = logged(JournalLogging.LogLevel.DEBUG, tmp.resolve("state-debug"));
        assertTrue(debug.stream().anyMatch(r -> r.getLoggerName().startsWith("org.apache.sshd.")), "SSHD's lines");
        assertTrue(debug.stream().anyMatch(r -> r.getLoggerName().startsWith("org.eclipse.jgit.")), "JGit's lines");
        List<LogRecord> info = logged(JournalLogging.LogLevel.INFO, tmp.resolve("state-info"));
        List<String> chatter = info.stream().filter(r -> r.getLevel().intValue() < Level.WARNING.intValue()
                && !r.getLoggerName().startsWith("io.xdprecon.")).map(r -> r.getLevel() + " " + r.getLoggerName()
                + ": " + r.getMessage()).toList();
        assertTrue(chatter.isEmpty(), "libraries held at warnings: " + chatter);
    }

    private List<LogRecord> logged(JournalLogging.LogLevel level, Path state) throws Exception {
        JournalLogging.install(level, JournalLogging.Format.TEXT);
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (isLoggable(record)) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        for (Handler console : root.getHandlers()) {
            root.removeHandler(console); // the same records, kept out of the build's output
        }
        root.addHandler(capture);
        try (GitSource source = source(knownHosts("known_hosts", hostKey), state)) {
            source.poll();
        } finally {
            LogManager.getLogManager().readConfiguration(); // the test JVM's own logging again
        }
        return records;
    }
}
