package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The reader before the streaming one ({@link YamlReader}), kept as the oracle the streaming one is held to
 * ({@code YamlReaderEquivalenceTest}): SnakeYAML composes the whole node tree, then it is converted.
 *
 * <p>Reads the YAML text of a config into a Jackson tree (what the schema validator takes) and a
 * {@link SourceMap} of where every value came from.
 *
 * <p>SnakeYAML composes the node tree (which keeps start marks) rather than constructing Java objects:
 * nothing is instantiated from tags, and the strictness a config needs is enforced here, each with a
 * position: one document, a mapping at the root, no duplicate keys, string keys only, no merge keys
 * ({@code <<}), no recursive aliases, and a bound on how far aliases may expand (an alias "bomb" of a few
 * lines can otherwise stand for billions of values).
 *
 * <p>Plain scalars resolve by the YAML 1.2 core schema, as editors with yaml-language-server do, not by
 * SnakeYAML's YAML 1.1 rules: {@code on}, {@code yes}, {@code 1:30} or {@code 0o17}-style surprises stay
 * what they look like to a person.
 */
final class TreeYamlReader {
    /**
     * Values produced by expanding aliases. Written values are bounded by the file size; these are not: ten
     * lines of nested aliases can stand for a billion values. A config that shares a backends list or an
     * endpoint through aliases stays far below.
     */
    static final int MAX_ALIAS_VALUES = 100_000;
    /** Aliases of collections the composer accepts at all; expansion is bounded by MAX_ALIAS_VALUES. */
    static final int MAX_COLLECTION_ALIASES = 200;
    /** The largest config read: 128 Mi characters, some 500,000 static flows (a full 524,288-rule map is 262,144). */
    static final int MAX_CODE_POINTS = 128 * 1024 * 1024;

    /** A tree when the text was YAML with one mapping at the root; the problems found either way. */
    record Result(Optional<JsonNode> root, SourceMap sourceMap, List<Problem> problems) {}

    private final JsonNodeFactory json = JsonNodeFactory.instance;
    private final SourceMap sourceMap = new SourceMap();
    private final List<Problem> problems = new ArrayList<>();
    private final Set<Node> expanding = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Node> converted = Collections.newSetFromMap(new IdentityHashMap<>());
    private int aliasDepth;
    private int aliasValues;
    /** The entry being converted, from the root down: a key, or an index for a list item; for messages. */
    private final List<Object> path = new ArrayList<>();
    /** Where the value converted last stands, for its parent to keep. */
    private SourceMap.Place placed;

    private TreeYamlReader() {}

    static Result read(String text) {
        return new TreeYamlReader().readDocument(text);
    }

