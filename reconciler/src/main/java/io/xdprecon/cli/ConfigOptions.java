package io.xdprecon.cli;

import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.Revision;
import io.xdprecon.source.SourceException;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The config file and node a command works from; shared by plan and apply. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The flows config (YAML, see examples/flows.yaml and schema/flows.schema.json).")
    Path config;

    @Option(names = "--git", paramLabel = "URL",
            description = "Read the config from a Git repository instead (with --ref and --git-path), as the daemon would.")
    String git;

    @Option(names = "--ref", defaultValue = "main", description = "With --git: branch or tag (default: ${DEFAULT-VALUE}).")
    String ref;

    @Option(names = "--git-path", defaultValue = "flows.yaml",
            description = "With --git: the config's path in the repository, a file or a directory of YAML files (default: ${DEFAULT-VALUE}).")
    String gitPath;

    @Mixin
    GitAccessOptions gitAccess;

    @Option(names = "--node", paramLabel = "NAME", converter = NodeNameConverter.class,
            description = "Which node's overrides apply (default: this host's name).")
    String node;

    String node() {
        return node != null ? node : Config.defaultNode();
    }

    /**
     * Loads and validates the config and resolves it for this node, its interfaces in the current
     * network namespace. Every config error becomes one line of the CLI failure.
     */
    DesiredState desired() {
        return desired(InterfaceResolver.currentNetns());
    }

    /** Whether a config was named at all (-c or --git). */
    boolean given() {
        return config != null || git != null;
    }

    /** As {@link #desired()}, resolving interfaces with {@code resolver}. */
    DesiredState desired(InterfaceResolver resolver) {
        Config loaded = config();
        try {
            return loaded.forNode(node(), resolver);
        } catch (ConfigException e) {
            throw invalid(e);
        }
    }

    /** The config as loaded and validated, before it is resolved for a node. */
    Config config() {
        if (config == null && git == null) {
            throw new CliException("no config given: use -c FILE or --git URL");
        }
        if (config != null && git != null) {
            throw new CliException("give either -c FILE or --git URL, not both");
        }
        if (config != null && gitAccess.given()) {
            throw new CliException("Git credentials and trust options need --git URL, not -c FILE");
        }
        try {
            return config != null ? ConfigLoader.load(config) : fromGit();
        } catch (ConfigException e) {
            throw invalid(e);
        }
    }

    /** Every config error as one line of the CLI failure. */
    private static CliException invalid(ConfigException e) {
        StringBuilder text = new StringBuilder("invalid config, nothing was changed:");
        e.lines().forEach(line -> text.append("\n  ").append(line));
        return new CliException(text.toString());
    }

    /** Fetches the revision the daemon would see into a throw-away clone. */
    private Config fromGit() {
        Path state;
        try {
            state = java.nio.file.Files.createTempDirectory("xdprecon-git");
        } catch (java.io.IOException e) {
            throw new CliException("cannot create a temporary clone directory: " + e.getMessage());
        }
        try (GitSource source = new GitSource(new GitSource.Settings(git, ref, gitPath, state, gitAccess.auth(),
                gitAccess.trust(), java.time.Duration.ofSeconds(30)))) {
            Revision revision = source.poll();
            return new ConfigCache().load(revision.root(), revision.files());
        } catch (SourceException e) {
            throw new CliException(e.getMessage());
        } finally {
            try (var files = java.nio.file.Files.walk(state)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException ignored) {
                // a temporary directory left behind is harmless
            }
        }
    }
}
