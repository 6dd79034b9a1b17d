package io.xdprecon.config;

import java.io.UncheckedIOException;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;

/**
 * SnakeYAML's parser, telling the text it reads where each event it hands out ends ({@link BoundedText.NodeMarks}):
 * the text between two events, where a long value is built whole, is then bounded. Under SnakeYAML's composer
 * (the tree way) it also bounds the nodes: the composer holds every one before any other bound can look.
 */
final class NodeBoundParser implements Parser {
    private final Parser parser;
    private final BoundedText.NodeMarks marks;
    private final int maxNodes;
    private int nodes;

    /** @param maxNodes the most scalars and collections handed out; past it, the text is refused where it passes */
    NodeBoundParser(Parser parser, BoundedText.NodeMarks marks, int maxNodes) {
        this.parser = parser;
        this.marks = marks;
        this.maxNodes = maxNodes;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
        return parser.peekEvent();
    }

    @Override
    public Event getEvent() {
        Event event = parser.getEvent();
        marks.nodeEnded(event.getEndMark().getLine() + 1, event.getEndMark().getColumn() + 1);
        if ((event instanceof ScalarEvent || event instanceof CollectionStartEvent) && ++nodes > maxNodes) {
            throw new UncheckedIOException(new BoundedText.Exceeded(event.getStartMark().getLine() + 1,
                    event.getStartMark().getColumn() + 1, "more than " + maxNodes + " values in a config that uses"
                    + " anchors or aliases, the bound of such a config: it is composed whole (its flows too), where"
                    + " one without them has its flows streamed; write the big parts without anchors"));
        }
        return event;
    }
}
