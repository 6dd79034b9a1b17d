package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Composes the {@link YamlEvents} of a config into a Jackson tree (what the schema validator takes) and a
 * {@link SourceMap} of where every value came from — except the items of the top-level {@code flows} list,
 * which it hands one at a time to an {@link Items} sink as they are read: a config of half a million flows
 * never stands in memory as a tree, or as text.
 *
 * <p>Nothing is instantiated from tags, and the strictness a config needs is enforced here, each with a
 * position: one document, a mapping at the root, no duplicate keys, string keys only, no merge keys
 * ({@code <<}), and the bounds SnakeYAML's composer keeps (nesting, tags; aliases in {@link ComposedYamlEvents}).
 * Plain scalars resolve by the YAML 1.2 core schema ({@link CoreSchemaResolver}), as editors with
 * yaml-language-server do: {@code on}, {@code yes}, {@code 1:30} or {@code 0o17}-style surprises stay what they
 * look like to a person.
 *
 * <p>A text is read the fastest way that can read it ({@link Way}); a way that cannot throws
 * {@link FastYamlEvents.Unsupported} or {@link NeedsTree} before its result is used, and the caller reads the
 * text again the next way. Every way gives the same result ({@code YamlReaderEquivalenceTest}).
 */
final class YamlReader {
    /** Aliases of collections the composer accepts at all; expansion is bounded by MAX_ALIAS_VALUES. */
    static final int MAX_COLLECTION_ALIASES = 200;
    /** The largest config read: 128 Mi characters, some 500,000 static flows (a full 524,288-rule map is 262,144). */
    static final int MAX_CODE_POINTS = 128 * 1024 * 1024;
    /**
     * The longest key: YAML's own bound on a simple key (SnakeYAML refuses a longer one as "could not find expected
     * ':'", worded here as this bound); keys are names, of at most 253 characters.
     */
    static final int MAX_KEY = 1024;
    /**
     * Values read into the tree: everything but the items of {@code flows}, which are streamed. The tree costs some
     * 100 bytes a value (with its position), and the schema's report of a wrong one about 1 KB: 2 million localIps
     * ran a 256 MB heap out, and so did 490,000 wrong ones (200,000 took 340 MB RSS). A config has tens to thousands.
     */
    static final int MAX_TREE_VALUES = 200_000;
    /** Values in one item of {@code flows}, recorded whole before it is read: a flow has about 20. */
    static final int MAX_ITEM_VALUES = 10_000;
    /**
     * Characters of the keys and values in the tree: 16 Mi, some 500,000 addresses. The values bound alone let 120
     * values of a line's 1 Mi characters each run a 256 MB heap out.
     */
    static final int MAX_TREE_CHARS = 16 * 1024 * 1024;
    /** Characters of the keys and values of one item of {@code flows}: 1 Mi, where a flow has about 300. */
    static final int MAX_ITEM_CHARS = 1024 * 1024;
    private static final LoaderOptions OPTIONS = YamlEvents.loaderOptions();
    private static final CoreSchemaResolver RESOLVER = new CoreSchemaResolver();

    /** The ways to read a text, fastest first. */
    enum Way {
        /** {@link FastYamlEvents}: the YAML configs are written in. */
        FAST,
        /** {@link SnakeYamlEvents}: all of YAML but anchors and aliases, streamed. */
        PARSER,
        /** {@link ComposedYamlEvents}: anchors and aliases, the whole text composed first. */
        TREE
    }

    /** The text has anchors or aliases: read it {@link Way#TREE}. */
    static final class NeedsTree extends RuntimeException {
        NeedsTree() {
            super(null, null, false, false);
        }
    }

    /**
     * A tree when the text was YAML with one mapping at the root (without the streamed items: {@code flows} is
     * an empty list there); the problems found either way, with positions.
     */
    record Result(Optional<JsonNode> root, SourceMap sourceMap, List<Problem> problems) {}

    /** Takes the items of the top-level {@code flows} list, one at a time, in order. */
    interface Items {
        /** Item {@code index}, its events in {@code item}; {@link #compose} makes its tree when needed. */
        void item(int index, EventRun item, YamlReader reader);
    }

