package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A command line that names its subcommand builds only that one (picocli's model of all of them cost a daemon's start
 * ~0.6 s of CPU), and what it shows and parses is what the whole tree's would.
 */
class LazySubcommandsTest {
    private static final List<String> ALL = Main.SUBCOMMANDS.stream()
            .map(c -> c.getAnnotation(CommandLine.Command.class).name()).toList();

    private static Set<String> built(String... args) {
        return Main.commandLine(EnvFile.NONE, args).getSubcommands().keySet();
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertEquals(Set.of("run"), built("run", "--source", "file:/etc/xdprecon/flows.yaml"));
        assertEquals(Set.of("validate"), built("--log-level", "debug", "validate", "x.yaml"));
        assertEquals(Set.of("plan"), built("--log-format=json", "plan", "--offline"));
        assertEquals(Set.of("suspend"), built("suspend"));
    }

    @Test
    void versionAloneBuildsNoSubcommandAndPrintsWhatTheVersionCommandDoes() {
        assertEquals(Set.of(), built("--version"));
        assertEquals(Set.of(), built("-V"));
        Main.Captured version = Main.capture(EnvFile.NONE, "version");
        for (String option : List.of("--version", "-V")) {
            Main.Captured printed = Main.capture(EnvFile.NONE, option);
            assertEquals(0, printed.exit(), printed.err());
            assertEquals(version.out(), printed.out(), option);
        }
    }

    @Test
    void anythingElseBuildsTheWholeTree() {
        for (String[] args : List.of(new String[0], new String[] {"--help"}, new String[] {"-V", "run"}, new String[] {"help", "run"},
                new String[] {"@args.txt", "run"}, new String[] {"runn"}, new String[] {"--log-level"})) {
            assertEquals(Set.copyOf(ALL), built(args), () -> List.of(args).toString());
        }
    }

    @Test
    void eachSubcommandAloneShowsTheUsageOfTheWholeTree() {
        CommandLine whole = Main.commandLine(EnvFile.NONE);
        assertEquals(ALL, new ArrayList<>(whole.getSubcommands().keySet()), "the usage's order");
        for (String name : ALL) {
            CommandLine alone = Main.commandLine(EnvFile.NONE, name, "--help").getSubcommands().get(name);
            assertEquals(whole.getSubcommands().get(name).getUsageMessage(CommandLine.Help.Ansi.OFF),
                    alone.getUsageMessage(CommandLine.Help.Ansi.OFF), name);
        }
    }

    /** The generators of man pages and completion take a class: it holds the same tree. */
    @Test
    void theGeneratorsClassIsTheSameTree() {
        CommandLine generated = new CommandLine(new Main.AllCommands());
        CommandLine whole = Main.commandLine(EnvFile.NONE);
        assertEquals("xdprecon", generated.getCommandName());
        assertEquals(whole.getUsageMessage(CommandLine.Help.Ansi.OFF), generated.getUsageMessage(CommandLine.Help.Ansi.OFF));
        assertEquals(ALL, new ArrayList<>(generated.getSubcommands().keySet()));
    }
}
