package io.xdprecon.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the running daemon's admin endpoint is, for the commands that ask it (status, sessions, suspend, resume). */
final class AdminEndpoint {
    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9477",
            description = "The daemon's admin address (default: ${DEFAULT-VALUE}). IPv6 as [::1]:9477.")
    String admin;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "3s", hidden = true,
            converter = DurationConverter.class)
    Duration timeout;

    /** Refuses an address that is not HOST:PORT, as a usage error, before anything is done. */
    void check() {
        AdminClient.uri(admin, "/");
    }

    /** The body of a 200 answer to {@code GET path}. */
    String get(String path) throws AdminClient.UnreachableException {
        return AdminClient.get(admin, path, timeout);
    }

    /** {@code POST path} with the bearer {@code token}, answered 204. */
    void post(String path, String token) throws AdminClient.UnreachableException {
        AdminClient.post(admin, path, token, timeout);
    }
}
