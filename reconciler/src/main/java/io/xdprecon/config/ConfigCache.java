package io.xdprecon.config;

import io.xdprecon.host.InOrder;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.FutureTask;

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
 * go through {@link #load(Path, List, String, InterfaceResolver)}. A daemon's start reads its first revision ahead
 * ({@link #readAhead}) while it makes the rest of itself.
 */
public final class ConfigCache {
    /** Where a file's result may be reused: the same content at the same place in the config. */
    private record Key(String prefix, boolean part, String id) {}

    /** A config and the state it asks of one node. */
    public record Loaded(Config config, DesiredState desired) {}

    /** How the last load went: files read, and files whose result was reused. */
    public record Reads(int read, int reused) {}

    /**
     * Where the last load spent its time (ns) after it was asked for: reading files on their own, checking them
     * together, a node's rules; whether the load took a read ahead ({@link #readAhead}), and how much of that work it
     * had done before the load was asked for (0 when the load came first and waited for all of it).
     */
    public record Stages(long readNanos, long checksNanos, long rulesNanos, boolean readAhead, long aheadNanos) {
        Stages(long readNanos, long checksNanos, long rulesNanos) {
            this(readNanos, checksNanos, rulesNanos, false, 0);
        }
    }

    /**
     * A load made before anyone asked for it ({@link #readAhead}): its files (names and content ids), its config, the
     * node's rules when they could be built, its reads, and when (nanoTime) it began, had read, had checked and ended.
     */
    private record Ahead(Path root, List<Path> names, List<String> ids, Config config, Optional<Config.NodeRules> rules,
            Reads reads, long began, long read, long checked, long ended) {
        /**
         * Whether {@code files} are the files it loaded: the same names with the same contents (a source opens the
         * same name and id alike, the bytes checked against the id as they are read).
         */
        boolean loaded(Path root, List<ConfigInput> files) {
            if (!this.root.equals(root) || files.size() != names.size()) {
                return false;
            }
            for (int i = 0; i < files.size(); i++) {
                if (!files.get(i).name().equals(names.get(i)) || !files.get(i).id().equals(ids.get(i))
                        || files.get(i).id().isEmpty()) {
                    return false;
                }
            }
            return true;
        }
    }

    private Map<Key, ParsedFile> kept = Map.of();
    private final KeptFlowIndex index = new KeptFlowIndex();
    /** The node's rules as the last load built them: an unchanged file's flows keep theirs. */
    private Optional<Config.NodeRules> lastRules = Optional.empty();
    private Reads last = new Reads(0, 0);
    private Stages lastStages = new Stages(0, 0, 0);
    /** The read ahead under way or done, until a load takes it; null when none (guarded by {@code aheadLock}). */
    private FutureTask<Ahead> ahead;
    /** Whether a load was asked for: a read ahead after it would read for no one (guarded by {@code aheadLock}). */
    private boolean asked;
    private final Object aheadLock = new Object();
    /** The CPU of the read ahead, counted as the work of a load that waits for it (the daemon's watchdog). */
    private final InOrder.WorkCpu aheadCpu = new InOrder.WorkCpu();

    /**
     * Starts loading {@code files} for {@code node} on a thread of its own ({@code xdprecon-config-read-ahead}), before
     * anyone asks: the daemon's start reads its first revision (the files its source's prefetch read complete) while
     * it makes its datapath, metrics and watch, on the core they leave idle. The first load waits for it (its CPU
     * counted as that load's work, {@link InOrder#awaiting}) and, when it asks for the same files (names and content
     * ids), takes its result: the config, and the node's rules unless a device of theirs resolves otherwise now (the
     * read ahead may run in another network namespace than the load). A load of other files (the config changed
     * since) makes its own, reading only the files whose content is new, as after any load. A read ahead that fails
     * (a problem in the config, a device missing) leaves the load to find and throw it: its files with problems were
     * not kept, and are read again. Nothing after the first load, or a second call, starts one.
     */
    public void readAhead(Path root, List<ConfigInput> files, String node, InterfaceResolver resolver) {
        FutureTask<Ahead> task;
        synchronized (aheadLock) {
            if (asked || ahead != null) {
                return;
            }
            task = new FutureTask<>(() -> InOrder.workingFor(aheadCpu, cpu -> loadAhead(root, files, node, resolver)));
            ahead = task;
        }
        Thread.ofPlatform().name("xdprecon-config-read-ahead").daemon().start(task);
    }

    /** The read ahead itself: null when the config has a problem (the load that asks finds it again). */
    private synchronized Ahead loadAhead(Path root, List<ConfigInput> files, String node, InterfaceResolver resolver) {
        long began = System.nanoTime();
        Config config;
        try {
            config = load(root, files, began);
        } catch (ConfigException problems) {
            return null;
        }
        long read = began + lastStages.readNanos();
        long checked = read + lastStages.checksNanos();
        Optional<Config.NodeRules> rules;
        try {
            rules = Optional.of(rulesFor(config, node, resolver));
        } catch (ConfigException missing) {
            rules = Optional.empty(); // a device missing here, maybe not where the load asks: it builds them
        }
        return new Ahead(root, files.stream().map(ConfigInput::name).toList(), files.stream().map(ConfigInput::id).toList(),
                config, rules, last, began, read, checked, System.nanoTime());
    }

    /**
     * The read ahead, once it has ended, if one was started: no later load waits for one. Null when none, or when it
     * failed. Waits without regard to interrupts, as a load on this thread would.
     */
    private Ahead awaitAhead() {
        FutureTask<Ahead> task;
        synchronized (aheadLock) {
            asked = true;
            task = ahead;
            ahead = null;
        }
        if (task == null) {
            return null;
        }
        try {
            return InOrder.awaiting(aheadCpu, task);
        } catch (RuntimeException | Error failed) {
            return null; // what failed there (out of heap?) fails again in the load, where it is reported as ever
        }
    }

    /**
     * The config made of {@code files} (see {@link ConfigLoader#load(Path, List)}), reading only those whose id is
     * new since the last load.
     *
     * @throws ConfigException with every problem found
     */
    public Config load(Path root, List<ConfigInput> files) {
        awaitAhead(); // its files are kept like any load's: only new content is read
        synchronized (this) {
            return load(root, files, System.nanoTime());
        }
    }

    /** {@link #load(Path, List)} begun at {@code start} (nanoTime), under this cache's lock. */
    private Config load(Path root, List<ConfigInput> files, long start) {
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
    public Loaded load(Path root, List<ConfigInput> files, String node, InterfaceResolver resolver) {
        long askedAt = System.nanoTime();
        Ahead done = awaitAhead();
        synchronized (this) {
            if (done != null && done.loaded(root, files)) {
                return taken(done, askedAt, node, resolver);
            }
            done = null; // another revision: what it holds is garbage before this load makes its own
            Config config = load(root, files, System.nanoTime());
            long checked = System.nanoTime();
            Config.NodeRules rules = rulesFor(config, node, resolver);
            lastStages = new Stages(lastStages.readNanos(), lastStages.checksNanos(), System.nanoTime() - checked);
            return new Loaded(config, rules.desired());
        }
    }

    /**
     * The load of the files {@code done} read ahead, asked for at {@code askedAt}: its config, and its rules when they
     * are {@code node}'s and each of their devices resolves to the same ifindex through {@code resolver}, else rules
     * built now. Its stages are the parts of the read ahead's that fell after {@code askedAt} (the load waited for
     * them), the rest {@link Stages#aheadNanos() ahead}.
     */
    private Loaded taken(Ahead done, long askedAt, String node, InterfaceResolver resolver) {
        long waited = System.nanoTime();
        Config.NodeRules rules = done.rules().filter(r -> r.node().equals(node) && resolvesAlike(r, resolver)).orElse(null);
        long rulesNow = 0;
        if (rules == null) {
            long start = System.nanoTime();
            rules = rulesFor(done.config(), node, resolver);
            rulesNow = System.nanoTime() - start;
        }
        last = done.reads();
        long read = within(done.began(), done.read(), askedAt, waited);
        long checks = within(done.read(), done.checked(), askedAt, waited);
        long builtRules = within(done.checked(), done.ended(), askedAt, waited);
        lastStages = new Stages(read, checks, builtRules + rulesNow, true,
                (done.ended() - done.began()) - (read + checks + builtRules));
        return new Loaded(done.config(), rules.desired());
    }

    /** {@code node}'s rules of {@code config}, an unchanged file's flows keeping the last load's: kept as the last. */
    private Config.NodeRules rulesFor(Config config, String node, InterfaceResolver resolver) {
        Config.NodeRules rules = config.forNode(node, resolver, lastRules);
        lastRules = Optional.of(rules);
        return rules;
    }

    /** Whether each device of {@code rules} has the ifindex they were built with through {@code resolver}. */
    private static boolean resolvesAlike(Config.NodeRules rules, InterfaceResolver resolver) {
        for (Map.Entry<String, Integer> device : rules.desired().datapath().attachTo().entrySet()) {
            if (!resolver.ifindex(device.getKey()).equals(OptionalInt.of(device.getValue()))) {
                return false;
            }
        }
        return true;
    }

    /** How much of [{@code from}, {@code to}) falls within [{@code start}, {@code end}) (ns). */
    private static long within(long from, long to, long start, long end) {
        return Math.max(0, Math.min(to, end) - Math.max(from, start));
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
