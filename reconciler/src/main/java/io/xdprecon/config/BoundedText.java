package io.xdprecon.config;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * The text of a config file, refused as soon as it passes a bound on its size or on the length of a line, before
 * any reader holds it: a line is what the YAML readers buffer whole (a 100 MB line ran the fast reader's buffer out
 * of a 256 MB heap), and the size bounds the time every later stage takes. Counted in code points, as columns are.
 */
final class BoundedText extends FilterReader {
    /** The longest line read: 1 Mi characters, thousands of times what a config line needs. */
    static final int MAX_LINE = 1024 * 1024;

    /** The text passed a bound: at {@link #line}:{@link #column}; the message names the bound. */
    static final class Exceeded extends IOException {
        final int line;
        final int column;

        Exceeded(int line, int column, String message) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    private long codePoints;
    private int line = 1;
    private int column;

    BoundedText(Reader in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (c >= 0) {
            count((char) c);
        }
        return c;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        for (int i = offset; i < offset + n; i++) {
            count(buffer[i]);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not counted"); // no reader of a config skips text
    }

    private void count(char c) throws Exceeded {
        if (Character.isLowSurrogate(c)) {
            return; // its high surrogate counted the code point
        }
        if (++codePoints > YamlReader.MAX_CODE_POINTS) {
            throw new Exceeded(line, column + 1, "the file is larger than " + YamlReader.MAX_CODE_POINTS
                    + " characters (128 Mi), the bound of one config file; split it over several files (a config directory)");
        }
        if (c == '\n') {
            line++;
            column = 0;
        } else if (++column > MAX_LINE) {
            throw new Exceeded(line, column, "line " + line + " is longer than " + MAX_LINE
                    + " characters (1 Mi), the bound of a line; break it (a JSON config: pretty-print it)");
        }
    }
}
