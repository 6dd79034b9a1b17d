package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.xdprecon.config.Spec.FlowSpec;
import io.xdprecon.config.Spec.Layer;
import io.xdprecon.host.IoErrors;
import io.xdprecon.host.RegularFile;
import io.xdprecon.text.Utf8;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * Reads and checks one file of a config on its own ({@link ParsedFile}): YAML ({@link YamlReader}, the fastest way
 * that reads the text), the schema, and the meaning of each value. The {@code flows} list is streamed: each
 * item either passes {@link FlowShape} (nearly all) or is composed and checked by the schema and the binder,
 * and becomes a {@link FlowTable} row; its problems are placed at once, while its positions are at hand.
 *
 * <p>This is the one place config bytes are read ({@link #open}).
 */
final class FileParser {
    private FileParser() {}

    /**
     * Reads {@code input}.
     *
     * @param prefix  what its pointers start with ("" alone, {@code /NAME} as one file of several)
     * @param part    one file of several: it need not state apiVersion or declare interfaces itself
     */
    static ParsedFile parse(ConfigInput input, String prefix, boolean part) {
        for (YamlReader.Way way : YamlReader.Way.values()) {
            Items items = new Items(input, prefix);
            CRC32C crc = new CRC32C();
            YamlReader.Result yaml;
            BoundedText text = null;
            try (YamlEvents events = YamlReader.events(way, text = open(input, crc))) {
                yaml = YamlReader.read(events, items);
            } catch (FastYamlEvents.Unsupported | YamlReader.NeedsTree e) {
                continue;
            } catch (IOException | UncheckedIOException e) {
                return unreadable(input, prefix, way, List.of(why(input, e)), text == null ? 0 : text.codePoints());
            }
            return parsed(input, prefix, part, way, yaml, items, crc.getValue(), text.codePoints());
        }
        throw new IllegalStateException("the tree way reads every text");
    }

    /**
     * The text of {@code input}, decoded strictly as UTF-8, its bytes summed into {@code crc}, within the bounds of
     * {@link BoundedText} (size, line length): the one place config bytes enter the loader.
     */
    static BoundedText open(ConfigInput input, CRC32C crc) throws IOException {
        InputStream bytes = new CheckedInputStream(input.bytes().open(), crc);
        return new BoundedText(new InputStreamReader(bytes, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
    }

    /** Why {@code input} could not be read, in words; text that is not UTF-8 at its line, column and byte offset. */
    private static ConfigError why(ConfigInput input, Exception e) {
        IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
        return switch (cause) {
            case BoundedText.Exceeded x -> new ConfigError(input.name(), x.line, x.column, x.getMessage());
            case NoSuchFileException n -> ConfigError.ofFile(input.name(), "no such file");
            case RegularFile.NotRegular n -> ConfigError.ofFile(input.name(), n.getMessage());
            case CharacterCodingException c -> notUtf8(input);
            default -> ConfigError.ofFile(input.name(), "cannot be read: " + IoErrors.cause(cause));
        };
    }

    /** Where {@code input} stops being UTF-8: read again, streamed, to place it (the decoder that refused does not say). */
    private static ConfigError notUtf8(ConfigInput input) {
        try (InputStream bytes = input.bytes().open()) {
            return Utf8.firstMalformed(bytes)
                    .map(at -> new ConfigError(input.name(), at.line(), at.column(), at.describe()))
                    .orElseGet(() -> ConfigError.ofFile(input.name(), "is not UTF-8 text"));
        } catch (IOException e) {
            return ConfigError.ofFile(input.name(), "is not UTF-8 text");
        }
    }

    private static ParsedFile unreadable(ConfigInput input, String prefix, YamlReader.Way way, List<ConfigError> errors,
            long characters) {
        return new ParsedFile(input, prefix, way, false, null, Map.of(), new FlowTable(prefix + "/flows"), 0, Set.of(),
                errors, 0, new SourceMap(), false, List.of(), 0, characters);
    }

    private static ParsedFile parsed(ConfigInput input, String prefix, boolean part, YamlReader.Way way,
            YamlReader.Result yaml, Items items, long checksum, long characters) {
        SourceMap sourceMap = yaml.sourceMap();
        List<Problem> problems = new ArrayList<>(yaml.problems());
        if (yaml.root().isEmpty()) {
            return unreadable(input, prefix, way, place(input, prefix, sourceMap, problems), characters);
        }
        JsonNode root = yaml.root().get();
        JsonNode apiVersion = root.get("apiVersion");
        if (apiVersion != null && apiVersion.isTextual() && !Config.SUPPORTED_API_VERSIONS.contains(apiVersion.textValue())) {
            // Nothing else can be judged against a format this build does not know.
            problems.add(new Problem.AtValue("/apiVersion", "'" + apiVersion.textValue() + "' is not a supported apiVersion"
                    + " (supported: " + String.join(", ", Config.SUPPORTED_API_VERSIONS) + ")"));
            return unreadable(input, prefix, way, place(input, prefix, sourceMap, problems), characters);
        }
        SchemaCheck.Result schema = part ? SchemaCheck.checkPart(root) : SchemaCheck.check(root);
        problems.addAll(schema.problems());
        Set<String> rejected = new HashSet<>();
        schema.rejected().forEach(p -> rejected.add(prefix + p));

        List<Problem> semantic = new ArrayList<>();
        Binder.Bound bound = Binder.bind(root, prefix, semantic);
        List<Problem> placed = new ArrayList<>(problems);
        for (Problem problem : semantic) {
            String pointer = problem.pointerOrNull();
            if (pointer == null || !Pointer.coveredByAny(rejected, pointer)) {
                placed.add(problem);
            }
        }
        unexplained(bound.skipped(), placed, prefix);
        List<ConfigError> errors = new ArrayList<>(place(input, prefix, sourceMap, placed));
        errors.addAll(items.errors);
        rejected.addAll(items.rejected);
        List<String> sections = new ArrayList<>();
        root.fieldNames().forEachRemaining(sections::add);
        Layer base = bound.base();
        return new ParsedFile(input, prefix, way, true, base, bound.nodes(), items.table.trim(), items.unread,
                Set.copyOf(rejected), List.copyOf(errors), items.unkept, sourceMap, items.streamed, List.copyOf(sections), checksum,
                characters);
    }

    /**
     * Never lose an entry silently: every entry left out must come with a reason. Reaching this is a bug.
     * Problems of the schema have pointers within the file, the binder's (and the entries) start with {@code prefix}.
     */
    private static void unexplained(List<String> skipped, List<Problem> problems, String prefix) {
        if (skipped.isEmpty()) {
            return;
        }
        List<String> pointers = new ArrayList<>();
        for (Problem problem : problems) {
            String p = problem.pointerOrNull();
            if (p != null) {
                pointers.add(p.startsWith(prefix) ? p : prefix + p);
            }
        }
        Set<String> explained = Pointer.selfAndAncestors(pointers);
        boolean anyAtPosition = problems.stream().anyMatch(p -> p instanceof Problem.AtPosition);
        for (String entry : skipped) {
            if (!explained.contains(entry) && !anyAtPosition) {
                problems.add(new Problem.AtValue(entry, "could not be read, for no reason xdprecon can name"
                        + " (a bug: please report it with this file)"));
            }
        }
    }

    /**
     * Places problems found in one file, with its source map: schema problems have pointers within the file,
     * the binder's start with the prefix.
     */
    private static List<ConfigError> place(ConfigInput input, String prefix, SourceMap sourceMap, List<Problem> problems) {
        TreeSet<ConfigError> errors = new TreeSet<>();
        for (Problem problem : problems) {
            String pointer = problem.pointerOrNull();
            Problem local = pointer != null && !prefix.isEmpty() && pointer.startsWith(prefix)
                    && (pointer.length() == prefix.length() || pointer.charAt(prefix.length()) == '/')
                    ? relocate(problem, pointer.substring(prefix.length())) : problem;
            errors.add(Locator.error(input.name(), sourceMap, local, p -> {
                throw new IllegalStateException("a file's own problems mention nothing");
            }));
        }
        return List.copyOf(errors);
    }

    private static Problem relocate(Problem problem, String pointer) {
        return switch (problem) {
            case Problem.AtValue v -> new Problem.AtValue(pointer, v.message());
            case Problem.AtKey k -> new Problem.AtKey(pointer, k.message());
            case Problem.AtPosition p -> p;
        };
    }

    /**
     * Errors of the streamed flows kept, per file: past them, the rest are only counted. Only the first
     * {@link ConfigException#SHOWN} are shown; a file of 128 Mi characters can hold millions (an unknown key a line).
     */
    static final int MAX_FLOW_ERRORS = 10_000;

    /** The items of {@code flows}, one at a time: packed when certainly valid, else checked in full. */
    private static final class Items implements YamlReader.Items {
        final FlowTable table;
        final ConfigInput input;
        final String prefix;
        final List<ConfigError> errors = new ArrayList<>();
        final Set<String> rejected = new HashSet<>();
        int unread;
        boolean streamed;
        /** Errors of flows past {@link #MAX_FLOW_ERRORS}, counted only. */
        int unkept;

        Items(ConfigInput input, String prefix) {
            this.input = input;
            this.prefix = prefix;
            this.table = new FlowTable(prefix + "/flows");
        }

        @Override
        public void item(int index, YamlReader.EventRun item, YamlReader reader) {
            streamed = true;
            if (index > FlowTable.MAX_ROWS) {
                if (index == FlowTable.MAX_ROWS + 1) {
                    SourceMap.Position at = reader.streamedAt();
                    errors.add(new ConfigError(input.name(), at.line(), at.column(), "flows: more than " + FlowTable.MAX_ROWS
                            + " flows in one file; split them over several files (a config directory)"));
                }
                return;
            }
            if (FlowShape.read(item, index, table)) {
                return;
            }
            YamlReader.Composed composed = reader.compose(item, index);
            SchemaCheck.Result schema = SchemaCheck.checkFlow(composed.value(), index);
            List<Problem> problems = new ArrayList<>(schema.problems());
            List<Problem> semantic = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            String pointer = "/flows/" + index;
            Optional<FlowSpec> flow = Binder.flow(composed.value(), pointer, semantic, skipped);
            for (Problem problem : semantic) {
                if (!Pointer.coveredByAny(schema.rejected(), problem.pointerOrNull())) {
                    problems.add(problem);
                }
            }
            unexplained(skipped, problems, "");
            schema.rejected().forEach(r -> rejected.add(prefix + r));
            flow.ifPresentOrElse(f -> table.add(index, f.name().value(), f.client().value(), f.listen().iface().value(),
                            f.listen().address().value(), f.listen().port().value(), f.egress().iface().value(),
                            f.egress().address().value(), f.egress().port().value(), f.server().value()),
                    () -> unread++);
            if (!problems.isEmpty() && errors.size() >= MAX_FLOW_ERRORS) {
                unkept += problems.size();
            } else if (!problems.isEmpty()) {
                SourceMap.MapPlace root = new SourceMap.MapPlace(new SourceMap.Position(1, 1), 1);
                root.place(root.add("flows", reader.streamedAt()), new SourceMap.ItemsPlace(reader.streamedAt(),
                        Map.of(index, composed.place())));
                SourceMap itemMap = new SourceMap(root);
                for (Problem problem : problems) {
                    errors.add(Locator.error(input.name(), itemMap, problem, p -> {
                        throw new IllegalStateException("a flow's own problems mention nothing");
                    }));
                }
            }
        }
    }

    /** The parsed files of a config, by their pointer prefix. */
    static Map<String, ParsedFile> byPrefix(List<ParsedFile> files) {
        Map<String, ParsedFile> map = new LinkedHashMap<>();
        files.forEach(f -> map.put(f.prefix(), f));
        return map;
    }
}
