package io.xdprecon.config;

import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.parser.Parser;

/**
 * SnakeYAML's parser, telling the text it reads where each event it hands out ends ({@link BoundedText.NodeMarks}):
 * the text between two events, where a long value is built whole, is then bounded.
 */
final class NodeBoundParser implements Parser {
    private final Parser parser;
    private final BoundedText.NodeMarks marks;

    NodeBoundParser(Parser parser, BoundedText.NodeMarks marks) {
        this.parser = parser;
        this.marks = marks;
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
        return event;
    }
}
