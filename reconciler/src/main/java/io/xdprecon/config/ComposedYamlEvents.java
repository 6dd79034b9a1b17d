package io.xdprecon.config;

import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * A text with anchors and aliases, composed by SnakeYAML (the whole node graph in memory, as aliases need)
 * and walked as {@link YamlEvents}: each alias is expanded where it stands, with the positions of the value
 * it names. Expansion is bounded — {@link #MAX_ALIAS_VALUES} values from aliases in all, else
 * {@link TooLarge} — and an alias inside the value it names gives {@link Kind#RECURSIVE_ALIAS} once instead of
 * looping. Every node comes with its resolved tag.
 */
final class ComposedYamlEvents extends EventCursor {
    /**
     * Values produced by expanding aliases. Written values are bounded by the file size; these are not: ten
     * lines of nested aliases can stand for a billion values. A config that shares a backends list or an
     * endpoint through aliases stays far below.
     */
    static final int MAX_ALIAS_VALUES = 100_000;

    /** Aliases expand to more than {@link #MAX_ALIAS_VALUES} values; the value at which they did. */
    static final class TooLarge extends RuntimeException {
        final int line;
        final int column;

        TooLarge(Mark mark) {
            super(null, null, false, false);
            line = mark.getLine() + 1;
            column = mark.getColumn() + 1;
        }
    }

    /** A node being walked: the next child to hand out, and how it was entered. */
    private static final class Frame {
        final Node node;
        final boolean viaAlias;
        final boolean anchored;
        int child;
        /** Names of the mapping's entries so far: a repeated one's value is skipped, as the reader skips it. */
        final Set<String> names;
        boolean keyDone;

        Frame(Node node, boolean viaAlias, boolean anchored) {
            this.node = node;
            this.viaAlias = viaAlias;
            this.anchored = anchored;
            this.names = node instanceof MappingNode ? new HashSet<>() : null;
        }
    }

    private final Reader text;
    private final Set<Node> expanding = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Node> converted = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Frame> stack = new ArrayList<>();
    private int aliasDepth;
    private int aliasValues;
    private Node root;
    private Node second;
    private boolean composed;
    private boolean done;

    ComposedYamlEvents(Reader text) {
        super(text);
        this.text = text;
    }

    private void compose() {
        composed = true;
        // Yaml.composeAll's composer, over a parser that bounds the text between nodes as the streamed ways do.
        Composer composer = new Composer(new NodeBoundParser(new ParserImpl(new StreamReader(text),
                YamlEvents.loaderOptions()), BoundedText.nodeMarks(text), YamlReader.MAX_TREE_VALUES), new CoreSchemaResolver(),
                YamlEvents.loaderOptions());
        root = composer.checkNode() ? composer.getNode() : null;
        if (root != null && composer.checkNode()) {
            second = composer.getNode(); // composed, as SnakeYAML does: an error in it is the error
        }
    }

    @Override
    public Kind next() {
        if (!composed) {
            compose();
            if (second != null) {
                done = true;
                at(second.getStartMark());
                return Kind.SECOND_DOCUMENT;
            }
            if (root == null) {
                done = true;
                return Kind.END;
            }
            return enter(root);
        }
        while (!done) {
            if (stack.isEmpty()) {
                done = true;
                break;
            }
            Frame top = stack.getLast();
            switch (top.node) {
                case MappingNode mapping -> {
                    List<NodeTuple> entries = mapping.getValue();
                    if (top.child == entries.size()) {
                        return leave(Kind.MAPPING_END);
                    }
                    NodeTuple entry = entries.get(top.child);
                    if (!top.keyDone) {
                        top.keyDone = true;
                        return key(entry.getKeyNode());
                    }
                    top.keyDone = false;
                    top.child++;
                    Node key = entry.getKeyNode();
                    boolean skipped = !(key instanceof ScalarNode k) || k.getTag().equals(Tag.MERGE)
                            || !top.names.add(k.getValue());
                    if (skipped) {
                        // The reader drops this value unread: no alias in it is expanded or counted.
                        at(entry.getValueNode().getStartMark());
                        tag = Tag.NULL.getValue();
                        value = "";
                        return Kind.SCALAR;
                    }
                    return enter(entry.getValueNode());
                }
                case SequenceNode sequence -> {
                    if (top.child == sequence.getValue().size()) {
                        return leave(Kind.SEQUENCE_END);
                    }
                    return enter(sequence.getValue().get(top.child++));
                }
                default -> throw new IllegalStateException("a scalar has no children");
            }
        }
        return Kind.END;
    }

    /** A mapping key: as written, never expanded or counted (the reader only reads a key's text). */
    private Kind key(Node key) {
        at(key.getStartMark());
        tag = key.getTag().getValue();
        if (key instanceof ScalarNode scalar) {
            value = scalar.getValue();
            return Kind.SCALAR;
        }
        // Reported as a key that is not a string, and skipped with its value: its content does not matter.
        boolean mapping = key instanceof MappingNode;
        stack.add(new Frame(mapping
                ? new MappingNode(Tag.MAP, true, List.of(), key.getStartMark(), null, DumperOptions.FlowStyle.BLOCK)
                : new SequenceNode(Tag.SEQ, true, List.of(), key.getStartMark(), null, DumperOptions.FlowStyle.BLOCK),
                false, false));
        return mapping ? Kind.MAPPING_START : Kind.SEQUENCE_START;
    }

    private Kind enter(Node node) {
        boolean anchored = node.getAnchor() != null;
        boolean viaAlias = anchored && !converted.add(node);
        if (viaAlias) {
            aliasDepth++;
        }
        if (aliasDepth > 0 && ++aliasValues > MAX_ALIAS_VALUES) {
            throw new TooLarge(node.getStartMark());
        }
        at(node.getStartMark());
        tag = node.getTag().getValue();
        value = null;
        if (anchored && !expanding.add(node)) {
            aliasDepth -= viaAlias ? 1 : 0;
            return Kind.RECURSIVE_ALIAS;
        }
        if (node instanceof ScalarNode scalar) {
            value = scalar.getValue();
            finish(anchored, viaAlias, node);
            return Kind.SCALAR;
        }
        stack.add(new Frame(node, viaAlias, anchored));
        return node instanceof MappingNode ? Kind.MAPPING_START : Kind.SEQUENCE_START;
    }

    private Kind leave(Kind end) {
        Frame frame = stack.removeLast();
        finish(frame.anchored, frame.viaAlias, frame.node);
        return end;
    }

    private void finish(boolean anchored, boolean viaAlias, Node node) {
        if (anchored) {
            expanding.remove(node);
        }
        aliasDepth -= viaAlias ? 1 : 0;
    }

}
