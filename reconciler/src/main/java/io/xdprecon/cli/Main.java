package io.xdprecon.cli;

import io.xdprecon.text.Escape;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import io.xdprecon.daemon.JournalLogging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code xdprecon} command line. Each subcommand is its own class, registered in
 * {@code subcommands = {...}} below.
 */
@Command(
    name = "xdprecon",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    usageHelpAutoWidth = true,
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n",
    optionListHeading = "%nOptions:%n",
    description = {
        "Declarative XDP offload of UDP relay flows.",
        "",
        "Edge nodes that relay UDP (RTP/VoIP, game and TURN/QUIC relays) rewrite the IP/UDP headers of every"
            + " packet. xdprecon keeps known flows in the kernel: an XDP program rewrites and forwards them"
            + " using rules held in pinned BPF maps, and only the first packet of a new session and control"
            + " traffic reach userspace.",
        "",
        "The rules are declared in a YAML file kept in Git. xdprecon compares that desired state with the"
            + " live maps, shows a plan of exactly what will change, and applies it: adds and changes"
            + " before deletes, so no live flow is ever without a rule.",
    })
public class Main implements Callable<Integer> {
    /**
     * The whole command tree, as picocli's generators (man pages and completion, scripts/package.sh) take it: a class.
     * Its list of subcommands is the one {@link #commandLine(EnvFile, String...)} registers from, in the usage's order.
     */
    @Command(subcommands = {
        PlanCommand.class,
        RunCommand.class,
        ApplyCommand.class,
        StatsCommand.class,
        FlowsCommand.class,
        TopCommand.class,
        DemoCommand.class,
        ValidateCommand.class,
        StatusCommand.class,
        SessionsCommand.class,
        ControlCommand.Suspend.class,
        ControlCommand.Resume.class,
        CheckCommand.class,
        VersionCommand.class,
        CommandLine.HelpCommand.class,
    })
    static final class AllCommands extends Main {}

    static final List<Class<?>> SUBCOMMANDS = List.of(AllCommands.class.getAnnotation(Command.class).subcommands());

    /** Set in the environment, an unexpected exception is shown with its stack trace. */
    static final String TRACE_VARIABLE = "XDPRECON_TRACE";

