package io.xdprecon.config;

import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads revision after revision of a config, reading only the files whose content changed: each file's result
 * ({@link ParsedFile}: its YAML, schema and value checks, its flows packed) is kept by its content id — the SHA-256
 * of a file's bytes, a Git blob id — and reused while a revision delivers the same id at the same place (the same
 * path in the directory, one file alone or one of several). The checks across files run on every load; they are
 * what a change in one file can break elsewhere (a key another file holds, an egress taken twice): against the
 * base's index of flows kept from the load before, updated by the tables of the files read ({@link KeptFlowIndex}).
 * A node's desired rules likewise: an unchanged file's rules are taken from the last load's, merged with the
 * rules of the files read ({@link Config#forNode(String, InterfaceResolver, java.util.Optional)}).
 *
 * <p>A result is kept only from the load before: files that left the config are forgotten, so the cache holds what
 * the last config holds anyway. Files with problems are never kept (their errors name the revision they were read
 * in). Loads are serialised.
 *
 * <p>This is the one way from a source's revision to a node's desired state: the daemon and {@code plan/apply --git}
 * go through {@link #load(Path, List, String, InterfaceResolver)}.
 */
public final class ConfigCache {
    /** Where a file's result may be reused: the same content at the same place in the config. */
    private record Key(String prefix, boolean part, String id) {}

    /** A config and the state it asks of one node. */
    public record Loaded(Config config, DesiredState desired) {}

    /** How the last load went: files read, and files whose result was reused. */
    public record Reads(int read, int reused) {}

    /** Where the last load spent its time (ns): reading files on their own, checking them together, a node's rules. */
    public record Stages(long readNanos, long checksNanos, long rulesNanos) {}

    private Map<Key, ParsedFile> kept = Map.of();
    private final KeptFlowIndex index = new KeptFlowIndex();
    /** The node's rules as the last load built them: an unchanged file's flows keep theirs. */
    private java.util.Optional<Config.NodeRules> lastRules = java.util.Optional.empty();
    private Reads last = new Reads(0, 0);
    private Stages lastStages = new Stages(0, 0, 0);

    /**
     * The config made of {@code files} (see {@link ConfigLoader#load(Path, List)}), reading only those whose id is
     * new since the last load.
     *
     * @throws ConfigException with every problem found
     */
    public synchronized Config load(Path root, List<ConfigInput> files) {
        long start = System.nanoTime();
        Map<Key, ParsedFile> before = kept;
        // Files are read on every core ({@link ConfigLoader#readAll}): the reader only reads the map kept before.
        java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
        List<ParsedFile> parsed = ConfigLoader.parse(root, files, (input, prefix, part) -> {
            ParsedFile reused = input.id().isEmpty() ? null : before.get(new Key(prefix, part, input.id()));
            if (reused != null) {
                return reused.input().equals(input) ? reused : reused.as(input);
            }
            read.incrementAndGet();
            return FileParser.parse(input, prefix, part);
        });
        Map<Key, ParsedFile> next = new HashMap<>();
        for (ParsedFile now : parsed) {
            if (!now.input().id().isEmpty() && now.readable() && now.errors().isEmpty()) {
                next.put(new Key(now.prefix(), files.size() > 1, now.input().id()), now);
            }
        }
        kept = next;
        last = new Reads(read.get(), files.size() - read.get());
        long parsedAt = System.nanoTime();
        lastStages = new Stages(parsedAt - start, 0, 0);
        Config config = ConfigLoader.assemble(root, parsed, index::update);
        lastStages = new Stages(parsedAt - start, System.nanoTime() - parsedAt, 0);
        return config;
    }

    /**
     * The config made of {@code files} and what it asks of {@code node}, its devices resolved by {@code resolver}.
     *
     * @throws ConfigException with every problem found, or naming each device the node lacks
     */
    public synchronized Loaded load(Path root, List<ConfigInput> files, String node, InterfaceResolver resolver) {
        Config config = load(root, files);
        long checked = System.nanoTime();
        Config.NodeRules rules = config.forNode(node, resolver, lastRules);
        lastStages = new Stages(lastStages.readNanos(), lastStages.checksNanos(), System.nanoTime() - checked);
        lastRules = java.util.Optional.of(rules);
        return new Loaded(config, rules.desired());
    }

    /** How the last load went. */
    public synchronized Reads lastReads() {
        return last;
    }

    /** Where the last load spent its time; what it did not reach (it failed before) is 0. */
    public synchronized Stages lastStages() {
        return lastStages;
    }
}
