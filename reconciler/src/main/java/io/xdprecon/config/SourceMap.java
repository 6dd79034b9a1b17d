package io.xdprecon.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where each value of a parsed config stands in its file, by JSON pointer: the start of the value, and for
 * a mapping entry the start of its key. Filled while the YAML tree is converted; read when any problem,
 * found by the schema, the semantic checks or the interface resolution, is turned into {@code file:line:col}.
 */
final class SourceMap {
    /** 1-based, as editors count. */
    record Position(int line, int column) {}

    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private final Map<String, Position> values = new HashMap<>();
    private final Map<String, Position> keys = new HashMap<>();
    private final Set<String> sequences = new HashSet<>();

    void value(String pointer, Position position) {
        values.putIfAbsent(pointer, position);
    }

    void key(String pointer, Position position) {
        keys.putIfAbsent(pointer, position);
    }

    void sequence(String pointer) {
        sequences.add(pointer);
    }

    /** Where the value starts; for a value that is not there (a missing property), where its parent starts. */
    Position valueAt(String pointer) {
        for (String p = pointer; ; p = Pointer.parent(p)) {
            Position position = values.get(p);
            if (position != null) {
                return position;
            }
            if (p.isEmpty()) {
                return new Position(1, 1);
            }
        }
    }

    /** Where the key naming this value starts; the value's position for sequence items and the root. */
    Position keyAt(String pointer) {
        Position position = keys.get(pointer);
        return position != null ? position : valueAt(pointer);
    }

    /** The pointer as a person reads it: {@code /flows/2/listen/port} is {@code flows[2].listen.port}. */
    String path(String pointer) {
        StringBuilder path = new StringBuilder();
        String current = Pointer.ROOT;
        List<String> segments = Pointer.segments(pointer);
        for (String segment : segments) {
            if (sequences.contains(current)) {
                path.append('[').append(segment).append(']');
            } else if (PLAIN_NAME.matcher(segment).matches()) {
                path.append(path.isEmpty() ? "" : ".").append(segment);
            } else {
                path.append("[\"").append(segment.replace("\"", "\\\"")).append("\"]");
            }
            current = Pointer.child(current, segment);
        }
        return path.toString();
    }
}