    @Spec
    CommandSpec spec;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info", scope = ScopeType.INHERIT,
            description = "Log lines at this level and above: error, warn, info, debug, trace (default: ${DEFAULT-VALUE});"
                    + " JGit's and SSH's own lines show at debug and trace, else only their warnings.")
    JournalLogging.LogLevel logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text", scope = ScopeType.INHERIT,
            description = "text (journald priorities under systemd, time and level on a terminal) or json (one object"
                    + " per line) (default: ${DEFAULT-VALUE}).")
    JournalLogging.Format logFormat;

    public static void main(String[] args) {
        CommandLine cli = commandLine(EnvFile.ofProcess(), args);
        // Logging is the process's: set up here, once the options are parsed, not by in-process runs (capture).
        cli.setExecutionStrategy(parsed -> {
            Main main = cli.getCommand();
            JournalLogging.install(main.logLevel, main.logFormat);
            return new CommandLine.RunLast().execute(parsed);
        });
        System.exit(cli.execute(args));
    }

    /** The configured command line; main and the tests use the same one. */
    public static CommandLine commandLine() {
        return commandLine(EnvFile.ofProcess());
    }

    /** The command line with option defaults from {@code env} (the node's env file, see {@link EnvFile}). */
    static CommandLine commandLine(EnvFile env) {
        return commandLine(env, new String[0]);
    }

    /**
     * The command line to run {@code arguments}: with only the subcommands they need ({@link #needed}). Picocli builds
     * the model of every subcommand it holds by reflection: ~0.6 s of CPU for all of them in a new JVM while its classes
     * were out of the AOT cache, ~0.3 s since (reconciler/CacheableJars.java); the daemon's start paid it before loading
     * its config.
     */
    static CommandLine commandLine(EnvFile env, String... arguments) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> subcommand : needed(arguments)) {
            cli.addSubcommand(subcommand);
        }
        cli.setDefaultValueProvider(new EnvDefaults(env));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // Usage errors of a command: the cause on one line and where help is, exit 2 (its whole usage would bury
        // the cause). Without a command, picocli's own answer: the cause and the list of commands.
        CommandLine.IParameterExceptionHandler listCommands = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            if (command.getParent() == null) {
                return listCommands.handleParseException(e, args);
            }
            command.getErr().println("xdprecon " + command.getCommandName() + ": " + Escape.line(e.getMessage()));
            command.getErr().println("Try 'xdprecon " + command.getCommandName() + " --help' for more information.");
            command.getErr().flush();
            return command.getCommandSpec().exitCodeOnInvalidInput();
        });
        // Runtime errors: one line naming the cause, exit 1. A stack trace only for a bug, and only when asked.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String name = "xdprecon " + commandLine.getCommandName() + ": ";
            if (e instanceof UsageException) {
                commandLine.getErr().println(name + Escape.line(e.getMessage()));
                commandLine.getErr().println("Try 'xdprecon " + commandLine.getCommandName() + " --help' for more information.");
                commandLine.getErr().flush();
                return commandLine.getCommandSpec().exitCodeOnInvalidInput();
            }
            if (e instanceof CliException) {
                commandLine.getErr().println(name + Escape.lines(e.getMessage()));
            } else if (System.getenv(TRACE_VARIABLE) != null) {
                throw e;
            } else {
                commandLine.getErr().println(name + "unexpected " + Escape.lines(e.toString()) + " (a bug: please report it;"
                        + " " + TRACE_VARIABLE + "=1 prints where it happened)");
            }
            commandLine.getErr().flush();
            return 1;
        });
        return cli;
    }

    /**
     * The subcommands {@code args} need built, in the usage's order: none for {@code --version} (or {@code -V}) alone,
     * which prints the build and exits (the whole tree's models, and the classes of every command, were most of its
     * time); the one they plainly name ({@link #named}); else all of them.
     */
    static List<Class<?>> needed(String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return List.of();
        }
        return named(args).<List<Class<?>>>map(List::of).orElse(SUBCOMMANDS);
    }

    /**
     * The subcommand {@code args} name, when nothing else can be meant: their first word that is not an option of
     * {@code xdprecon} itself (nor its value), when it is a subcommand's name other than {@code help}. An argument file
     * ({@code @FILE}) before it, or anything else, leaves the choice to picocli among all of them.
     */
    static Optional<Class<?>> named(String... args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--log-level") || arg.equals("--log-format")) {
                i++;
            } else if (arg.startsWith("--log-level=") || arg.startsWith("--log-format=")) {
                continue;
            } else if (arg.startsWith("-") || arg.startsWith("@")) {
                return Optional.empty();
            } else {
                return SUBCOMMANDS.stream().filter(c -> c != CommandLine.HelpCommand.class)
                        .filter(c -> c.getAnnotation(Command.class).name().equals(arg)).findFirst();
            }
        }
        return Optional.empty();
    }

    /** What one in-process run printed, and its exit code. */
    public record Captured(int exit, String out, String err) {}

    /** Runs the command line in this process with its output captured: for tests and embedding. */
    public static Captured capture(String... args) {
        return capture(EnvFile.ofProcess(), args);
    }

    /** As {@link #capture(String...)}, with option defaults from {@code env}. */
    static Captured capture(EnvFile env, String... args) {
        CommandLine cli = commandLine(env, args);
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Captured(exit, out.toString(), err.toString());
    }

    /** {@code xdprecon} alone: say what is missing, print the usage, exit 2. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** The build's version, commit and date ({@link BuildInfo}); plus the JVM and OS, for bug reports. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo build = BuildInfo.current();
            return new String[] {
                "xdprecon " + build.version(),
                "commit: " + build.commit(),
                "built: " + build.date(),
                "JVM: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
                    + ", " + System.getProperty("java.vm.name") + ")",
                "OS: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch"),
            };
        }
    }
}
