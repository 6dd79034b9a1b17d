package io.xdprecon.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The YAML configs are written in, scanned line by line into the events SnakeYAML's parser gives for the same
 * text ({@link YamlEvents}), several times faster: block mappings and sequences (compact {@code - key: value}
 * items and sequences at their key's indentation included), flow mappings and sequences (also across lines),
 * plain, single- and double-quoted scalars on one line, comments and blank lines.
 *
 * <p>Anything else — anchors, aliases, tags, block scalars, multi-line plain or quoted scalars, directives and
 * document markers, escapes, tabs, CR line ends, a byte order mark, characters YAML does not allow, and every
 * syntax error — throws {@link Unsupported}: the caller then reads the text again through
 * {@link SnakeYamlEvents}, which handles all of YAML and words the errors. This scanner never decides anything
 * the general one would decide otherwise; {@code FastYamlEventsTest} compares both, event by event and position
 * by position, over the configs of the repository, generated ones and mutations of them.
 */
final class FastYamlEvents extends EventCursor {
    /** Outside what this scanner reads: read the text with {@link SnakeYamlEvents} instead. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String why, int line) {
            super(why + " (line " + line + ")", null, false, false);
        }
    }

    private static final int MAX_SIMPLE_KEY = 1024;
    /** Characters no plain scalar starts with (but see {@link #plainStart}). */
    private static final boolean[] INDICATOR = ascii("-?:,[]{}#&*!|>'\"%@`");
    /** Characters that end a plain scalar in a flow collection, and that end it after a ':' there. */
    private static final boolean[] FLOW_END = ascii(",?[]{}");
    private static final boolean[] FLOW_INDICATOR = ascii(",[]{}");

    private final Reader in;
    private char[] buf = new char[1 << 16];
    private int filled;
    private int next; // where the next line starts in buf
    private boolean eof;
    private int lineStart;
    private int lineEnd;
    private int lineNo;

    // Events scanned but not yet handed out, first-in first-out.
    private Kind[] kinds = new Kind[64];
    private int[] lines = new int[64];
    private int[] columns = new int[64];
    private String[] values = new String[64];
    private boolean[] plains = new boolean[64];
    private int head;
    private int tail;

    // The open block collections, innermost last.
    private int[] indents = new int[16];
    private boolean[] maps = new boolean[16];
    private boolean[] indentless = new boolean[16];
    private int depth;
    /**
     * Flow collections open around the current node. Past SnakeYAML's nesting bound (50) the tree way, which
     * reports it, reads the text.
     */
    private int flowDepth;
    static final int MAX_FLOW_DEPTH = 64;

    // A key or entry whose value was not on its line: a block node below it, or an empty scalar.
    private boolean pending;
    private boolean pendingFromMap;
    private int pendingIndent;
    private int pendingLine;
    private int pendingColumn;

    private boolean started;
    private boolean finished;
    private long charsRead;

    /** Short scalars (keys, interface names, shared addresses) repeat: one String each. */
    private final String[] cache = new String[1024];

    FastYamlEvents(Reader in) {
        super(in);
        this.in = in;
    }

    @Override
    public Kind next() {
        while (head == tail) {
            if (finished) {
                return Kind.END;
            }
            scanLine();
        }
        Kind kind = kinds[head];
        line = lines[head];
        column = columns[head];
        value = values[head];
        plainImplicit = plains[head];
        values[head] = null;
        if (++head == tail) {
            head = 0;
            tail = 0;
        }
        return kind;
    }

    // ---- lines ----

    /** Makes the next line current; false at the end of the text. */
    private boolean readLine() {
        while (true) {
            for (int i = next; i < filled; i++) {
                if (buf[i] == '\n') {
                    startLine(next, i);
                    next = i + 1;
                    return true;
                }
            }
            if (eof) {
                if (next < filled) {
                    startLine(next, filled);
                    next = filled;
                    return true;
                }
                return false;
            }
            fill();
        }
    }

    private void startLine(int start, int end) {
        lineStart = start;
        lineEnd = end;
        lineNo++;
        for (int i = start; i < end; i++) {
            char c = buf[i];
            // Printable ASCII and the BMP outside surrogates, less the line separators YAML 1.1 knows and the BOM:
            // in anything else lines or columns could count differently, or SnakeYAML refuses the character.
            if ((c < 0x20 || c > 0x7e) && (c < 0xa0 || c > 0xd7ff || c == 0x2028 || c == 0x2029)
                    && (c < 0xe000 || c > 0xfffd || c == 0xfeff)) {
                throw unsupported("character U+" + Integer.toHexString(c));
            }
        }
    }

    private void fill() {
        if (next > 0) {
            System.arraycopy(buf, next, buf, 0, filled - next);
            filled -= next;
            lineStart -= next;
            lineEnd -= next;
            next = 0;
        }
        if (filled == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        try {
            int n = in.read(buf, filled, buf.length - filled);
            if (n < 0) {
                eof = true;
            } else {
                filled += n;
                charsRead += n;
                if (charsRead > YamlReader.MAX_CODE_POINTS) {
                    throw unsupported("a text above the size bound"); // SnakeYAML words the refusal
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Unsupported unsupported(String why) {
        return new Unsupported(why, lineNo);
    }

    // ---- block structure ----

    private void scanLine() {
        if (!readLine()) {
            finish();
            return;
        }
        int i = lineStart;
        while (i < lineEnd && buf[i] == ' ') {
            i++;
        }
        if (i == lineEnd || buf[i] == '#') {
            return; // blank or comment
        }
        int indent = i - lineStart;
        if (indent == 0 && (buf[i] == '%' || startsMarker(i, '-') || startsMarker(i, '.'))) {
            throw unsupported("directive or document marker");
        }
        if (!started) {
            started = true;
            pending = true;
            pendingFromMap = false;
            pendingIndent = -1;
        }
        if (pending) {
            pending = false;
            if (indent > pendingIndent) {
                blockNode(i);
                return;
            }
            if (pendingFromMap && indent == pendingIndent && dash(i)) {
                push(indent, false, true);
                emit(Kind.SEQUENCE_START, null, false, lineNo, indent + 1);
                entry(i);
                return;
            }
            emit(Kind.SCALAR, "", true, pendingLine, pendingColumn);
        }
        while (depth > 0) {
            int top = depth - 1;
            if (indents[top] > indent || indents[top] == indent && indentless[top] && !dash(i)) {
                depth--;
                emit(maps[top] ? Kind.MAPPING_END : Kind.SEQUENCE_END, null, false, lineNo, indent + 1);
            } else {
                break;
            }
        }
        if (depth == 0 || indents[depth - 1] != indent) {
            throw unsupported("indentation");
        }
        if (maps[depth - 1]) {
            if (!keyEntry(i)) {
                throw unsupported("not a key");
            }
        } else if (dash(i)) {
            entry(i);
        } else {
            throw unsupported("not an entry");
        }
    }

    private boolean startsMarker(int i, char c) {
        return lineEnd - i >= 3 && buf[i] == c && buf[i + 1] == c && buf[i + 2] == c
                && (lineEnd - i == 3 || buf[i + 3] == ' ');
    }

    private void finish() {
        if (pending) {
            pending = false;
            if (pendingIndent >= 0) {
                emit(Kind.SCALAR, "", true, pendingLine, pendingColumn);
            }
        }
        while (depth > 0) {
            depth--;
            emit(maps[depth] ? Kind.MAPPING_END : Kind.SEQUENCE_END, null, false, lineNo, 1);
        }
        emit(Kind.END, null, false, lineNo, 1);
        finished = true;
    }

    /** A node that starts its line at {@code i}: a block collection opens there, or it is a value on its own. */
    private void blockNode(int i) {
        int col = i - lineStart;
        if (dash(i)) {
            push(col, false, false);
            emit(Kind.SEQUENCE_START, null, false, lineNo, col + 1);
            entry(i);
        } else if (keyEnd(i) >= 0) {
            push(col, true, false);
            emit(Kind.MAPPING_START, null, false, lineNo, col + 1);
            keyEntry(i);
        } else {
            inlineValue(i);
        }
    }

    /** {@code - ...} at {@code i}, the innermost collection being its sequence. */
    private void entry(int i) {
        int k = skipSpaces(i + 1);
        if (k == lineEnd || buf[k] == '#') {
            setPending(false, i - lineStart, i - lineStart + 2);
            return;
        }
        int col = k - lineStart;
        if (dash(k)) {
            push(col, false, false);
            emit(Kind.SEQUENCE_START, null, false, lineNo, col + 1);
            entry(k);
        } else if (keyEnd(k) >= 0) {
            push(col, true, false);
            emit(Kind.MAPPING_START, null, false, lineNo, col + 1);
            keyEntry(k);
        } else {
            inlineValue(k);
        }
    }

    /** {@code key: ...} at {@code i}, the innermost collection being its mapping; false if it is no key. */
    private boolean keyEntry(int i) {
        int colon = keyEnd(i);
        if (colon < 0) {
            return false;
        }
        int col = i - lineStart;
        scalarAt(i, col + 1);
        int k = skipSpaces(colon + 1);
        if (k == lineEnd || buf[k] == '#') {
            setPending(true, indents[depth - 1], colon - lineStart + 2);
            return true;
        }
        if (dash(k)) {
            throw unsupported("a sequence on its key's line");
        }
        inlineValue(k);
        return true;
    }

    /** Where the {@code :} of a simple key starting at {@code i} is, or -1 if no key starts there. */
    private int keyEnd(int i) {
        int end;
        char c = buf[i];
        if (c == '"' || c == '\'') {
            end = quotedEnd(i, false);
            if (end < 0) {
                return -1;
            }
        } else if (plainStart(i, false)) {
            end = plainEnd(i, false);
        } else {
            return -1;
        }
        if (end - i > MAX_SIMPLE_KEY) {
            throw unsupported("a long key");
        }
        int k = skipSpaces(end);
        return k < lineEnd && buf[k] == ':' && (k + 1 == lineEnd || buf[k + 1] == ' ') ? k : -1;
    }

    /** A value on the rest of the line (a scalar or a flow collection), then nothing but a comment. */
    private void inlineValue(int k) {
        int end;
        char c = buf[k];
        if (c == '{' || c == '[') {
            end = flowNode(k);
        } else {
            end = scalarAt(k, k - lineStart + 1);
        }
        int rest = skipSpaces(end);
        if (rest < lineEnd && (buf[rest] != '#' || rest == end)) {
            throw unsupported("more after a value");
        }
    }

    /** Emits the block-context scalar at {@code i}; returns where it ends. */
    private int scalarAt(int i, int col) {
        char c = buf[i];
        if (c == '"' || c == '\'') {
            int end = quotedEnd(i, true);
            if (end < 0) {
                throw unsupported("a quoted scalar");
            }
            emit(Kind.SCALAR, quoted(i, end), false, lineNo, col);
            return end;
        }
        if (!plainStart(i, false)) {
            throw unsupported("an indicator");
        }
        int end = plainEnd(i, false);
        emit(Kind.SCALAR, text(i, end), true, lineNo, col);
        return end;
    }

    private boolean dash(int i) {
        return buf[i] == '-' && (i + 1 == lineEnd || buf[i + 1] == ' ');
    }

    private int skipSpaces(int i) {
        while (i < lineEnd && buf[i] == ' ') {
            i++;
        }
        return i;
    }

    private void setPending(boolean fromMap, int indent, int col) {
        pending = true;
        pendingFromMap = fromMap;
        pendingIndent = indent;
        pendingLine = lineNo;
        pendingColumn = col;
    }

    private void push(int indent, boolean map, boolean isIndentless) {
        if (depth == indents.length) {
            indents = Arrays.copyOf(indents, depth * 2);
            maps = Arrays.copyOf(maps, depth * 2);
            indentless = Arrays.copyOf(indentless, depth * 2);
        }
        indents[depth] = indent;
        maps[depth] = map;
        indentless[depth] = isIndentless;
        depth++;
    }

    // ---- scalars ----

    /**
     * Whether a plain scalar may start at {@code i}: not an indicator, except '-' before a character that
     * cannot end or separate anything ('?' and ':' starts are left to SnakeYAML).
     */
    private boolean plainStart(int i, boolean flow) {
        char c = buf[i];
        if (!in(INDICATOR, c)) {
            return true;
        }
        if (c != '-' || i + 1 >= lineEnd) {
            return false;
        }
        char n = buf[i + 1];
        return n != ' ' && (!flow || !in(FLOW_INDICATOR, n));
    }

    /**
     * Where the plain scalar starting at {@code i} ends on this line, as SnakeYAML's {@code scanPlain} cuts it:
     * chunks separated by spaces, ended by ': ' (in flow context also ':' before a flow indicator, and any of
     * ',?[]{}'), or by ' #'.
     */
    private int plainEnd(int i, boolean flow) {
        int end = i;
        int p = i;
        while (true) {
            if (buf[p] == '#') {
                return end;
            }
            int q = p;
            while (q < lineEnd) {
                char c = buf[q];
                if (c == ' ' || c == ':' && (q + 1 == lineEnd || buf[q + 1] == ' '
                        || flow && in(FLOW_INDICATOR, buf[q + 1])) || flow && in(FLOW_END, c)) {
                    break;
                }
                q++;
            }
            if (q == p) {
                return end;
            }
            end = q;
            int s = skipSpaces(q);
            if (s == q || s == lineEnd) {
                return end;
            }
            p = s;
        }
    }

    /**
     * A set of ASCII characters as a table: looked up for every character of a plain scalar, where a search of a
     * string cost ~0.1 s of the ~0.65 s that a file of 262,000 flows took to parse.
     */
    private static boolean[] ascii(String characters) {
        boolean[] set = new boolean[128];
        characters.chars().forEach(c -> set[c] = true);
        return set;
    }

    private static boolean in(boolean[] set, char c) {
        return c < set.length && set[c];
    }

    /** The end (after the closing quote) of the one-line quoted scalar at {@code i}; -1 if it goes on. */
    private int quotedEnd(int i, boolean strict) {
        char quote = buf[i];
        for (int p = i + 1; p < lineEnd; p++) {
            char c = buf[p];
            if (quote == '"' && c == '\\') {
                if (strict) {
                    throw unsupported("an escape");
                }
                return -1;
            }
            if (c == quote) {
                if (quote == '\'' && p + 1 < lineEnd && buf[p + 1] == '\'') {
                    p++;
                    continue;
                }
                return p + 1;
            }
        }
        return -1;
    }

    private String quoted(int i, int end) {
        if (buf[i] == '\'') {
            String raw = text(i + 1, end - 1);
            return raw.indexOf('\'') >= 0 ? raw.replace("''", "'") : raw;
        }
        return text(i + 1, end - 1);
    }

    private String text(int from, int to) {
        int length = to - from;
        if (length > 24) {
            return new String(buf, from, length);
        }
        int h = length;
        for (int i = from; i < to; i++) {
            h = 31 * h + buf[i];
        }
        int slot = (h ^ (h >>> 10)) & (cache.length - 1);
        String cached = cache[slot];
        if (cached != null && cached.length() == length) {
            boolean same = true;
            for (int i = 0; i < length && same; i++) {
                same = cached.charAt(i) == buf[from + i];
            }
            if (same) {
                return cached;
            }
        }
        String made = new String(buf, from, length);
        cache[slot] = made;
        return made;
    }

    // ---- flow collections ----

    /**
     * The flow node at {@code p} ('{', '[' or a scalar); returns where it ends (on the then current line). Nested at
     * most {@link #MAX_FLOW_DEPTH} deep: this reader recurses, and {@code [[[[…} on one line overflowed the stack.
     */
    private int flowNode(int p) {
        if (flowDepth == MAX_FLOW_DEPTH) {
            throw unsupported("flow collections nested " + MAX_FLOW_DEPTH + " deep");
        }
        flowDepth++;
        try {
            return flowNodeAt(p);
        } finally {
            flowDepth--;
        }
    }

    private int flowNodeAt(int p) {
        char c = buf[p];
        int col = p - lineStart + 1;
        if (c == '{' || c == '[') {
            boolean map = c == '{';
            char close = map ? '}' : ']';
            emit(map ? Kind.MAPPING_START : Kind.SEQUENCE_START, null, false, lineNo, col);
            p = flowSpace(p + 1);
            if (buf[p] == close) {
                emit(map ? Kind.MAPPING_END : Kind.SEQUENCE_END, null, false, lineNo, p - lineStart + 1);
                return p + 1;
            }
            while (true) {
                if (map) {
                    p = flowScalar(p);
                    p = skipSpaces(p);
                    if (p >= lineEnd || buf[p] != ':' || p + 1 >= lineEnd || buf[p + 1] != ' ') {
                        throw unsupported("a flow mapping entry");
                    }
                    p = flowSpace(p + 1);
                    if (buf[p] == ',' || buf[p] == '}') {
                        throw unsupported("an empty flow value");
                    }
                    p = flowNode(p);
                } else {
                    p = flowNode(p);
                }
                p = flowSpace(p);
                if (buf[p] == ',') {
                    p = flowSpace(p + 1);
                    if (buf[p] == close || buf[p] == ',') {
                        throw unsupported("an empty flow entry");
                    }
                } else if (buf[p] == close) {
                    emit(map ? Kind.MAPPING_END : Kind.SEQUENCE_END, null, false, lineNo, p - lineStart + 1);
                    return p + 1;
                } else {
                    throw unsupported("a flow collection");
                }
            }
        }
        return flowScalar(p);
    }

    /** The flow-context scalar at {@code p}, emitted; returns where it ends. */
    private int flowScalar(int p) {
        char c = buf[p];
        int col = p - lineStart + 1;
        if (c == '"' || c == '\'') {
            int end = quotedEnd(p, true);
            if (end < 0) {
                throw unsupported("a quoted scalar");
            }
            emit(Kind.SCALAR, quoted(p, end), false, lineNo, col);
            return end;
        }
        if (!plainStart(p, true)) {
            throw unsupported("an indicator in a flow collection");
        }
        int end = plainEnd(p, true);
        if (skipSpaces(end) == lineEnd) {
            continuesPlain();
        }
        emit(Kind.SCALAR, text(p, end), true, lineNo, col);
        return end;
    }

    /**
     * A plain scalar in a flow collection reached the end of its line: unless the next thing is ',', ']' or '}',
     * SnakeYAML would fold the next line into it.
     */
    private void continuesPlain() {
        for (int i = next; i < filled; i++) {
            char c = buf[i];
            if (c == '\n' || c == ' ') {
                continue;
            }
            if (c == ',' || c == ']' || c == '}') {
                return;
            }
            throw unsupported("a plain scalar over lines");
        }
        throw unsupported("a plain scalar at the end of a buffer");
    }

    /** Skips spaces, comments and line ends inside a flow collection; the next character must exist. */
    private int flowSpace(int p) {
        while (true) {
            boolean spaced = false;
            while (p < lineEnd && buf[p] == ' ') {
                p++;
                spaced = true;
            }
            if (p < lineEnd && buf[p] != '#') {
                return p;
            }
            if (p < lineEnd && !spaced && p > lineStart) {
                throw unsupported("'#' in a flow collection");
            }
            if (!readLine()) {
                throw unsupported("an unclosed flow collection");
            }
            p = lineStart;
            if (p < lineEnd && (buf[p] == '%' || startsMarker(p, '-') || startsMarker(p, '.'))) {
                throw unsupported("a document marker in a flow collection");
            }
        }
    }

    // ---- the queue ----

    private void emit(Kind kind, String text, boolean isPlain, int atLine, int atColumn) {
        if (tail == kinds.length) {
            int size = kinds.length * 2;
            kinds = Arrays.copyOf(kinds, size);
            lines = Arrays.copyOf(lines, size);
            columns = Arrays.copyOf(columns, size);
            values = Arrays.copyOf(values, size);
            plains = Arrays.copyOf(plains, size);
        }
        kinds[tail] = kind;
        lines[tail] = atLine;
        columns[tail] = atColumn;
        values[tail] = text;
        plains[tail] = isPlain;
        tail++;
    }
}
