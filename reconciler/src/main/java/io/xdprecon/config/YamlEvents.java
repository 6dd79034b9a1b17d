package io.xdprecon.config;

import org.yaml.snakeyaml.LoaderOptions;

/**
 * The YAML of one config file as a stream of events, pulled one at a time: what {@link YamlReader} composes
 * into values with positions, without the whole text or a node tree of it in memory.
 *
 * <p>Two sources give the same events: {@link FastYamlEvents}, a scanner for the plain block-and-flow YAML
 * configs are written in (several times faster than SnakeYAML's), which gives up with
 * {@link FastYamlEvents.Unsupported} on anything else, and {@link SnakeYamlEvents}, SnakeYAML's parser, which
 * reads all of YAML and words its syntax errors. {@code FastYamlEventsTest} holds the fast one to SnakeYAML's
 * events, positions included. A text with anchors or aliases is composed by SnakeYAML and walked
 * ({@link ComposedYamlEvents}), which expands the aliases (bounded) as events.
 *
 * <p>The cursor describes the current event after {@link #next()}; strings stay valid after the next call.
 */
interface YamlEvents extends AutoCloseable {
    /** What the current event is. */
    enum Kind {
        MAPPING_START, MAPPING_END, SEQUENCE_START, SEQUENCE_END, SCALAR, ALIAS,
        /** An alias to a value that contains it, at that value's position: {@link ComposedYamlEvents} only. */
        RECURSIVE_ALIAS,
        /** A second document starts: its root node is at {@link #line()}:{@link #column()}. */
        SECOND_DOCUMENT,
        /** The first (only) document ended, or the stream held none. */
        END
    }

    /**
     * The one set of SnakeYAML options every config read uses: aliases of collections bounded, duplicate keys
     * let through (the reader reports them with both positions), no merging, and a bound on the text.
     */
    static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(YamlReader.MAX_COLLECTION_ALIASES);
        options.setAllowDuplicateKeys(true);
        options.setMergeOnCompose(false);
        options.setCodePointLimit(YamlReader.MAX_CODE_POINTS);
        return options;
    }

    /** Advances to the next event. */
    Kind next();

    /** 1-based line where the current node (or the second document's root) starts. */
    int line();

    /** 1-based column where it starts, in code points. */
    int column();

    /** The scalar's text, or the alias's anchor name. */
    String value();

    /** For a scalar: its tag may be resolved from its text (a plain scalar without a tag). */
    boolean plainImplicit();

    /** The node's anchor ({@code &name}), or null. */
    String anchor();

    /** The node's explicit tag, or null. */
    String tag();

    @Override
    void close();
}
