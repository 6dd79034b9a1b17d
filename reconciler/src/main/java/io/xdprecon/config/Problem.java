package io.xdprecon.config;

/**
 * A problem found while reading a config, before it becomes a {@link ConfigError}: most are attached to a
 * value by its JSON pointer (the {@link SourceMap} knows where that value stands in the file), the YAML
 * reader's own ones to a position directly.
 */
sealed interface Problem {
    String message();

    /** At the value that {@code pointer} names. */
    record AtValue(String pointer, String message) implements Problem {}

    /** At the key that names the value {@code pointer} points at, e.g. an unknown property. */
    record AtKey(String pointer, String message) implements Problem {}

    /** At a position with no pointer: YAML syntax, a duplicate key (its pointer is the first one's). */
    record AtPosition(int line, int column, String message) implements Problem {}

    /** The same problem with {@code suffix} added to its message. */
    default Problem append(String suffix) {
        return switch (this) {
            case AtValue v -> new AtValue(v.pointer(), v.message() + suffix);
            case AtKey k -> new AtKey(k.pointer(), k.message() + suffix);
            case AtPosition p -> new AtPosition(p.line(), p.column(), p.message() + suffix);
        };
    }

    /** The pointer this problem is about, or null for a bare position. */
    default String pointerOrNull() {
        return switch (this) {
            case AtValue v -> v.pointer();
            case AtKey k -> k.pointer();
            case AtPosition p -> null;
        };
    }
}
