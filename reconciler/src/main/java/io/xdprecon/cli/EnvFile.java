package io.xdprecon.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's env file ({@code /etc/xdprecon/xdprecon.env}, the unit's {@code EnvironmentFile=}): what the daemon
 * runs with on this node, so that {@code xdprecon plan} or {@code status} there ask about the same source, node,
 * pin root and admin address without repeating them. Read as systemd reads it: {@code KEY=value} lines, {@code #}
 * comments, a value optionally in single or double quotes. Absent or unreadable (a user outside the daemon's
 * group), it is empty.
 */
record EnvFile(Path path, Map<String, String> values) {
    static final Path DEFAULT = Path.of("/etc/xdprecon/xdprecon.env");
    /** Set in the environment, the env file read instead of {@link #DEFAULT}; an empty value reads none. */
    static final String LOCATION_VARIABLE = "XDPRECON_ENV_FILE";
    static final EnvFile NONE = new EnvFile(Path.of("/dev/null"), Map.of());

    private static final Pattern LINE = Pattern.compile("\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(.*?)\\s*");

    /** The env file this process reads: {@value #LOCATION_VARIABLE}, else {@link #DEFAULT}. */
    static EnvFile ofProcess() {
        String location = System.getenv(LOCATION_VARIABLE);
        if (location != null && location.isBlank()) {
            return NONE;
        }
        return read(location != null ? Path.of(location) : DEFAULT);
    }

    /** {@code file}'s variables; none when it does not exist or cannot be read. */
    static EnvFile read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return new EnvFile(file, Map.of());
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                values.put(m.group(1), unquote(m.group(2)));
            }
        }
        return new EnvFile(file, Map.copyOf(values));
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    /** A variable's value, when set and not empty. */
    Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key)).filter(v -> !v.isBlank());
    }

    /** {@code XDPRECON_OPTS} as words (the unit passes it unquoted, so split on white space as the shell does). */
    List<String> options() {
        return get("XDPRECON_OPTS").map(v -> List.of(v.strip().split("\\s+"))).orElse(List.of());
    }

    /** Where a default came from, for messages: "XDPRECON_NODE in /etc/xdprecon/xdprecon.env". */
    String origin(String key) {
        return key + " in " + path;
    }

    /** The variables that name option defaults, by the option's long name. */
    static final Map<String, String> OPTION_VARIABLES = Map.of(
            "--node", "XDPRECON_NODE",
            "--pin-root", "XDPRECON_PIN_ROOT",
            "--admin", "XDPRECON_ADMIN",
            "--state-dir", "XDPRECON_STATE_DIR");

    /** The further variables {@code run} takes, as the unit passes them. */
    static final Map<String, String> RUN_VARIABLES = Map.of(
            "--source", "XDPRECON_SOURCE",
            "--interval", "XDPRECON_INTERVAL",
            "--drift", "XDPRECON_DRIFT");
}
