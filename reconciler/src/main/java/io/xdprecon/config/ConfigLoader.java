package io.xdprecon.config;

import io.xdprecon.config.Spec.DatapathSpec;
import io.xdprecon.config.Spec.InterfaceSpec;
import io.xdprecon.config.Spec.Layer;
import io.xdprecon.config.Spec.NodeSpec;
import io.xdprecon.config.Spec.ServiceEntry;
import io.xdprecon.config.Spec.TuningSpec;
import io.xdprecon.host.InOrder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads a config — one file, or a directory of YAML files — and checks all of it before anyone acts on it:
 * <ol>
 *   <li>each file on its own ({@link FileParser}): YAML, composed with positions (one document, a mapping, no
 *       duplicate or non-string keys, bounded aliases — {@link YamlReader}); the JSON Schema
 *       {@code schema/flows.schema.json} ({@link SchemaCheck}); the meaning of each value ({@link Binder}).
 *       The {@code flows} list is streamed into packed rows ({@link FlowTable}), never held as a tree;
 *   <li>the files together: {@code flows} and {@code services} may be split over files, every other section
 *       stands in one file;
 *   <li>the base, and each node's override merged over it ({@link Merger}), against the rules a schema
 *       cannot state: unique names and rule keys, declared interfaces, disjoint port pools, capacities —
 *       {@link Checks}.
 * </ol>
 * Every problem of every stage is collected and reported at once, as {@code file:line:col: message}; one that
 * involves a value of another file names it as {@code FILE:LINE:COL}. A value the schema rejects is not
 * reported again by later stages.
 *
 * <p>Loading is a pure function of the files' contents: it reads them and nothing else, resolves no
 * interface, writes nothing. A node's devices are checked when {@link Config#forNode} is asked for it.
 */
public final class ConfigLoader {
    /** The sections that stand in one file of a config directory; flows and services may be split. */
    static final List<String> ONCE = List.of("interfaces", "localIps", "datapath", "tuning", "nodes", "suspend",
            "unnamedNodes");

    private ConfigLoader() {}

    /**
     * Reads and checks {@code path}: a config file, or a directory whose YAML files ({@code *.yaml}, {@code *.yml},
     * in subdirectories too, hidden ones left out) together make the config.
     *
     * @throws ConfigException with every problem found
     */
    public static Config load(Path path) {
        if (Files.isDirectory(path)) {
            return load(path, directory(path));
        }
        return load(path, List.of(ConfigInput.of(path, "")));
    }

    /**
     * Checks config text that came from elsewhere (e.g. a file at a Git revision).
     *
     * @param file  names the text in messages; not read
     * @throws ConfigException with every problem found
     */
    public static Config parse(Path file, String text) {
        return load(file, List.of(ConfigInput.ofText(file, text)));
    }

    /**
     * Reads and checks the config made of {@code files}: one file is a config on its own; several are the files
     * of the directory {@code root} (their names under it).
     *
     * @throws ConfigException with every problem found
     */
    public static Config load(Path root, List<ConfigInput> files) {
        return assemble(root, parse(root, files));
    }

    /** The YAML files of a config directory, in path order. */
    public static List<ConfigInput> directory(Path dir) {
        // The walk's own attributes say what is a regular file (a link is asked where it leads), and each file's name
        // is made once, not at each comparison of the sort: listing 256 files cost 50-100 ms of a cold start (issue 9).
        record Named(String name, Path file) {}
        try (Stream<Path> walk = Files.find(dir, Integer.MAX_VALUE, (p, attributes) -> (attributes.isRegularFile()
                || attributes.isSymbolicLink() && Files.isRegularFile(p)) && isYaml(dir.relativize(p)))) {
            return walk.map(p -> new Named(relative(dir, p), p)).sorted(java.util.Comparator.comparing(Named::name))
                    .map(n -> ConfigInput.of(n.file(), "")).toList();
        } catch (IOException e) {
            throw new ConfigException(List.of(ConfigError.ofFile(dir, "cannot be read: " + e.getMessage())));
        } catch (UncheckedIOException e) {
            throw new ConfigException(List.of(ConfigError.ofFile(dir, "cannot be read: " + e.getCause().getMessage())));
        }
    }