    private Result readDocument(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setAllowDuplicateKeys(true); // checked below, with both positions
        options.setMergeOnCompose(false);
        options.setCodePointLimit(MAX_CODE_POINTS);
        Yaml yaml = new Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(options),
                new org.yaml.snakeyaml.representer.Representer(new org.yaml.snakeyaml.DumperOptions()),
                new org.yaml.snakeyaml.DumperOptions(), options, new CoreSchemaResolver());
        Node document;
        try {
            Iterator<Node> documents = yaml.composeAll(new StringReader(text)).iterator();
            document = documents.hasNext() ? documents.next() : null;
            if (document != null && documents.hasNext()) {
                Node second = documents.next();
                problems.add(at(second == null ? null : second.getStartMark(),
                        "a config file holds one YAML document; a second one starts here"));
                return done(null);
            }
        } catch (MarkedYAMLException e) {
            problems.add(at(e.getProblemMark(), "invalid YAML: " + e.getProblem()
                    + (e.getContext() == null ? "" : " (" + e.getContext()
                        + (e.getContextMark() == null ? "" : " at line " + (e.getContextMark().getLine() + 1)) + ")")));
            return done(null);
        } catch (YAMLException e) {
            problems.add(new Problem.AtPosition(1, 1, "invalid YAML: " + e.getMessage()));
            return done(null);
        }
        if (document == null || document instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
            problems.add(new Problem.AtPosition(1, 1,
                    "the file holds no config: expected a mapping that starts with 'apiVersion: " + Config.API_VERSION + "'"));
            return done(null);
        }
        if (!(document instanceof MappingNode)) {
            problems.add(at(document.getStartMark(), "the document must be a mapping (apiVersion, interfaces, flows, ...), not "
                    + kind(document)));
            return done(null);
        }
        try {
            JsonNode root = convert(document);
            sourceMap.root(placed);
            return done(root);
        } catch (TooLarge e) {
            problems.add(at(e.mark, "aliases expand to more than " + MAX_ALIAS_VALUES
                    + " values; an alias (*name) is repeated too often"));
            return done(null);
        }
    }

    private Result done(JsonNode root) {
        return new Result(Optional.ofNullable(root), sourceMap, List.copyOf(problems));
    }

    private JsonNode convert(Node node) {
        // The composer hands out the anchored node again for each alias: only an anchored node comes twice.
        boolean anchored = node.getAnchor() != null;
        boolean viaAlias = anchored && !converted.add(node);
        if (viaAlias) {
            aliasDepth++;
        }
        if (aliasDepth > 0 && ++aliasValues > MAX_ALIAS_VALUES) {
            throw new TooLarge(node.getStartMark());
        }
        SourceMap.Position position = position(node.getStartMark());
        if (anchored && !expanding.add(node)) { // recursion goes through an alias, to an anchored node
            placed = new SourceMap.Place(position);
            problems.add(at(node.getStartMark(), "an alias refers to a value that contains it (a recursive alias)"));
            aliasDepth -= viaAlias ? 1 : 0;
            return json.nullNode();
        }
        try {
            return switch (node) {
                case MappingNode mapping -> convertMapping(mapping, position);
                case SequenceNode sequence -> convertSequence(sequence, position);
                case ScalarNode scalar -> {
                    placed = new SourceMap.Place(position);
                    yield convertScalar(scalar);
                }
                default -> throw new IllegalStateException("unexpected YAML node " + node.getNodeId());
            };
        } finally {
            if (anchored) {
                expanding.remove(node);
            }
            aliasDepth -= viaAlias ? 1 : 0;
        }
    }

    private JsonNode convertMapping(MappingNode mapping, SourceMap.Position position) {
        SourceMap.MapPlace place = new SourceMap.MapPlace(position, mapping.getValue().size());
        if (path.isEmpty()) {
            sourceMap.root(place); // positions are there for messages while the rest is converted
        }
        if (!mapping.getTag().equals(Tag.MAP)) {
            problems.add(at(mapping.getStartMark(), "YAML tag " + mapping.getTag() + " is not supported here; write a plain mapping"));
        }
        ObjectNode object = json.objectNode();
        for (NodeTuple entry : mapping.getValue()) {
            Node keyNode = entry.getKeyNode();
            if (!(keyNode instanceof ScalarNode key)) {
                problems.add(at(keyNode.getStartMark(), "a key must be a plain string, not " + kind(keyNode)));
                continue;
            }
            if (key.getTag().equals(Tag.MERGE)) {
                problems.add(at(key.getStartMark(),
                        "YAML merge keys ('<<') are not supported: repeat the fields, or alias a whole value"));
                continue;
            }
            if (!key.getTag().equals(Tag.STR)) {
                problems.add(at(key.getStartMark(), "key " + key.getValue() + " is " + scalarKind(key.getTag())
                        + ", not a string; quote it (\"" + key.getValue() + "\") if it is a name"));
            }
            String name = key.getValue();
            if (object.has(name)) {
                SourceMap.Position first = place.keyAt(name);
                problems.add(at(key.getStartMark(), prefix() + "duplicate key '" + name + "' (first at line "
                        + first.line() + ")"));
                continue;
            }
            int slot = place.add(name, position(key.getStartMark()));
            path.add(name);
            try {
                object.set(name, convert(entry.getValueNode()));
            } finally {
                path.removeLast();
            }
            place.place(slot, placed);
        }
        placed = place;
        return object;
    }

    private JsonNode convertSequence(SequenceNode sequence, SourceMap.Position position) {
        if (!sequence.getTag().equals(Tag.SEQ)) {
            problems.add(at(sequence.getStartMark(), "YAML tag " + sequence.getTag() + " is not supported here; write a plain list"));
        }
        List<Node> items = sequence.getValue();
        SourceMap.SeqPlace place = new SourceMap.SeqPlace(position, items.size());
        if (path.isEmpty()) {
            sourceMap.root(place);
        }
        ArrayNode array = json.arrayNode(items.size());
        for (int i = 0; i < items.size(); i++) {
            path.add(i);
            try {
                array.add(convert(items.get(i)));
            } finally {
                path.removeLast();
            }
            place.add(placed);
        }
        placed = place;
        return array;
    }

    private JsonNode convertScalar(ScalarNode scalar) {
        String text = scalar.getValue();
        Tag tag = scalar.getTag();
        if (tag.equals(Tag.STR)) {
            return json.textNode(text);
        } else if (tag.equals(Tag.NULL)) {
            return json.nullNode();
        } else if (tag.equals(Tag.BOOL)) {
            return json.booleanNode(text.equalsIgnoreCase("true"));
        } else if (tag.equals(Tag.INT)) {
            BigInteger value = integer(text);
            if (value == null) {
                problems.add(at(scalar.getStartMark(), "'" + text + "' is tagged !!int but is not an integer"));
                return json.textNode(text);
            }
            return value.bitLength() < 32 ? json.numberNode(value.intValue())
                    : value.bitLength() < 64 ? json.numberNode(value.longValue()) : json.numberNode(value);
        } else if (tag.equals(Tag.FLOAT)) {
            return YamlReader.number(text);
        }
        problems.add(at(scalar.getStartMark(), "YAML tag " + tag + " is not supported; write a plain value"));
        return json.textNode(text);
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

    private static String kind(Node node) {
        return switch (node) {
            case MappingNode m -> "a mapping";
            case SequenceNode s -> "a list";
            case ScalarNode s -> scalarKind(s.getTag()) + " ('" + s.getValue() + "')";
            default -> "a " + node.getNodeId();
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

    private static Problem at(Mark mark, String message) {
        SourceMap.Position position = mark == null ? new SourceMap.Position(1, 1) : position(mark);
        return new Problem.AtPosition(position.line(), position.column(), message);
    }

    private static SourceMap.Position position(Mark mark) {
        return new SourceMap.Position(mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static final class TooLarge extends RuntimeException {
        final transient Mark mark;

        TooLarge(Mark mark) {
            super(null, null, false, false);
            this.mark = mark;
        }
    }
}
