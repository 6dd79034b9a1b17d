package io.xdprecon.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Requests to the running daemon's admin endpoint ({@code status}, {@code sessions}, {@code suspend}, {@code resume}). */
final class AdminClient {
    private AdminClient() {}

    /** Why nothing answered at the admin address, in words that end a sentence ("refused the connection"). */
    static final class UnreachableException extends Exception {
        UnreachableException(String why) {
            super(why);
        }
    }

    /** The body of a 200 answer to {@code GET path}; any other status is a {@link CliException} with the daemon's words. */
    static String get(String admin, String path, Duration timeout) throws UnreachableException {
        return send(admin, HttpRequest.newBuilder(uri(admin, path)).GET(), 200, timeout);
    }

    /**
     * {@code POST path} with an empty body and {@code Authorization: Bearer token}, answered with 204; any other
     * status is a {@link CliException} with the daemon's words.
     */
    static void post(String admin, String path, String token, Duration timeout) throws UnreachableException {
        send(admin, HttpRequest.newBuilder(uri(admin, path)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()), 204, timeout);
    }

    private static String send(String admin, HttpRequest.Builder request, int expected, Duration timeout)
            throws UnreachableException {
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            response = client.send(request.timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new UnreachableException("did not answer within " + timeout.toMillis() + " ms");
        } catch (HttpTimeoutException e) {
            throw new UnreachableException("accepted the connection but did not answer within " + timeout.toMillis() + " ms");
        } catch (ConnectException e) {
            throw new UnreachableException("refused the connection");
        } catch (IOException e) {
            throw new UnreachableException("failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("was interrupted");
        }
        if (response.statusCode() != expected) {
            throw new CliException("the daemon at " + admin + " answered " + response.statusCode() + ": "
                    + response.body().strip());
        }
        return response.body();
    }

    static URI uri(String hostPort, String path) {
        String hp = hostPort.strip();
        int colon = hp.lastIndexOf(':');
        if (colon <= 0 || colon == hp.length() - 1 || (hp.indexOf(':') != colon && !hp.startsWith("["))) {
            throw new UsageException("--admin wants HOST:PORT (IPv6 as [::1]:9477), not '" + hostPort + "'");
        }
        try {
            int port = Integer.parseInt(hp.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            URI uri = URI.create("http://" + hp + path);
            if (uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--admin wants HOST:PORT with a port 1..65535, not '" + hostPort + "'");
        }
    }
}