    /** A YAML file's path relative to the config directory: no part hidden, a .yaml or .yml name. */
    public static boolean isYaml(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        String name = relative.getFileName().toString();
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /** A file's name within its config directory, with '/' between parts: how files sort and are named. */
    static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    /** Each file read on its own; a file of several has its path (relative to {@code root}) as pointer prefix. */
    static List<ParsedFile> parse(Path root, List<ConfigInput> files) {
        return parse(root, files, FileParser::parse);
    }

    /** How one file is read: {@link FileParser#parse}, or a result kept from before ({@link ConfigCache}). */
    @FunctionalInterface
    interface FileReader {
        ParsedFile read(ConfigInput input, String prefix, boolean part);
    }

    /**
     * {@link #parse(Path, List)} with each file read by {@code reader}. The files of a directory are read on every
     * core ({@link #readAll}); one file alone is read on the calling thread, streamed as ever.
     */
    static List<ParsedFile> parse(Path root, List<ConfigInput> files, FileReader reader) {
        if (files.isEmpty()) {
            throw new ConfigException(List.of(ConfigError.ofFile(root, "holds no YAML file (*.yaml, *.yml)")));
        }
        if (files.size() >= FlowIndex.MAX_SLOTS) {
            throw new ConfigException(List.of(ConfigError.ofFile(root, "holds " + files.size()
                    + " YAML files; a config has at most " + (FlowIndex.MAX_SLOTS - 1))));
        }
        if (files.size() == 1) {
            return List.of(reader.read(files.getFirst(), prefix(root, files.getFirst(), 1), false));
        }
        return readAll(root, files, reader, InOrder.cores());
    }

    /**
     * The files of a directory read by {@code reader} on {@code threads} threads ({@link InOrder}), their results in
     * path order: a directory of 256 files started slower than its flows in one file, read on one core. The
     * characters are summed in path order, so a directory past the bound fails at the same file, with the same
     * message, as read one by one, and holds at most twice as many files' results as there are threads beyond it
     * (each file bounded while it is read); a reader's exception is thrown as it would be, the first in path order.
     */
    static List<ParsedFile> readAll(Path root, List<ConfigInput> files, FileReader reader, int threads) {
        List<ParsedFile> parsed = new ArrayList<>(files.size());
        long[] characters = {0};
        InOrder.forEach(files, threads, input -> reader.read(input, prefix(root, input, files.size()), true), file -> {
            parsed.add(file);
            // One file is bounded while it is read; its results (packed flows, a tree) are kept until all are read.
            if ((characters[0] += file.characters()) > YamlReader.MAX_CODE_POINTS) {
                throw new ConfigException(List.of(ConfigError.ofFile(file.input().name(), "the config's files hold more"
                        + " than " + YamlReader.MAX_CODE_POINTS + " characters (128 Mi) with this one, the bound of a"
                        + " config directory as of one file; the files after it were not read")));
            }
        });
        return parsed;
    }

    /** The pointer prefix of {@code input}: "" alone, else its relative path as one pointer segment. */
    static String prefix(Path root, ConfigInput input, int files) {
        return files == 1 ? Pointer.ROOT : Pointer.child(Pointer.ROOT, relative(root, input.name()));
    }

    /** The config the parsed files make together, checked as a whole. */
    static Config assemble(Path root, List<ParsedFile> files) {
        return assemble(root, files, ConfigLoader::index);
    }

    /**
     * {@link #assemble(Path, List)} with the base's flows indexed by {@code indexer}: built anew, or a kept index
     * updated by the tables that changed ({@link ConfigCache}).
     */
    static Config assemble(Path root, List<ParsedFile> files, java.util.function.Function<NodeSpec, FlowIndex> indexer) {
        List<ConfigError> errors = new ArrayList<>();
        files.forEach(f -> errors.addAll(f.errors()));
        if (files.stream().anyMatch(f -> !f.readable())) {
            throw failure(errors, files, 0); // what a file declares is unknown: checks across files would mislead
        }
        List<Problem> problems = new ArrayList<>();
        Layer base;
        Map<String, Layer> nodeLayers;
        if (files.size() == 1) {
            base = files.getFirst().base();
            nodeLayers = files.getFirst().nodes();
        } else {
            base = combine(root, files, problems, errors);
            nodeLayers = holder(files, "nodes").map(ParsedFile::nodes).orElse(Map.of());
        }
        List<FlowTable> tables = new ArrayList<>();
        int unread = 0;
        for (ParsedFile file : files) {
            tables.add(file.flows());
            unread += file.unreadFlows();
        }
        NodeSpec baseSpec = Merger.base(base, tables, unread);
        FlowIndex baseIndex = indexer.apply(baseSpec);
        List<Problem> semantic = new ArrayList<>(problems);
        List<Problem> baseProblems = Checks.check(baseSpec, baseIndex);
        semantic.addAll(baseProblems);
        Set<Problem> reported = new HashSet<>(baseProblems);
        Map<String, NodeSpec> nodes = new LinkedHashMap<>();
        for (Map.Entry<String, Layer> node : nodeLayers.entrySet()) {
            List<Problem> nodeProblems = new ArrayList<>();
            NodeSpec merged = Merger.merge(baseSpec, node.getKey(), node.getValue(), nodeProblems);
            nodeProblems.addAll(Checks.check(merged, sameFlows(baseSpec, merged) ? baseIndex : index(merged)));
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
        Set<String> rejected = new HashSet<>();
        files.forEach(f -> rejected.addAll(f.rejected()));
        List<Problem> kept = new ArrayList<>();
        for (Problem problem : semantic) {
            String pointer = problem.pointerOrNull();
            if (pointer == null || !Pointer.coveredByAny(rejected, pointer)) {
                kept.add(problem);
            }
        }
        // Placing a problem of a streamed flow reads its item again and keeps its positions: a clash repeated by
        // 212,000 flows (one egress port per 50,000) ran the unit's 256 MB heap out. The first are placed, as a
        // file's own flow errors are ({@link FileParser#MAX_FLOW_ERRORS}); the rest are counted.
        int unplaced = Math.max(0, kept.size() - FileParser.MAX_FLOW_ERRORS);
        Locator locator = new Locator(files);
        errors.addAll(locator.place(unplaced == 0 ? kept : kept.subList(0, FileParser.MAX_FLOW_ERRORS)));
        if (!errors.isEmpty()) {
            throw failure(errors, files, unplaced);
        }
        String nodesPointer = (files.size() == 1 ? Optional.of(files.getFirst()) : holder(files, "nodes"))
                .map(f -> Pointer.child(f.prefix(), "nodes")).orElse(Pointer.ROOT);
        return new Config(root, files, baseSpec, nodes, base.unnamedNodesGetBase(), nodesPointer);
    }

    /** The flows of {@code spec} in an index, each table with its devices. */
    static FlowIndex index(NodeSpec spec) {
        FlowIndex index = new FlowIndex();
        int rows = 0;
        for (FlowTable table : spec.flows()) {
            rows += table.size();
        }
        index.reserve(rows);
        for (int i = 0; i < spec.flows().size(); i++) {
            index.add(i, spec.flows().get(i), Checks.devices(spec, spec.flows().get(i)), i);
        }
        return index;
    }

    /** A node whose flows, and the devices they name, are the base's: the base's index serves it. */
    private static boolean sameFlows(NodeSpec base, NodeSpec node) {
        if (node.flows() != base.flows()) {
            return false;
        }
        for (FlowTable table : base.flows()) {
            if (!java.util.Arrays.equals(Checks.devices(base, table), Checks.devices(node, table))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The base layer of a config directory: each section but flows and services from the one file that has it
     * (a second file that has it too is a problem), services from all of them in path order.
     */
    private static Layer combine(Path root, List<ParsedFile> files, List<Problem> problems, List<ConfigError> errors) {
        for (String section : ONCE) {
            ParsedFile first = null;
            for (ParsedFile file : files) {
                if (!file.sections().contains(section)) {
                    continue;
                }
                if (first == null) {
                    first = file;
                } else {
                    problems.add(new Problem.AtKey(file.prefix() + "/" + section, "'" + section + "' is already set in "
                            + Mention.of(first.prefix() + "/" + section) + "; only flows and services may be split over files"));
                }
            }
        }
        if (files.stream().noneMatch(f -> f.sections().contains("apiVersion"))) {
            errors.add(ConfigError.ofFile(root, "no file states 'apiVersion: " + Config.API_VERSION + "'"));
        }
        if (files.stream().noneMatch(f -> f.sections().contains("interfaces"))) {
            errors.add(ConfigError.ofFile(root, "no file declares 'interfaces'"));
        }
        Optional<ParsedFile> interfaces = holder(files, "interfaces");
        Optional<ParsedFile> localIps = holder(files, "localIps");
        Optional<ParsedFile> datapath = holder(files, "datapath");
        Optional<ParsedFile> tuning = holder(files, "tuning");
        List<ServiceEntry> services = new ArrayList<>();
        boolean anyServices = false;
        for (ParsedFile file : files) {
            if (file.base().services().isPresent()) {
                anyServices = true;
                services.addAll(file.base().services().get());
            }
        }
        Map<String, InterfaceSpec> declared = interfaces.map(f -> f.base().interfaces()).orElse(Map.of());
        return new Layer(Pointer.ROOT, declared, localIps.flatMap(f -> f.base().localIps()),
                datapath.map(f -> f.base().datapath()).orElse(DatapathSpec.UNSET), Optional.empty(),
                anyServices ? Optional.of(services) : Optional.empty(),
                tuning.map(f -> f.base().tuning()).orElse(TuningSpec.UNSET), 0,
                holder(files, "suspend").flatMap(f -> f.base().suspend()),
                holder(files, "unnamedNodes").flatMap(f -> f.base().unnamedNodesGetBase()));
    }

    /** The first file that has {@code section}. */
    private static Optional<ParsedFile> holder(List<ParsedFile> files, String section) {
        return files.stream().filter(f -> f.sections().contains(section)).findFirst();
    }

    private static ConfigException failure(List<ConfigError> errors, List<ParsedFile> files, int unplaced) {
        java.util.TreeSet<ConfigError> sorted = new java.util.TreeSet<>(
                java.util.Comparator.comparing((ConfigError e) -> e.file().toString()).thenComparing(e -> e));
        sorted.addAll(errors);
        return new ConfigException(List.copyOf(sorted), files.stream().mapToInt(ParsedFile::unkept).sum() + unplaced);
    }
}
