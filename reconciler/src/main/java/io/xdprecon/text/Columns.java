package io.xdprecon.text;

import java.util.ArrayList;
import java.util.List;

/**
 * What a person reads in a terminal fits {@link #WIDTH} columns: tables cut their widest cells (see the commands),
 * and messages — plan warnings and errors, check findings — are broken at spaces. Machine output ({@code --json},
 * plan files) is never wrapped.
 */
public final class Columns {
    /** The width output for people fits: a common terminal, and what a wrapped line in a log viewer still shows. */
    public static final int WIDTH = 120;

    /** Bytes in hex, a ':' between each. */
    private static final java.util.regex.Pattern BYTES = java.util.regex.Pattern.compile("(\\p{XDigit}{2}:)+\\p{XDigit}{2}");

    private Columns() {}

    /**
     * {@code text} broken at spaces into lines of at most {@code width} columns, the first starting with
     * {@code first} and the others with {@code rest} (a hanging indent); its own line breaks are kept. A word longer
     * than a line (a path, a URL, a command) stays whole on a line of its own: cut, it could not be copied. A byte
     * string ({@code 6d:5a:...}, an RSS key of 40 or 52 bytes) is the exception: it breaks after a ':'.
     */
    public static List<String> wrap(String text, int width, String first, String rest) {
        if (first.length() + text.length() <= width && text.indexOf('\n') < 0) {
            return List.of(first + text); // as written, spaces and all
        }
        List<String> lines = new ArrayList<>();
        String prefix = first;
        for (String paragraph : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder(prefix);
            int start = prefix.length();
            for (String word : words(paragraph, width - rest.length())) {
                if (line.length() > start && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line = new StringBuilder(rest);
                    start = rest.length();
                }
                if (line.length() > start) {
                    line.append(' ');
                }
                line.append(word);
            }
            lines.add(line.toString());
            prefix = rest;
        }
        return lines;
    }

    /** The words of {@code paragraph}; a byte string longer than {@code room} in pieces that fit, each ending in ':'. */
    private static List<String> words(String paragraph, int room) {
        List<String> words = new ArrayList<>();
        for (String word : paragraph.split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.length() <= room || room < 3 || !BYTES.matcher(word).matches()) {
                words.add(word);
                continue;
            }
            int piece = room / 3 * 3; // whole "hh:" bytes
            for (int at = 0; at < word.length(); at += piece) {
                words.add(word.substring(at, Math.min(word.length(), at + piece)));
            }
        }
        return words;
    }
}