    /** A value composed and where its parts stand. */
    record Composed(JsonNode value, SourceMap.Place place) {}

    /** An error that ends the reading: YAML the composer refuses. */
    private static final class Fatal extends RuntimeException {
        final Problem problem;

        Fatal(Problem problem) {
            super(null, null, false, false);
            this.problem = problem;
        }
    }

    private final JsonNodeFactory json = JsonNodeFactory.instance;
    private final SourceMap sourceMap = new SourceMap();
    private final List<Problem> problems = new ArrayList<>();
    private final Items items;
    /** The entry being converted, from the root down: a key, or an index for a list item; for messages. */
    private final List<Object> path = new ArrayList<>();
    /** Nodes open around the current one, as SnakeYAML's composer counts them for its nesting bound. */
    private int depth;
    /** Values of the tree so far ({@link #MAX_TREE_VALUES}); a streamed item's are not. */
    private int treeValues;
    /** Characters of the tree's keys and values so far ({@link #MAX_TREE_CHARS}). */
    private long treeChars;
    /** An item of {@code flows} is being composed: its values are bounded by {@link #MAX_ITEM_VALUES}. */
    private boolean inItem;
    /** False when SnakeYAML composed the text: it kept the bound itself, and expanded aliases do not count. */
    private boolean checkDepth = true;
    /** Where the value converted last stands, for its parent to keep. */
    private SourceMap.Place placed;
    /** Where the list being streamed stands. */
    private SourceMap.Position streamedAt;

    private YamlReader(Items items) {
        this.items = items;
    }

    /** The whole text into one tree (no streaming), the fastest way that reads it: for tests and small texts. */
    static Result read(String text) {
        for (Way way : Way.values()) {
            try (YamlEvents events = events(way, new StringReader(text))) {
                return read(events, null);
            } catch (FastYamlEvents.Unsupported | NeedsTree e) {
                // the next way
            }
        }
        throw new IllegalStateException("the tree way reads every text");
    }

    /** The events of {@code text} read {@code way}. */
    static YamlEvents events(Way way, java.io.Reader text) {
        return switch (way) {
            case FAST -> new FastYamlEvents(text);
            case PARSER -> new SnakeYamlEvents(text);
            case TREE -> new ComposedYamlEvents(text);
        };
    }

    /**
     * Reads one document from {@code events}; with {@code items}, the top-level {@code flows} list is streamed
     * to it (its results are void when the result has no root).
     */
    static Result read(YamlEvents events, Items items) {
        return new YamlReader(items).readDocument(events);
    }

