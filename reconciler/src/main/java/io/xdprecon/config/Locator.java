package io.xdprecon.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * Places problems found across a config's files as {@code file:line:col: path: message}. A file's streamed
 * flows kept no positions: the items a problem is about, or mentions, are found by reading that file once more
 * (the same way as the first time), composing only those items; its bytes must be the same as then.
 */
final class Locator {
    private final List<ParsedFile> files;
    private final Map<ParsedFile, SourceMap> maps = new HashMap<>();

    Locator(List<ParsedFile> files) {
        this.files = files;
    }

    /** Every problem placed, sorted by file and position; identical ones once. */
    List<ConfigError> place(Collection<Problem> problems) {
        Map<ParsedFile, Set<Integer>> items = new HashMap<>();
        for (Problem problem : problems) {
            List<String> pointers = new ArrayList<>(Mention.in(problem.message()));
            if (problem.pointerOrNull() != null) {
                pointers.add(problem.pointerOrNull());
            }
            for (String pointer : pointers) {
                ParsedFile file = fileOf(pointer);
                List<String> segments = Pointer.segments(file.local(pointer));
                if (file.streamed() && segments.size() >= 2 && segments.get(0).equals("flows")) {
                    int index = SourceMap.SeqPlace.index(segments.get(1));
                    if (index >= 0) {
                        items.computeIfAbsent(file, f -> new java.util.TreeSet<>()).add(index);
                    }
                }
            }
        }
        items.forEach((file, indexes) -> maps.put(file, withItems(file, indexes)));
        TreeSet<ConfigError> errors = new TreeSet<>(java.util.Comparator.comparing((ConfigError e) -> e.file().toString())
                .thenComparing(e -> e));
        for (Problem problem : problems) {
            errors.add(place(problem));
        }
        return List.copyOf(errors);
    }

    /** One problem placed (its items, if any, found by {@link #place(Collection)} before). */
    ConfigError place(Problem problem) {
        String pointer = problem.pointerOrNull();
        ParsedFile file = pointer == null ? files.getFirst() : fileOf(pointer);
        Problem local = switch (problem) {
            case Problem.AtValue v -> new Problem.AtValue(file.local(v.pointer()), v.message());
            case Problem.AtKey k -> new Problem.AtKey(file.local(k.pointer()), k.message());
            case Problem.AtPosition p -> p;
        };
        return error(file.input().name(), map(file), local, mentioned -> where(mentioned, file));
    }

    /** "line N" for a value in {@code from}, "FILE:LINE:COL" for one in another file. */
    private String where(String pointer, ParsedFile from) {
        ParsedFile file = fileOf(pointer);
        SourceMap.Position at = map(file).valueAt(file.local(pointer));
        return file == from ? "line " + at.line() : file.input().name() + ":" + at.line() + ":" + at.column();
    }

    private SourceMap map(ParsedFile file) {
        return maps.getOrDefault(file, file.sourceMap());
    }

    private ParsedFile fileOf(String pointer) {
        for (ParsedFile file : files) {
            String prefix = file.prefix();
            if (pointer.startsWith(prefix) && (pointer.length() == prefix.length() || pointer.charAt(prefix.length()) == '/')) {
                return file;
            }
        }
        throw new IllegalArgumentException("no file of this config holds " + pointer);
    }

    /** The file's source map with the places of items {@code indexes} of its streamed flows, read again. */
    private static SourceMap withItems(ParsedFile file, Set<Integer> indexes) {
        Map<Integer, SourceMap.Place> places = new HashMap<>();
        SourceMap.Position[] list = new SourceMap.Position[1];
        CRC32C crc = new CRC32C();
        try (YamlEvents events = YamlReader.events(file.way(), FileParser.open(file.input(), crc))) {
            YamlReader.read(events, (index, item, reader) -> {
                list[0] = reader.streamedAt();
                if (indexes.contains(index)) {
                    places.put(index, reader.compose(item, index).place());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (crc.getValue() != file.checksum() || list[0] == null) {
            throw new ConfigException(List.of(ConfigError.ofFile(file.input().name(),
                    "changed while it was being read; read it again")));
        }
        SourceMap.Place root = file.sourceMap().root();
        if (!(root instanceof SourceMap.MapPlace mapping)) {
            return file.sourceMap();
        }
        return new SourceMap(mapping.with("flows", new SourceMap.ItemsPlace(list[0], places)));
    }

    /** Places one problem with a file's source map, rendering its mentions with {@code where}. */
    static ConfigError error(Path file, SourceMap sourceMap, Problem problem, Function<String, String> where) {
        return switch (problem) {
            case Problem.AtValue v -> at(file, sourceMap.valueAt(v.pointer()),
                    label(sourceMap, v.pointer()) + Mention.render(v.message(), where));
            case Problem.AtKey k -> at(file, sourceMap.keyAt(k.pointer()),
                    label(sourceMap, Pointer.parent(k.pointer())) + Mention.render(k.message(), where));
            case Problem.AtPosition p -> new ConfigError(file, p.line(), p.column(), p.message());
        };
    }

    private static ConfigError at(Path file, SourceMap.Position position, String message) {
        return new ConfigError(file, position.line(), position.column(), message);
    }

    private static String label(SourceMap sourceMap, String pointer) {
        return pointer.isEmpty() ? "" : sourceMap.path(pointer) + ": ";
    }
}
