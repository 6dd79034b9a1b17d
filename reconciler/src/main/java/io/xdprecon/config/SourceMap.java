package io.xdprecon.config;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where each value of a parsed config stands in its file, by JSON pointer: the start of the value, and for
 * a mapping entry the start of its key. Filled while the YAML tree is converted; read when any problem,
 * found by the schema, the semantic checks or the interface resolution, is turned into {@code file:line:col}.
 *
 * <p>Positions are kept in a tree shaped like the config (a {@link Place} per value), not keyed by pointer
 * strings: a config of half a million values would otherwise build and hash a pointer for every one of them
 * although only the few that have a problem are ever looked up. A pointer is walked down the tree on demand.
 */
final class SourceMap {
    /** 1-based, as editors count. */
    record Position(int line, int column) {}

    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    /** Where a value starts; a scalar, or a collection that was not read into (a recursive alias). */
    static class Place {
        final Position at;

        Place(Position at) {
            this.at = at;
        }

        Place child(String segment) {
            return null;
        }

        /** Whether its children are list items, named by index. */
        boolean isList() {
            return false;
        }
    }

    /** A mapping: its entries in file order, each with where its key starts. */
    static final class MapPlace extends Place {
        private String[] names;
        private Position[] keys;
        private Place[] values;
        private int size;
        private Map<String, Integer> index; // built on the first lookup in a large mapping

        MapPlace(Position at, int capacity) {
            super(at);
            names = new String[Math.max(capacity, 1)];
            keys = new Position[names.length];
            values = new Place[names.length];
        }

        /** Adds an entry whose value is placed later ({@link #place}); the first of equal names is kept. */
        int add(String name, Position key) {
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                keys = Arrays.copyOf(keys, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            keys[size] = key;
            index = null;
            return size++;
        }

        void place(int entry, Place value) {
            values[entry] = value;
        }

        int find(String name) {
            if (size > 8) {
                if (index == null) {
                    Map<String, Integer> built = new HashMap<>();
                    for (int i = 0; i < size; i++) {
                        built.putIfAbsent(names[i], i);
                    }
                    index = built;
                }
                Integer i = index.get(name);
                return i == null ? -1 : i;
            }
            for (int i = 0; i < size; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        Position keyAt(String name) {
            int i = find(name);
            return i < 0 ? null : keys[i];
        }

        /** A copy in which the entry {@code name} (which must exist) holds {@code value}. */
        MapPlace with(String name, Place value) {
            MapPlace copy = new MapPlace(at, size);
            for (int i = 0; i < size; i++) {
                copy.place(copy.add(names[i], keys[i]), names[i].equals(name) ? value : values[i]);
            }
            return copy;
        }

        @Override
        Place child(String segment) {
            int i = find(segment);
            return i < 0 ? null : values[i];
        }
    }

    /** A list: its items in order. */
    static final class SeqPlace extends Place {
        private Place[] items;
        private int size;

        SeqPlace(Position at, int capacity) {
            super(at);
            items = new Place[Math.max(capacity, 1)];
        }

        /** Appends the next item's place. */
        void add(Place item) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = item;
        }

        @Override
        boolean isList() {
            return true;
        }

        @Override
        Place child(String segment) {
            int index = index(segment);
            return index < 0 || index >= size ? null : items[index];
        }

        static int index(String segment) {
            if (segment.isEmpty() || segment.length() > 9 || (segment.length() > 1 && segment.charAt(0) == '0')) {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                value = value * 10 + (c - '0');
            }
            return value;
        }
    }

    /**
     * Items of a list read as a stream ({@code flows}): where the values of the few that were asked for stand,
     * and the list's position for everything else. The list's other items are not kept.
     */
    static final class ItemsPlace extends Place {
        private final Map<Integer, Place> items;

        ItemsPlace(Position list, Map<Integer, Place> items) {
            super(list);
            this.items = items;
        }

        @Override
        boolean isList() {
            return true;
        }

        @Override
        Place child(String segment) {
            return items.get(SeqPlace.index(segment));
        }
    }

    private Place root;

    SourceMap() {}

    /** A map of one value: {@code root}. */
    SourceMap(Place root) {
        this.root = root;
    }

    void root(Place root) {
        this.root = root;
    }

    /** The place of the whole document, or null. */
    Place root() {
        return root;
    }

    /** Where the value starts; for a value that is not there (a missing property), where its parent starts. */
    Position valueAt(String pointer) {
        Place place = root;
        if (place == null) {
            return new Position(1, 1);
        }
        for (String segment : Pointer.segments(pointer)) {
            Place child = place.child(segment);
            if (child == null) {
                break;
            }
            place = child;
        }
        return place.at;
    }

    /** Where the key naming this value starts; the value's position for sequence items and the root. */
    Position keyAt(String pointer) {
        if (!pointer.isEmpty() && placeAt(Pointer.parent(pointer)) instanceof MapPlace mapping) {
            List<String> segments = Pointer.segments(pointer);
            Position key = mapping.keyAt(segments.getLast());
            if (key != null) {
                return key;
            }
        }
        return valueAt(pointer);
    }

    /** The value at exactly this pointer, or null. */
    private Place placeAt(String pointer) {
        Place place = root;
        for (String segment : Pointer.segments(pointer)) {
            if (place == null) {
                return null;
            }
            place = place.child(segment);
        }
        return place;
    }

    /** The pointer as a person reads it: {@code /flows/2/listen/port} is {@code flows[2].listen.port}. */
    String path(String pointer) {
        StringBuilder path = new StringBuilder();
        Place place = root;
        for (String segment : Pointer.segments(pointer)) {
            appendSegment(path, segment, place != null && place.isList());
            place = place == null ? null : place.child(segment);
        }
        return path.toString();
    }

    /** Appends one step of a readable path: {@code [2]} in a list, {@code .name} or {@code ["odd key"]} in a mapping. */
    static void appendSegment(StringBuilder path, String segment, boolean inSequence) {
        if (inSequence) {
            path.append('[').append(segment).append(']');
        } else if (PLAIN_NAME.matcher(segment).matches()) {
            path.append(path.isEmpty() ? "" : ".").append(segment);
        } else {
            path.append("[\"").append(segment.replace("\"", "\\\"")).append("\"]");
        }
    }
}