    private Result readDocument(YamlEvents ev) {
        checkDepth = !(ev instanceof ComposedYamlEvents);
        try {
            YamlEvents.Kind first = ev.next();
            if (first == YamlEvents.Kind.END) {
                return fail(new Problem.AtPosition(1, 1, noConfig()));
            }
            if (first == YamlEvents.Kind.SECOND_DOCUMENT) {
                return fail(secondDocument(ev));
            }
            Problem refused = null;
            JsonNode root = null;
            SourceMap.Position position = position(ev);
            if (first == YamlEvents.Kind.MAPPING_START && ev.anchor() == null) {
                root = convert(ev, first);
                sourceMap.root(placed);
            } else {
                String kind = describe(ev, first);
                boolean empty = first == YamlEvents.Kind.SCALAR && tagOf(ev, NodeId.scalar).equals(Tag.NULL);
                skip(ev, first);
                refused = empty ? new Problem.AtPosition(1, 1, noConfig()) : new Problem.AtPosition(position.line(),
                        position.column(), "the document must be a mapping (apiVersion, interfaces, flows, ...), not " + kind);
            }
            if (ev.next() == YamlEvents.Kind.SECOND_DOCUMENT) {
                return fail(secondDocument(ev));
            }
            return refused != null ? fail(refused) : new Result(Optional.of(root), sourceMap, List.copyOf(problems));
        } catch (Fatal e) {
            return fail(e.problem);
        } catch (ComposedYamlEvents.TooLarge e) {
            problems.add(new Problem.AtPosition(e.line, e.column, "aliases expand to more than "
                    + ComposedYamlEvents.MAX_ALIAS_VALUES + " values; an alias (*name) is repeated too often"));
            return new Result(Optional.empty(), sourceMap, List.copyOf(problems));
        } catch (MarkedYAMLException e) {
            if (tooLongKey(e)) {
                return fail(new Problem.AtPosition(e.getContextMark().getLine() + 1, e.getContextMark().getColumn() + 1,
                        "a key longer than " + MAX_KEY + " characters, the bound of a key (YAML's for a simple key;"
                        + " keys are names), or text where a key belongs"));
            }
            return fail(new Problem.AtPosition(e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1,
                    e.getProblemMark() == null ? 1 : e.getProblemMark().getColumn() + 1,
                    "invalid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext()
                        + (e.getContextMark() == null ? "" : " at line " + (e.getContextMark().getLine() + 1)) + ")")));
        } catch (YAMLException e) {
            if (e.getCause() instanceof java.io.IOException io) {
                throw new java.io.UncheckedIOException(io); // the text could not be read: not a YAML problem
            }
            return fail(new Problem.AtPosition(1, 1, "invalid YAML: " + e.getMessage()));
        }
    }

    /** SnakeYAML's scanner gave up on a simple key because it ran past YAML's 1024 characters on its line. */
    private static boolean tooLongKey(MarkedYAMLException e) {
        return "while scanning a simple key".equals(e.getContext()) && e.getContextMark() != null
                && e.getProblemMark() != null && e.getContextMark().getLine() == e.getProblemMark().getLine()
                && e.getProblemMark().getIndex() - e.getContextMark().getIndex() > MAX_KEY;
    }

    private static String noConfig() {
        return "the file holds no config: expected a mapping that starts with 'apiVersion: " + Config.API_VERSION + "'";
    }

    /** The second document is read through (an error in it is the error) and reported at its start. */
    private Problem secondDocument(YamlEvents ev) {
        if (ev instanceof FastYamlEvents) {
            // The fast scanner does not check a second document's syntax as SnakeYAML's does: an error in it (the
            // error to report) would go unseen. A file with two documents is refused anyway; the parser reads it.
            throw new NeedsTree();
        }
        SourceMap.Position at = position(ev);
        depth = 0;
        YamlEvents.Kind root = ev.next();
        if (root != YamlEvents.Kind.END) {
            skip(ev, root);
            ev.next(); // its end: SnakeYAML scans the text after the root only there, and an error in it is the error
        }
        return new Problem.AtPosition(at.line(), at.column(), "a config file holds one YAML document; a second one starts here");
    }

    /** Only {@code problem}: the text cannot be used as a config. */
    private Result fail(Problem problem) {
        return new Result(Optional.empty(), sourceMap, List.of(problem));
    }

    // ---- composing ----

    /** Composes the node whose first event is current in {@code ev}. */
    private JsonNode convert(YamlEvents ev, YamlEvents.Kind kind) {
        if (kind == YamlEvents.Kind.ALIAS || ev.anchor() != null) {
            throw new NeedsTree();
        }
        SourceMap.Position position = position(ev);
        if (kind == YamlEvents.Kind.RECURSIVE_ALIAS) {
            placed = new SourceMap.Place(position);
            problems.add(new Problem.AtPosition(position.line(), position.column(),
                    "an alias refers to a value that contains it (a recursive alias)"));
            return json.nullNode();
        }
        enter(ev);
        try {
            return switch (kind) {
                case MAPPING_START -> convertMapping(ev, position);
                case SEQUENCE_START -> convertSequence(ev, position);
                case SCALAR -> {
                    placed = new SourceMap.Place(position);
                    yield convertScalar(ev, position);
                }
                default -> throw new IllegalStateException("unexpected YAML event " + kind);
            };
        } finally {
            depth--;
        }
    }

    private JsonNode convertMapping(YamlEvents ev, SourceMap.Position position) {
        Tag tag = tagOf(ev, NodeId.mapping);
        SourceMap.MapPlace place = new SourceMap.MapPlace(position, 8);
        if (path.isEmpty()) {
            sourceMap.root(place); // positions are there for messages while the rest is converted
        }
        if (!tag.equals(Tag.MAP)) {
            add(position, "YAML tag " + tag + " is not supported here; write a plain mapping");
        }
        ObjectNode object = json.objectNode();
        while (true) {
            YamlEvents.Kind keyKind = ev.next();
            if (keyKind == YamlEvents.Kind.MAPPING_END) {
                break;
            }
            if (keyKind == YamlEvents.Kind.ALIAS || ev.anchor() != null) {
                throw new NeedsTree();
            }
            SourceMap.Position keyAt = position(ev);
            if (keyKind != YamlEvents.Kind.SCALAR) {
                add(keyAt, "a key must be a plain string, not " + describe(ev, keyKind));
                enter(ev);
                skip(ev, keyKind);
                depth--;
                skip(ev, ev.next());
                continue;
            }
            enter(ev);
            Tag keyTag = tagOf(ev, NodeId.scalar);
            depth--;
            String name = ev.value();
            if (name.length() > MAX_KEY) {
                add(keyAt, prefix() + "a key of " + name.length() + " characters, longer than " + MAX_KEY
                        + ", the bound of a key (keys are names): '" + name.substring(0, name.offsetByCodePoints(0, 32)) + "...'");
                skip(ev, ev.next());
                continue;
            }
            if (keyTag.equals(Tag.MERGE)) {
                add(keyAt, "YAML merge keys ('<<') are not supported: repeat the fields, or alias a whole value");
                skip(ev, ev.next());
                continue;
            }
            if (!keyTag.equals(Tag.STR)) {
                add(keyAt, "key " + name + " is " + scalarKind(keyTag) + ", not a string; quote it (\"" + name
                        + "\") if it is a name");
            }
            if (object.has(name)) {
                SourceMap.Position earlier = place.keyAt(name);
                add(keyAt, prefix() + "duplicate key '" + name + "' (first at line " + earlier.line() + ")");
                skip(ev, ev.next());
                continue;
            }
            int slot = place.add(name, keyAt);
            path.add(name);
            try {
                YamlEvents.Kind valueKind = ev.next();
                if (items != null && path.size() == 1 && name.equals("flows") && valueKind == YamlEvents.Kind.SEQUENCE_START
                        && ev.anchor() == null) {
                    object.set(name, streamItems(ev, position(ev)));
                } else {
                    object.set(name, convert(ev, valueKind));
                }
            } finally {
                path.removeLast();
            }
            place.place(slot, placed);
        }
        placed = place;
        return object;
    }

    private JsonNode convertSequence(YamlEvents ev, SourceMap.Position position) {
        Tag tag = tagOf(ev, NodeId.sequence);
        if (!tag.equals(Tag.SEQ)) {
            add(position, "YAML tag " + tag + " is not supported here; write a plain list");
        }
        SourceMap.SeqPlace place = new SourceMap.SeqPlace(position, 4);
        if (path.isEmpty()) {
            sourceMap.root(place);
        }
        ArrayNode array = json.arrayNode();
        for (int i = 0; ; i++) {
            YamlEvents.Kind kind = ev.next();
            if (kind == YamlEvents.Kind.SEQUENCE_END) {
                break;
            }
            path.add(i);
            try {
                array.add(convert(ev, kind));
            } finally {
                path.removeLast();
            }
            place.add(placed);
        }
        placed = place;
        return array;
    }

    /**
     * The items of the top-level {@code flows} list go to {@link #items} as they come; the tree keeps an empty
     * list, and the source map the list's position only.
     */
    private JsonNode streamItems(YamlEvents ev, SourceMap.Position position) {
        streamedAt = position;
        Tag tag = tagOf(ev, NodeId.sequence);
        if (!tag.equals(Tag.SEQ)) {
            add(position, "YAML tag " + tag + " is not supported here; write a plain list");
        }
        enter(ev);
        try {
            EventRun run = new EventRun();
            for (int i = 0; ; i++) {
                YamlEvents.Kind kind = ev.next();
                if (kind == YamlEvents.Kind.SEQUENCE_END) {
                    break;
                }
                if (!run.record(ev, kind, MAX_ITEM_VALUES, MAX_ITEM_CHARS)) {
                    throw new Fatal(new Problem.AtPosition(run.line(0), run.column(0), "flows[" + i + "] holds more than "
                            + MAX_ITEM_VALUES + " values or " + MAX_ITEM_CHARS + " characters (1 Mi), the bound of one"
                            + " flow (a flow has about 20 values, 300 characters)"));
                }
                items.item(i, run, this);
            }
        } finally {
            depth--;
        }
        placed = new SourceMap.SeqPlace(position, 0);
        return json.arrayNode();
    }

    /** Where the list being streamed stands: only from within {@link Items#item}. */
    SourceMap.Position streamedAt() {
        return streamedAt;
    }

    /**
     * Composes a streamed item, as if it stood in the tree at {@code flows[index]}: only from within
     * {@link Items#item}, while the list is being read.
     */
    Composed compose(EventRun item, int index) {
        path.add(index);
        inItem = true;
        try {
            item.rewind();
            JsonNode value = convert(item, item.next());
            return new Composed(value, placed);
        } finally {
            inItem = false;
            path.removeLast();
        }
    }

    private JsonNode convertScalar(YamlEvents ev, SourceMap.Position position) {
        String text = ev.value();
        Tag tag = tagOf(ev, NodeId.scalar);
        if (tag.equals(Tag.STR)) {
            return json.textNode(text);
        } else if (tag.equals(Tag.NULL)) {
            return json.nullNode();
        } else if (tag.equals(Tag.BOOL)) {
            return json.booleanNode(text.equalsIgnoreCase("true"));
        } else if (tag.equals(Tag.INT)) {
            BigInteger value = integer(text);
            if (value == null) {
                add(position, "'" + text + "' is tagged !!int but is not an integer");
                return json.textNode(text);
            }
            return value.bitLength() < 32 ? json.numberNode(value.intValue())
                    : value.bitLength() < 64 ? json.numberNode(value.longValue()) : json.numberNode(value);
        } else if (tag.equals(Tag.FLOAT)) {
            return number(text);
        }
        add(position, "YAML tag " + tag + " is not supported; write a plain value");
        return json.textNode(text);
    }

    /** Reads past the node whose first event is current, keeping the composer's bounds; composes nothing. */
    private void skip(YamlEvents ev, YamlEvents.Kind kind) {
        if (kind == YamlEvents.Kind.ALIAS || ev.anchor() != null) {
            throw new NeedsTree();
        }
        if (kind == YamlEvents.Kind.RECURSIVE_ALIAS) {
            return;
        }
        enter(ev);
        try {
            if (kind == YamlEvents.Kind.SCALAR) {
                tagOf(ev, NodeId.scalar);
                return;
            }
            tagOf(ev, kind == YamlEvents.Kind.MAPPING_START ? NodeId.mapping : NodeId.sequence);
            YamlEvents.Kind end = kind == YamlEvents.Kind.MAPPING_START ? YamlEvents.Kind.MAPPING_END
                    : YamlEvents.Kind.SEQUENCE_END;
            for (YamlEvents.Kind child = ev.next(); child != end; child = ev.next()) {
                skip(ev, child);
            }
        } finally {
            depth--;
        }
    }

    /**
     * Into the node current in {@code ev}, within the bounds: how deep nodes nest (SnakeYAML's composer's bound:
     * above it, the text is refused) and how many values the tree holds.
     */
    private void enter(YamlEvents ev) {
        if (checkDepth && depth > OPTIONS.getNestingDepthLimit()) {
            throw new Fatal(new Problem.AtPosition(ev.line(), ev.column(), "invalid YAML: Nesting Depth exceeded max "
                    + OPTIONS.getNestingDepthLimit() + " (mappings and lists within each other; a config needs 6)"));
        }
        if (!inItem && ++treeValues > MAX_TREE_VALUES) {
            throw new Fatal(new Problem.AtPosition(ev.line(), ev.column(), "more than " + MAX_TREE_VALUES
                    + " values outside flows, the bound of a config's other sections (localIps, services, nodes, ...)"));
        }
        if (!inItem && ev.value() != null && (treeChars += ev.value().length()) > MAX_TREE_CHARS) {
            throw new Fatal(new Problem.AtPosition(ev.line(), ev.column(), "more than " + MAX_TREE_CHARS
                    + " characters (16 Mi) in the keys and values outside flows, the bound of a config's other sections"
                    + " (localIps, services, nodes, ...)"));
        }
        depth++;
    }

    /** The node's tag as SnakeYAML's composer makes it: written, or resolved from a plain scalar's text. */
    private static Tag tagOf(YamlEvents ev, NodeId kind) {
        String tag = ev.tag();
        if (tag == null || tag.equals("!")) {
            return switch (kind) {
                case scalar -> RESOLVER.resolve(NodeId.scalar, ev.value(), ev.plainImplicit());
                case sequence -> Tag.SEQ;
                default -> Tag.MAP;
            };
        }
        Tag written = new Tag(tag);
        if (written.isCustomGlobal() && !OPTIONS.getTagInspector().isGlobalTagAllowed(written)) {
            throw new Fatal(new Problem.AtPosition(ev.line(), ev.column(), "invalid YAML: Global tag is not allowed: " + tag));
        }
        return written;
    }

    /**
     * A scalar the core schema calls a float ({@code 1.5}, {@code 1e400}, {@code .inf}, {@code .nan}) as a
     * number: a config field that takes none says "is a number", whatever the float. One that no double holds
     * finitely is a {@link NotFinite}.
     */
    static JsonNode number(String text) {
        String java = text.replace(".inf", "Infinity").replace(".Inf", "Infinity").replace(".INF", "Infinity");
        double value;
        if (java.equals(".nan") || java.equals(".NaN") || java.equals(".NAN")) {
            value = Double.NaN;
        } else {
            try {
                value = Double.parseDouble(java);
            } catch (NumberFormatException e) {
                return JsonNodeFactory.instance.textNode(text); // tagged !!float by hand: the schema reports the type
            }
        }
        return Double.isFinite(value) ? JsonNodeFactory.instance.numberNode(value) : new NotFinite(value, text);
    }

    /**
     * A float no double holds finitely ({@code 1e400}, {@code .inf}, {@code .nan}), shown as written. The schema
     * validator takes every number's exact value (an enum check compared one as a {@code BigDecimal}, which threw
     * NumberFormatException "Infinite or NaN" out of validate): here that is a stand-in beyond every double, of the
     * number's sign — unequal to any value and on the same side of every bound.
     */
    static final class NotFinite extends com.fasterxml.jackson.databind.node.DoubleNode {
        private static final java.math.BigDecimal BEYOND = new java.math.BigDecimal("1e309");
        private final String written;

        NotFinite(double value, String written) {
            super(value);
            this.written = written;
        }

        @Override
        public java.math.BigDecimal decimalValue() {
            return _value < 0 ? BEYOND.negate() : BEYOND;
        }

        @Override
        public String asText() {
            return written;
        }

        @Override
        public String toString() {
            return written;
        }
    }

    private static BigInteger integer(String text) {
        try {
            String digits = text.startsWith("+") ? text.substring(1) : text;
            if (digits.startsWith("0x")) {
                return new BigInteger(digits.substring(2), 16);
            } else if (digits.startsWith("0o")) {
                return new BigInteger(digits.substring(2), 8);
            }
            return new BigInteger(digits);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The readable path of the mapping being converted, as a message prefix. */
    private String prefix() {
        StringBuilder readable = new StringBuilder();
        for (Object segment : path) {
            SourceMap.appendSegment(readable, String.valueOf(segment), segment instanceof Integer);
        }
        return path.isEmpty() ? "" : readable + ": ";
    }

    private static String describe(YamlEvents ev, YamlEvents.Kind kind) {
        return switch (kind) {
            case MAPPING_START -> "a mapping";
            case SEQUENCE_START -> "a list";
            case SCALAR -> scalarKind(tagOf(ev, NodeId.scalar)) + " ('" + ev.value() + "')";
            default -> "a " + kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String scalarKind(Tag tag) {
        if (tag.equals(Tag.INT)) {
            return "an integer";
        } else if (tag.equals(Tag.FLOAT)) {
            return "a number";
        } else if (tag.equals(Tag.BOOL)) {
            return "a boolean";
        } else if (tag.equals(Tag.NULL)) {
            return "null";
        }
        return "a string";
    }

    private void add(SourceMap.Position at, String message) {
        problems.add(new Problem.AtPosition(at.line(), at.column(), message));
    }

    private static SourceMap.Position position(YamlEvents ev) {
        return new SourceMap.Position(ev.line(), ev.column());
    }

    /**
     * The events of one node, recorded to be read once more: a streamed item is looked at by the flow fast
     * path first, and composed only when that path cannot vouch for it. Reused from item to item.
     */
    static final class EventRun implements YamlEvents {
        private Kind[] kinds = new Kind[32];
        private int[] lines = new int[32];
        private int[] columns = new int[32];
        private String[] values = new String[32];
        private String[] tags = new String[32];
        private boolean[] plains = new boolean[32];
        private int size;
        private int at = -1;

        /**
         * Records the node whose first event ({@code first}) is current in {@code ev}, to its end; false (the node
         * read no further) if it has more than {@code maxValues} values or {@code maxChars} characters in them.
         */
        boolean record(YamlEvents ev, Kind first, int maxValues, int maxChars) {
            size = 0;
            at = -1;
            int open = 0;
            int values = 0;
            long chars = 0;
            Kind kind = first;
            while (true) {
                if (kind == Kind.ALIAS || ev.anchor() != null) {
                    throw new NeedsTree();
                }
                if (kind != Kind.MAPPING_END && kind != Kind.SEQUENCE_END && ++values > maxValues) {
                    return false;
                }
                if (ev.value() != null && (chars += ev.value().length()) > maxChars) {
                    return false;
                }
                add(kind, ev);
                if (kind == Kind.MAPPING_START || kind == Kind.SEQUENCE_START) {
                    open++;
                } else if (kind == Kind.MAPPING_END || kind == Kind.SEQUENCE_END) {
                    open--;
                }
                if (open == 0) {
                    return true;
                }
                kind = ev.next();
            }
        }

        private void add(Kind kind, YamlEvents ev) {
            if (size == kinds.length) {
                int grown = size * 2;
                kinds = Arrays.copyOf(kinds, grown);
                lines = Arrays.copyOf(lines, grown);
                columns = Arrays.copyOf(columns, grown);
                values = Arrays.copyOf(values, grown);
                tags = Arrays.copyOf(tags, grown);
                plains = Arrays.copyOf(plains, grown);
            }
            kinds[size] = kind;
            lines[size] = ev.line();
            columns[size] = ev.column();
            values[size] = ev.value();
            tags[size] = ev.tag();
            plains[size] = kind == Kind.SCALAR && ev.plainImplicit();
            size++;
        }

        /** Back to before the first event. */
        void rewind() {
            at = -1;
        }

        /** The number of events recorded. */
        int size() {
            return size;
        }

        int line(int i) {
            return lines[i];
        }

        int column(int i) {
            return columns[i];
        }

        /** Event {@code i}'s kind, without moving the cursor. */
        Kind kind(int i) {
            return kinds[i];
        }

        String value(int i) {
            return values[i];
        }

        boolean plain(int i) {
            return plains[i];
        }

        String tag(int i) {
            return tags[i];
        }

        @Override
        public Kind next() {
            return ++at < size ? kinds[at] : Kind.END;
        }

        @Override
        public int line() {
            return lines[at];
        }

        @Override
        public int column() {
            return columns[at];
        }

        @Override
        public String value() {
            return values[at];
        }

        @Override
        public boolean plainImplicit() {
            return plains[at];
        }

        @Override
        public String anchor() {
            return null;
        }

        @Override
        public String tag() {
            return tags[at];
        }

        @Override
        public void close() {
            // nothing held
        }
    }
}
