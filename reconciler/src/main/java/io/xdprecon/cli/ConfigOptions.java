package io.xdprecon.cli;

import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.host.FileTree;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.Revision;
import io.xdprecon.source.SourceException;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The config source and node a command works from; shared by plan, apply, check, flows and top. The source is said
 * as {@code run} says it, {@code --source file:PATH|git:URL}; {@code -c FILE} and {@code --git URL} are the older
 * spellings of the same. Without any, plan, apply and check take {@code XDPRECON_SOURCE} (and the Git options of
 * {@code XDPRECON_OPTS}) from the node's {@link EnvFile}: what the daemon there reads.
 */
final class ConfigOptions {
    @Option(names = "--source", paramLabel = "file:PATH|git:URL", converter = SourceConverter.class,
            description = "Where the config lives, as `run --source` says it: a file or a directory of YAML files, or a Git"
                    + " repository (with --ref and --git-path). Default: XDPRECON_SOURCE of /etc/xdprecon/xdprecon.env, when"
                    + " there is one (plan, apply, check).")
    SourceSpec source;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Same as --source file:FILE (see examples/flows.yaml and schema/flows.schema.json).")
    Path config;

    @Option(names = "--git", paramLabel = "URL", description = "Same as --source git:URL.")
    String git;

    @Option(names = "--ref", description = "With a Git source: branch or tag (default: main).")
    String ref;

    @Option(names = "--git-path", description = "With a Git source: the config's path in the repository, a file or a"
            + " directory of YAML files (default: flows.yaml).")
    String gitPath;

    @Mixin
    GitAccessOptions gitAccess;

    @Option(names = "--node", paramLabel = "NAME", converter = NodeNameConverter.class,
            description = "Which node's overrides apply (default: XDPRECON_NODE of /etc/xdprecon/xdprecon.env, else this"
                    + " host's name). A name the config's nodes do not list is refused, unless the config lists none or says"
                    + " 'unnamedNodes: base'.")
    String node;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    String node() {
        return node != null ? node : Config.defaultNode();
    }

    /** Whether a config source was named on the command line (--source, -c or --git). */
    boolean given() {
        return source != null || config != null || git != null;
    }

    /** Whether there is a config to read: named on the command line, or the env file's source. */
    boolean available() {
        return given() || env().get("XDPRECON_SOURCE").isPresent();
    }

