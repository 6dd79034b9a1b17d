package io.xdprecon.daemon.admin;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may ask the daemon to suspend or resume: a local operator's own request, with the daemon's token — not
 * a web page (CSRF, DNS rebinding), not a request relayed by a proxy that a remote user can reach.
 */
final class ControlRequests {
    /** Headers a proxy adds when it relays a request. */
    static final List<String> PROXY_HEADERS = List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Host",
            "X-Forwarded-Proto", "X-Real-IP", "Via");
    /** Headers only browsers send; the CLI and curl send neither. */
    static final List<String> BROWSER_HEADERS = List.of("Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode");

    private static final Pattern LOOPBACK_HOST = Pattern.compile(
            "(?i)(localhost|127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[(::1|0:0:0:0:0:0:0:1)\\])(:\\d{1,5})?");
    private static final String BEARER = "Bearer ";

    private ControlRequests() {}

    /** Why this request is not a local operator's own, or empty when nothing says so. */
    static Optional<String> foreign(Headers headers) {
        for (String name : BROWSER_HEADERS) {
            if (headers.containsKey(name)) {
                return Optional.of("a browser's request (" + name + " header)");
            }
        }
        for (String name : PROXY_HEADERS) {
            if (headers.containsKey(name)) {
                return Optional.of("relayed by a proxy (" + name + " header)");
            }
        }
        List<String> hosts = headers.get("Host");
        if (hosts == null || hosts.size() != 1 || !LOOPBACK_HOST.matcher(hosts.getFirst().strip()).matches()) {
            return Optional.of("the Host header must name a loopback address (localhost, 127.0.0.1, [::1])");
        }
        return Optional.empty();
    }

    /** Whether the request carries {@code Authorization: Bearer <token>}; never with no token. */
    static boolean authorized(Headers headers, String token) {
        List<String> values = headers.get("Authorization");
        if (token == null || token.isEmpty() || values == null || values.size() != 1
                || !values.getFirst().regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = values.getFirst().substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), given);
    }
}
