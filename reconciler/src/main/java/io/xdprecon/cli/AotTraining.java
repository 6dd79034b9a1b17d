package io.xdprecon.cli;

import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.host.FileTree;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.source.FileSource;
import io.xdprecon.source.Revision;
import io.xdprecon.source.SourceException;
import io.xdprecon.state.LiveRules;
import io.xdprecon.state.LiveState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The training run of the JDK's AOT cache (JEPs 483, 514, 515), which the launchers make with
 * {@code -XX:AOTCacheOutput} (the checkout's {@code xdprecon} on first use, {@code scripts/package.sh} for the .deb).
 * The cache keeps the classes this run loads and links, and the profiles of the methods it runs: what the training
 * walks starts faster. It walks, with no privileges and nothing written outside a temporary directory, what a
 * daemon's cold start walks before it touches the kernel — a file source read, the config loaded and checked, its
 * desired rules packed and planned cold against an empty node — over a generated config of {@link #FLOWS} flows,
 * enough for the loops to be profiled as they are at full scale; then {@code validate} and {@code plan --offline}
 * of that config, as an operator runs them. (Trained on {@code validate} of the 5-flow example, as before, the
 * daemon's classes were not in the cache and the load's profiles came from 5 flows.) Then the same of the config
 * split over {@link #SPLIT_FILES} files, as a fleet keeps it: its files listed and read on every core, each checked as
 * one part, their flows indexed and built across files — paths a one-file config never takes (trained on one file
 * only, a split config's {@code validate} and cold start loaded and ran them cold: issue 9).
 */
public final class AotTraining {
    /** Flows of the generated config: a few seconds of training, loops run thousands of times. */
    static final int FLOWS = 8_192;
    /** Files of the split config, which holds twice as many flows. */
    static final int SPLIT_FILES = 32;

    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("xdprecon-aot-training");
        try {
            Path config = dir.resolve("flows.yaml");
            FleetConfigs.writeFile(config, FLOWS, FleetConfigs.Keys.RANDOM, 1);
            coldStart(config, FLOWS);
            Path split = dir.resolve("fleet");
            FleetConfigs.writeDirectory(split, 2 * FLOWS, SPLIT_FILES, FleetConfigs.Keys.RANDOM, 1);
            coldStart(split, 2 * FLOWS);
            for (List<String> command : List.of(List.of("validate", config.toString()), List.of("validate", split.toString()),
                    List.of("plan", "--offline", "-c", config.toString(), "--node", "training"),
                    List.of("run", "--help"))) {
                Main.Captured run = Main.capture(EnvFile.NONE, command.toArray(String[]::new));
                if (run.exit() != 0) {
                    throw new IllegalStateException("xdprecon " + String.join(" ", command) + " failed: " + run.err());
                }
            }
        } finally {
            FileTree.delete(dir); // strict: AotTrainingTest holds the training to leaving nothing behind
        }
    }

    /** What the daemon does with a new revision of a file source on an empty node, up to the first write. */
    private static void coldStart(Path config, int flows) throws SourceException {
        Revision revision;
        try (FileSource source = new FileSource(config, Duration.ZERO)) {
            revision = source.poll();
        }
        // The generated config's devices (the lab's pc and ps) with stand-in ifindexes: nothing is resolved.
        ConfigCache.Loaded loaded = new ConfigCache().load(revision.root(), revision.files(), "training",
                InterfaceResolver.of(Map.of("pc", 1_000_001, "ps", 1_000_002)));
        LiveState empty = LiveState.absent(List.of(), Map.of());
        Plan plan = Planner.plan(loaded.desired(), empty, new LiveRules.Builder().build());
        if (plan.ruleChanges().size() != 2 * flows) {
            throw new IllegalStateException("the cold plan of " + flows + " flows has " + plan.ruleChanges().size() + " rules");
        }
    }
}
