package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.xdprecon.config.Spec.Layer;
import io.xdprecon.config.Spec.NodeSpec;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a config file and checks all of it before anyone acts on it:
 * <ol>
 *   <li>YAML, composed with positions (one document, a mapping, no duplicate or non-string keys, bounded
 *       aliases) — {@link YamlReader};
 *   <li>the JSON Schema {@code schema/flows.schema.json} — {@link SchemaCheck};
 *   <li>the meaning of each value (addresses, ranges, sizes) — {@link Binder};
 *   <li>the base, and each node's override merged over it ({@link Merger}), against the rules a schema
 *       cannot state: unique names and rule keys, declared interfaces, disjoint port pools, capacities —
 *       {@link Checks}.
 * </ol>
 * Every problem of every stage is collected and reported at once, as {@code file:line:col: message}. A
 * value the schema rejects is not reported again by later stages.
 *
 * <p>Loading is a pure function of the text: it reads the one file and nothing else, resolves no
 * interface, writes nothing. A node's devices are checked when {@link Config#forNode} is asked for it.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Reads and checks {@code file}. @throws ConfigException with every problem found */
    public static Config load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(ConfigError.ofFile(file, "no such file")));
        } catch (CharacterCodingException e) {
            throw new ConfigException(List.of(ConfigError.ofFile(file, "is not UTF-8 text")));
        } catch (IOException e) {
            throw new ConfigException(List.of(ConfigError.ofFile(file, "cannot be read: " + e.getMessage())));
        }
        return parse(file, text);
    }

    /**
     * Checks config text that came from elsewhere (e.g. a file at a Git revision).
     *
     * @param file  names the text in messages; not read
     * @throws ConfigException with every problem found
     */
    public static Config parse(Path file, String text) {
        YamlReader.Result yaml = YamlReader.read(text);
        SourceMap sourceMap = yaml.sourceMap();
        List<Problem> problems = new ArrayList<>(yaml.problems());
        if (yaml.root().isEmpty()) {
            throw failure(file, sourceMap, problems);
        }
        JsonNode root = yaml.root().get();
        JsonNode apiVersion = root.get("apiVersion");
        if (apiVersion != null && apiVersion.isTextual() && !Config.SUPPORTED_API_VERSIONS.contains(apiVersion.textValue())) {
            // Nothing else can be judged against a format this build does not know.
            problems.add(new Problem.AtValue("/apiVersion", "'" + apiVersion.textValue() + "' is not a supported apiVersion"
                    + " (supported: " + String.join(", ", Config.SUPPORTED_API_VERSIONS) + ")"));
            throw failure(file, sourceMap, problems);
        }

        SchemaCheck.Result schema = SchemaCheck.check(root);
        problems.addAll(schema.problems());

        List<Problem> semantic = new ArrayList<>();
        Binder.Bound bound = Binder.bind(root, semantic);
        NodeSpec base = Merger.base(bound.base());
        List<Problem> baseProblems = Checks.check(base, sourceMap);
        semantic.addAll(baseProblems);
        Set<Problem> reported = new HashSet<>(baseProblems);
        Map<String, NodeSpec> nodes = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> node : bound.nodes().entrySet()) {
            List<Problem> nodeProblems = new ArrayList<>();
            NodeSpec merged = Merger.merge(base, node.getKey(), node.getValue(), sourceMap, nodeProblems);
            nodeProblems.addAll(Checks.check(merged, sourceMap));
            for (Problem problem : nodeProblems) {
                if (!reported.add(problem)) {
                    continue; // the base has it too: said once, for the base
                }
                String pointer = problem.pointerOrNull();
                boolean inOverride = pointer != null && Pointer.covers(node.getValue().pointer(), pointer);
                // A problem at a base value that only this node's override causes: say which node.
                semantic.add(inOverride ? problem : problem.append(" (on node '" + node.getKey() + "')"));
            }
            nodes.put(node.getKey(), merged);
        }
        for (Problem problem : semantic) {
            String pointer = problem.pointerOrNull();
            if (pointer == null || !Pointer.coveredByAny(schema.rejected(), pointer)) {
                problems.add(problem);
            }
        }
        Set<String> explained = bound.skipped().isEmpty() ? Set.of() : Pointer.selfAndAncestors(problems.stream()
                .map(Problem::pointerOrNull).filter(java.util.Objects::nonNull).toList());
        boolean anyAtPosition = problems.stream().anyMatch(p -> p instanceof Problem.AtPosition);
        for (String entry : bound.skipped()) {
            if (!explained.contains(entry) && !anyAtPosition) {
                // Never lose an entry silently: every skip must come with a reason. Reaching this is a bug.
                problems.add(new Problem.AtValue(entry, "could not be read, for no reason xdprecon can name"
                        + " (a bug: please report it with this file)"));
            }
        }
        if (!problems.isEmpty()) {
            throw failure(file, sourceMap, problems);
        }
        return new Config(file, sourceMap, base, nodes);
    }

    private static ConfigException failure(Path file, SourceMap sourceMap, List<Problem> problems) {
        TreeSet<ConfigError> errors = new TreeSet<>(); // sorted by position, identical ones once
        for (Problem problem : problems) {
            errors.add(error(file, sourceMap, problem));
        }
        return new ConfigException(List.copyOf(errors));
    }

    /** Places a problem in the file and prefixes the readable path of the value it is about. */
    static ConfigError error(Path file, SourceMap sourceMap, Problem problem) {
        return switch (problem) {
            case Problem.AtValue v -> at(file, sourceMap.valueAt(v.pointer()), label(sourceMap, v.pointer()) + v.message());
            case Problem.AtKey k -> at(file, sourceMap.keyAt(k.pointer()), label(sourceMap, Pointer.parent(k.pointer())) + k.message());
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
