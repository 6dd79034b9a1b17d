package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Username/password (token) authentication over HTTP: the JDK's HttpServer with basic authentication serves the
 * fixture's bare repository with Git's "dumb" HTTP protocol (static files: info/refs, objects/info/packs, packs and
 * loose objects), which JGit falls back to when the server does not speak the smart protocol. TLS itself is the
 * JDK's business and is not exercised here.
 */
class GitSourceHttpTest {

    @TempDir
    Path tmp;
    GitFixture fx;
    HttpServer server;

    @BeforeEach
    void setUp() throws Exception {
        fx = new GitFixture(tmp);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::serve).setAuthenticator(new BasicAuthenticator("git") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return user.equals("deploy") && password.equals("s3cr3t-token");
            }
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
        fx.close();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            Path file = tmp.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(fx.remote) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** What `git update-server-info` writes, so that the bare repository can be served as static files. */
    private void updateServerInfo() throws IOException {
        try (Repository repo = new FileRepositoryBuilder().setGitDir(fx.remote.toFile()).build()) {
            StringBuilder refs = new StringBuilder();
            for (Ref ref : repo.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
                refs.append(ref.getObjectId().name()).append('\t').append(ref.getName()).append('\n');
            }
            Files.createDirectories(fx.remote.resolve("info"));
            Files.writeString(fx.remote.resolve("info/refs"), refs);
        }
        StringBuilder packs = new StringBuilder();
        Path packDir = fx.remote.resolve("objects/pack");
        if (Files.isDirectory(packDir)) {
            try (Stream<Path> s = Files.list(packDir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pack")).sorted()
                        .forEach(n -> packs.append("P ").append(n).append('\n'));
            }
        }
        Files.createDirectories(fx.remote.resolve("objects/info"));
        Files.writeString(fx.remote.resolve("objects/info/packs"), packs.append('\n'));
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/remote.git";
    }

    private GitSource source(GitCredentials auth, String state) {
        return new GitSource(new GitSource.Settings(url(), "main", "flows.yaml", tmp.resolve(state), auth,
                Optional.empty(), Duration.ofSeconds(10)));
    }

    @Test
    void fetchesWithATokenFromAFile() throws Exception {
        RevCommit first = fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        updateServerInfo();
        Path secret = Files.writeString(tmp.resolve("token"), "s3cr3t-token\n");
        try (GitSource source = source(GitCredentials.Https.fromFile("deploy", secret), "state")) {
            Revision r = source.poll();
            assertEquals(first.name(), r.id());
            assertEquals("flows: []\n", r.text());

            RevCommit second = fx.commit("flows.yaml", "flows: [] # 2\n", "second");
            fx.push();
            updateServerInfo();
            assertEquals(second.name(), source.poll().id());
        }
    }

    @Test
    void missingOrWrongCredentialsAreRefused() throws Exception {
        fx.commit("flows.yaml", "flows: []\n", "first");
        fx.push();
        updateServerInfo();
        try (GitSource source = source(new GitCredentials.None(), "state1")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + url() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("uthentication is required"), e.getMessage());
        }
        try (GitSource source = source(new GitCredentials.Https("deploy", "wrong".toCharArray()), "state2")) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().startsWith("cannot fetch " + url() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("not authorized"), e.getMessage());
            assertTrue(!e.getMessage().contains("wrong"), "the secret is not in the message: " + e.getMessage());
        }
    }
}
