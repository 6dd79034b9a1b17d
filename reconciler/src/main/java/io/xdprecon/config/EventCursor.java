package io.xdprecon.config;

/** The fields of the current event, for the sources that hold one at a time, and the text they read. */
abstract class EventCursor implements YamlEvents {
    private final java.io.Reader text;
    protected int line;
    protected int column;
    protected String value;
    protected boolean plainImplicit;
    protected String anchor;
    protected String tag;

    EventCursor(java.io.Reader text) {
        this.text = text;
    }

    /** The current event starts at SnakeYAML's {@code mark}. */
    protected void at(org.yaml.snakeyaml.error.Mark mark) {
        line = mark.getLine() + 1;
        column = mark.getColumn() + 1;
    }

    @Override
    public int line() {
        return line;
    }

    @Override
    public int column() {
        return column;
    }

    @Override
    public String value() {
        return value;
    }

    @Override
    public boolean plainImplicit() {
        return plainImplicit;
    }

    @Override
    public String anchor() {
        return anchor;
    }

    @Override
    public String tag() {
        return tag;
    }

    @Override
    public void close() {
        try {
            text.close();
        } catch (java.io.IOException e) {
            // a reader of a file or blob: nothing to do about a failed close
        }
    }
}