    /**
     * Loads and validates the config and resolves it for this node, its interfaces in the current
     * network namespace. Every config error becomes one line of the CLI failure.
     */
    DesiredState desired() {
        return desired(InterfaceResolver.currentNetns());
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

    /** The config as loaded and validated, before it is resolved for a node; a node it does not list is refused. */
    Config config() {
        Config loaded;
        try {
            loaded = load();
        } catch (ConfigException e) {
            throw invalid(e);
        }
        checkNode(loaded);
        return loaded;
    }

    /** The source, as given or from the env file, for messages ({@code file:PATH} or {@code git:URL}). */
    String shown() {
        return chosen().source().shown();
    }

    /** The config as loaded and validated; its errors as thrown. */
    Config load() {
        Chosen chosen = chosen();
        return switch (chosen.source()) {
            case SourceSpec.File file -> {
                if (chosen.git().given()) {
                    throw new UsageException("Git credentials and trust options need a Git source (--source git:URL),"
                            + " not a file");
                }
                yield ConfigLoader.load(file.path());
            }
                case SourceSpec.Git repo -> fromGit(repo.url(), chosen);
            };
    }

    /**
     * A config that lists nodes serves those (and others only when it says {@code unnamedNodes: base}): a name from
     * --node, XDPRECON_NODE or the host name that it does not list is refused before anything is read or planned,
     * saying where the name came from — a typo would otherwise be planned as the base.
     */
    private void checkNode(Config loaded) {
        String name = node();
        if (loaded.serves(name)) {
            return;
        }
        boolean named = command.commandLine().getParseResult() != null
                && command.commandLine().getParseResult().hasMatchedOption("--node");
        String from = named ? "--node " + name : node != null ? env().origin("XDPRECON_NODE")
                : "this host's name; --node NAME picks a node";
        throw new CliException("node '" + name + "' (" + from + ") " + loaded.whyNotServed(name));
    }

    /** The source and its Git options, from the command line or else from the env file. */
    private record Chosen(SourceSpec source, String ref, String gitPath, GitAccessOptions git) {}

    private Chosen chosen() {
        int named = (source != null ? 1 : 0) + (config != null ? 1 : 0) + (git != null ? 1 : 0);
        if (named > 1) {
            throw new UsageException("give the config once: one of --source, -c FILE and --git URL");
        }
        if (named == 1) {
            SourceSpec spec = source != null ? source : config != null ? new SourceSpec.File(config)
                    : gitUrl(git.startsWith("git:") ? git : "git:" + git);
            return new Chosen(spec, ref, gitPath, gitAccess);
        }
        EnvFile env = env();
        String value = env.get("XDPRECON_SOURCE").orElseThrow(() -> new UsageException(
                "no config given: use --source file:PATH|git:URL (or -c FILE), or set XDPRECON_SOURCE in " + env.path()));
        SourceSpec spec;
        try {
            spec = new SourceConverter().convert(value);
        } catch (CommandLine.TypeConversionException e) {
            throw new CliException(env.origin("XDPRECON_SOURCE") + ": " + e.getMessage());
        }
        // The daemon's Git options come with its source; ones on the command line win.
        EnvSourceOptions fromEnv = new EnvSourceOptions();
        new CommandLine(fromEnv).setUnmatchedArgumentsAllowed(true).setUnmatchedOptionsArePositionalParams(false)
                .parseArgs(env.options().toArray(String[]::new));
        return new Chosen(spec, ref != null ? ref : fromEnv.ref, gitPath != null ? gitPath : fromEnv.gitPath,
                gitAccess.given() ? gitAccess : fromEnv.gitAccess);
    }

    /** The Git options {@code run} takes in {@code XDPRECON_OPTS}; the rest of its words are run's alone. */
    static final class EnvSourceOptions {
        @Option(names = "--ref")
        String ref;

        @Option(names = {"--git-path", "--path"})
        String gitPath;

        @Mixin
        GitAccessOptions gitAccess;
    }

    private SourceSpec gitUrl(String value) {
        try {
            return new SourceConverter().convert(value);
        } catch (CommandLine.TypeConversionException e) {
            throw new CommandLine.ParameterException(command.commandLine(), "Invalid value for option '--git': " + e.getMessage());
        }
    }

    private EnvFile env() {
        return command.commandLine().getDefaultValueProvider() instanceof EnvDefaults defaults ? defaults.env() : EnvFile.NONE;
    }

    /** Every config error as one line of the CLI failure. */
    private static CliException invalid(ConfigException e) {
        StringBuilder text = new StringBuilder("invalid config, nothing was changed:");
        e.lines().forEach(line -> text.append("\n  ").append(line));
        return new CliException(text.toString());
    }

    /** Fetches the revision the daemon would see into a throw-away clone. */
    private static Config fromGit(String url, Chosen chosen) {
        Path state;
        try {
            state = java.nio.file.Files.createTempDirectory("xdprecon-git");
        } catch (java.io.IOException e) {
            throw new CliException("cannot create a temporary clone directory: " + e.getMessage());
        }
        try (GitSource source = new GitSource(new GitSource.Settings(url, Optional.ofNullable(chosen.ref()).orElse("main"),
                Optional.ofNullable(chosen.gitPath()).orElse("flows.yaml"), state, chosen.git().auth(),
                chosen.git().trust(), java.time.Duration.ofSeconds(30)))) {
            Revision revision = source.poll();
            return new ConfigCache().load(revision.root(), revision.files());
        } catch (SourceException e) {
            throw new CliException(e.getMessage());
        } finally {
            FileTree.deleteOrWarn(state, System.getLogger(ConfigOptions.class.getName())); // the config read stands
        }
    }
}
