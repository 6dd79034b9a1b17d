package io.xdprecon.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A config that cannot be used, with every problem found in it (never just the first): the loader reports
 * all of a file's errors at once so one edit-and-retry round fixes them all.
 *
 * <p>Unchecked so that callers that only pass a config along need not declare it; the CLI catches it and
 * prints {@link #lines()}.
 */
public final class ConfigException extends RuntimeException {
    /** How many errors {@link #lines()} shows, as javac's default {@code -Xmaxerrs}. */
    public static final int SHOWN = 100;

    private final List<ConfigError> errors;
    private final int unkept;

    public ConfigException(List<ConfigError> errors) {
        this(errors, 0);
    }

    /**
     * @param unkept  more errors found but not kept (a file's flows keep their first 10,000): counted in {@link #count}
     *                and in the last line of {@link #lines}
     */
    public ConfigException(List<ConfigError> errors, int unkept) {
        super(summary(errors, unkept));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
        this.unkept = unkept;
    }

    /** Every problem kept, sorted by file position. */
    public List<ConfigError> errors() {
        return errors;
    }

    /** How many problems were found: those kept, and those only counted. */
    public int count() {
        return errors.size() + unkept;
    }

    /**
     * The errors as a person is shown them: the first {@link #SHOWN} one per line, then one line counting
     * the rest. A file with thousands of errors is fixed from the top; printing them all only floods the
     * terminal, the log and {@code /status}.
     */
    public List<String> lines() {
        return lines(errors, unkept);
    }

    private static List<String> lines(List<ConfigError> errors, int unkept) {
        List<String> lines = new ArrayList<>(Math.min(errors.size(), SHOWN) + 1);
        errors.stream().limit(SHOWN).forEach(error -> lines.add(error.toString()));
        int count = errors.size() + unkept;
        if (count > lines.size()) {
            lines.add("... and " + (count - lines.size()) + " more errors (" + lines.size() + " of " + count + " shown)");
        }
        return lines;
    }

    private static String summary(List<ConfigError> errors, int unkept) {
        int count = errors.size() + unkept;
        return count + (count == 1 ? " config error" : " config errors") + ":\n" + String.join("\n", lines(errors, unkept));
    }
}
