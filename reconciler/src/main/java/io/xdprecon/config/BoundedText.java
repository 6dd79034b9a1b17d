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

    /**
     * The most text SnakeYAML may read between two of its events: 16 Mi characters. Its scanner builds a block or
     * multi-line scalar whole before its event (and only then could a bound on values see it): a 100 MB block
     * scalar ran the unit's 256 MB heap out. Comments between two nodes count too; 16 Mi characters is some
     * 200,000 commented-out lines in one stretch.
     */
    static final int MAX_BETWEEN_NODES = 16 * 1024 * 1024;

    private long codePoints;
    private int line = 1;
    private int column;
    private boolean boundBetweenNodes;
    private long sinceNode;
    private int nodeLine = 1;
    private int nodeColumn = 1;

    BoundedText(Reader in) {
        super(in);
    }

    /** Where the readers of a bounded text say that a node was handed out. */
    interface NodeMarks {
        /** A node ended at {@code line}:{@code column} (1-based): the text read from here on is the next one's. */
        void nodeEnded(int line, int column);
    }

    private void nodeEnded(int line, int column) {
        sinceNode = 0;
        nodeLine = line;
        nodeColumn = column;
    }

    /** What marks nodes of {@code text} for its bound between nodes: nothing when it is not a bounded text. */
    static NodeMarks nodeMarks(Reader text) {
        if (text instanceof BoundedText bounded) {
            bounded.boundBetweenNodes = true;
            return bounded::nodeEnded;
        }
        return (line, column) -> { };
    }

    /** The characters (code points) read so far. */
    long codePoints() {
        return codePoints;
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
        if (boundBetweenNodes && ++sinceNode > MAX_BETWEEN_NODES) {
            throw new Exceeded(nodeLine, nodeColumn, "more than " + MAX_BETWEEN_NODES + " characters (16 Mi) from here"
                    + " to line " + line + " without a YAML node between them, the bound of one value: a block or"
                    + " multi-line value (or a stretch of comments) this long is refused");
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
