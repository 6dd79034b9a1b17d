package io.xdprecon.text;

/**
 * Makes text that quotes input safe to show: every character that a terminal or a log reader would act on
 * instead of display is written as an escape. So a config key holding a line break cannot forge a second log
 * line, {@code ESC[2J} cannot clear a screen, and a bidirectional override cannot reorder what is read.
 *
 * <p>Escaped: the C0 controls and DEL ({@code \n}, {@code \r}, {@code \t} by name, the rest as {@code \xHH}),
 * the C1 controls (U+0080 to U+009F), the line and paragraph separators (U+2028, U+2029) and the bidirectional
 * embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069), these as a backslash, 'u' and four
 * hex digits. Everything else, backslashes included, is left as it is: the result is for reading, not for
 * parsing back.
 */
public final class Escape {
    private Escape() {}

    /** {@code text} on one line: every control escaped, line breaks too. */
    public static String line(String text) {
        return escape(text, false);
    }

    /** {@code text} keeping its line breaks ({@code \n}), every other control escaped: for multi-line messages. */
    public static String lines(String text) {
        return escape(text, true);
    }

    /** {@code text} quoted as a value in a message: {@code 'text'}, escaped as {@link #line}. */
    public static String quote(String text) {
        return "'" + line(text) + "'";
    }

    private static String escape(String text, boolean keepNewlines) {
        int first = 0;
        while (first < text.length() && !escaped(text.charAt(first), keepNewlines)) {
            first++;
        }
        if (first == text.length()) {
            return text; // the common case: nothing to do, nothing allocated
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!escaped(c, keepNewlines)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x80) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean escaped(char c, boolean keepNewlines) {
        if (c < 0x20) {
            return !(keepNewlines && c == '\n');
        }
        return c == 0x7f || c >= 0x80 && c <= 0x9f || c == 0x2028 || c == 0x2029
                || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069;
    }
}
