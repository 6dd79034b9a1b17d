package io.xdprecon.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A config that cannot be used, with every problem found in it (never just the first): the loader reports
 * all of a file's errors at once so one edit-and-retry round fixes them all.
 *
 * <p>Unchecked so that callers that only pass a config along need not declare it; the CLI catches it and
 * prints {@link #errors()} one per line.
 */
public final class ConfigException extends RuntimeException {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(summary(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** Every problem, sorted by file position. */
    public List<ConfigError> errors() {
        return errors;
    }

    private static String summary(List<ConfigError> errors) {
        return errors.size() + (errors.size() == 1 ? " config error" : " config errors") + ":\n"
                + errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n"));
    }
}
