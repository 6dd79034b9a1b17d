package io.xdprecon.config;

import io.xdprecon.text.Escape;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One problem in a config file, where it is and what is wrong: {@code file:line:col: message}, as compilers
 * print it so editors and terminals jump to the spot. Lines and columns count from 1; a problem with the
 * file as a whole (it cannot be read) has line and column 0 and prints as {@code file: message}.
 *
 * @param message  names the place (e.g. {@code flows[2].listen.port}) and quotes the offending value; control
 *                 characters in it are escaped ({@link Escape#line}), so it is one line, safe for a terminal; one
 *                 longer than {@link #MAX_MESSAGE} characters (a value of a megabyte quoted) is cut in the middle
 */
public record ConfigError(Path file, int line, int column, String message) implements Comparable<ConfigError> {
    /** The longest message kept: its start names the place and value, its end says what is wrong. */
    static final int MAX_MESSAGE = 600;

    public ConfigError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException("line and column count from 1 (0: the whole file): " + line + ":" + column);
        }
        message = Escape.line(shortened(message)); // it quotes the file: a key with a line break must not make a second line
    }

    private static String shortened(String message) {
        if (message.length() <= MAX_MESSAGE) {
            return message;
        }
        int head = MAX_MESSAGE * 2 / 3;
        int tail = message.length() - MAX_MESSAGE / 3;
        head -= Character.isHighSurrogate(message.charAt(head - 1)) ? 1 : 0; // a character is not cut in two
        tail += Character.isLowSurrogate(message.charAt(tail)) ? 1 : 0;
        return message.substring(0, head) + "[... " + (tail - head) + " characters ...]" + message.substring(tail);
    }

    /** A problem with the file as a whole, not at a position in it. */
    public static ConfigError ofFile(Path file, String message) {
        return new ConfigError(file, 0, 0, message);
    }

    /** Errors of one file read top to bottom. */
    @Override
    public int compareTo(ConfigError other) {
        int byLine = Integer.compare(line, other.line);
        if (byLine != 0) {
            return byLine;
        }
        int byColumn = Integer.compare(column, other.column);
        return byColumn != 0 ? byColumn : message.compareTo(other.message);
    }

    @Override
    public String toString() {
        String name = Escape.line(file.toString());
        return line == 0 ? name + ": " + message : name + ":" + line + ":" + column + ": " + message;
    }
}
