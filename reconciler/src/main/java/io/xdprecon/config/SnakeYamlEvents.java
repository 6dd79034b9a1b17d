package io.xdprecon.config;

import java.io.Reader;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * SnakeYAML's parser as {@link YamlEvents}: all of YAML, and the wording of its syntax errors, which it throws
 * as {@link org.yaml.snakeyaml.error.MarkedYAMLException} (or {@link org.yaml.snakeyaml.error.YAMLException})
 * from {@link #next()}. After {@link Kind#SECOND_DOCUMENT} come the second document's events, then
 * {@link Kind#END}: a third is never read.
 */
final class SnakeYamlEvents extends EventCursor {
    private final Parser parser;
    private boolean started;
    private boolean ended;
    private boolean second;

    SnakeYamlEvents(Reader text) {
        super(text);
        this.parser = new NodeBoundParser(new ParserImpl(new StreamReader(text), YamlEvents.loaderOptions()),
                BoundedText.nodeMarks(text), Integer.MAX_VALUE); // YamlReader bounds what it keeps
    }

    @Override
    public Kind next() {
        if (ended) {
            return Kind.END;
        }
        if (!started) {
            started = true;
            parser.getEvent(); // stream start
            if (parser.checkEvent(Event.ID.StreamEnd)) {
                ended = true;
                return Kind.END;
            }
            parser.getEvent(); // document start
        }
        Event event = parser.getEvent();
        if (event.is(Event.ID.DocumentEnd)) {
            if (!second && parser.checkEvent(Event.ID.DocumentStart)) {
                // Its events follow, as SnakeYAML's composer would read it: an error in it is the error.
                second = true;
                parser.getEvent();
                at(parser.peekEvent().getStartMark());
                return Kind.SECOND_DOCUMENT;
            }
            ended = true;
            return Kind.END;
        }
        at(event.getStartMark());
        anchor = event instanceof NodeEvent node ? node.getAnchor() : null;
        tag = null;
        value = null;
        return switch (event) {
            case ScalarEvent scalar -> {
                tag = scalar.getTag();
                value = scalar.getValue();
                plainImplicit = scalar.getImplicit().canOmitTagInPlainScalar();
                yield Kind.SCALAR;
            }
            case AliasEvent alias -> {
                value = alias.getAnchor();
                anchor = null;
                yield Kind.ALIAS;
            }
            case CollectionStartEvent start -> {
                tag = start.getTag();
                yield start.is(Event.ID.MappingStart) ? Kind.MAPPING_START : Kind.SEQUENCE_START;
            }
            default -> event.is(Event.ID.MappingEnd) ? Kind.MAPPING_END : Kind.SEQUENCE_END;
        };
    }

}
