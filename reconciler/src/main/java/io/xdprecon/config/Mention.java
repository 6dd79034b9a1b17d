package io.xdprecon.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where another value stands, inside a problem's message — "is already the name of the flow at line 19" —
 * kept as the value's pointer until the message is placed: a flow's position is not kept after it is read
 * (the file is read again to find it, only when a problem needs it), and the other value may stand in
 * another file, which the message then names. NUL, which YAML text cannot hold, marks the pointer.
 */
final class Mention {
    private static final char MARK = '\0';

    private Mention() {}

    /** A mention of the value at {@code pointer}; reads "line N" in its own file, "FILE:LINE:COL" from another. */
    static String of(String pointer) {
        return MARK + pointer + MARK;
    }

    /** The pointers mentioned in {@code message}. */
    static List<String> in(String message) {
        List<String> pointers = new ArrayList<>();
        for (int start = message.indexOf(MARK); start >= 0; ) {
            int end = message.indexOf(MARK, start + 1);
            pointers.add(message.substring(start + 1, end));
            start = message.indexOf(MARK, end + 1);
        }
        return pointers;
    }

    /** {@code message} with each mention replaced by {@code where.apply(pointer)}. */
    static String render(String message, Function<String, String> where) {
        int start = message.indexOf(MARK);
        if (start < 0) {
            return message;
        }
        StringBuilder text = new StringBuilder();
        int from = 0;
        while (start >= 0) {
            int end = message.indexOf(MARK, start + 1);
            text.append(message, from, start).append(where.apply(message.substring(start + 1, end)));
            from = end + 1;
            start = message.indexOf(MARK, from);
        }
        return text.append(message, from, message.length()).toString();
    }
}
