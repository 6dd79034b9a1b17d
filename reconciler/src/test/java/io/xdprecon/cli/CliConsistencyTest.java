package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One CLI: the config source said one way everywhere ({@code --source}, with {@code -c} and {@code --git} as its
 * older spellings), one duration syntax, defaults from the node's env file, an unknown {@code --node} refused, usage
 * errors exit 2 and runtime errors 1 in every command. In process, no privileges, no daemon.
 */
class CliConsistencyTest {
    private static final Path EXAMPLE = Path.of("../examples/flows.yaml").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static Main.Captured run(String... args) {
        return Main.capture(EnvFile.NONE, args);
    }

    private EnvFile env(String... lines) throws Exception {
        Path file = dir.resolve("xdprecon.env");
        Files.write(file, List.of(lines));
        return EnvFile.read(file);
    }

    @Test
    void everyCommandExitsTwoOnAUsageErrorAndOneOnARuntimeError() throws Exception {
        String empty = dir.resolve("no-pins").toString();
        Files.createDirectories(Path.of(empty));
        String missing = dir.resolve("missing.yaml").toString();
        String example = EXAMPLE.toString();
        String[][] usage = {
            {"validate"},
            {"validate", "--source", "ftp://example.org/flows.yaml"},
            {"validate", example, "--source", "file:" + example},
            {"plan", "--offline"},
            {"plan", "-c", example, "--git", "file:///nowhere", "--offline"},
            {"plan", "-c", example, "--source", "file:" + example, "--offline"},
            {"plan", "--git", "not a url", "--offline"},
            {"plan", "-c", example, "--ssh-key", "id", "--offline"},
            {"plan", "--source", "git:ssh://git@example.invalid/f.git", "--ssh-key", "id", "--offline"},
            {"plan", "-c", example, "--node", "", "--offline"},
            {"apply"},
            {"apply", dir.resolve("saved.plan").toString(), "-c", example},
            {"check", "--node", "edge_1"},
            {"flows", "--interval", "1", "--pin-root", empty},
            {"flows", "--interval", "50ms", "--pin-root", empty},
            {"top", "--interval", "0.5", "--pin-root", empty},
            {"top", "-n", "-1", "--pin-root", empty},
            {"top", "--owner", "someone", "--pin-root", empty},
            {"top", "--sort", "fastest", "--pin-root", empty},
            {"top", "--service", "turn", "--pin-root", empty},
            {"status", "--admin", "nohost"},
            {"sessions", "--admin", "127.0.0.1:99999", "--pin-root", empty},
            {"suspend", "--admin", "localhost", "--state-dir", dir.toString()},
            {"run", "--admin", "off"},
            {"run", "--source", "file:" + example, "--interval", "30", "--admin", "off"},
            {"run", "--source", "file:" + example, "--json", "--admin", "off"},
            {"run", "--source", "file:" + example, "--metrics-top-flows", "-1", "--admin", "off"},
            {"demo", "--datagrams", "0"},
            {"help", "nope"},
        };
        String[][] runtime = {
            {"validate", missing},
            {"validate", "--source", "file:" + missing},
            {"plan", "--source", "file:" + missing, "--offline"},
            {"plan", "-c", example, "--node", "edge-9", "--offline"},
            {"flows", "--pin-root", empty},
            {"flows", "--interval", "100ms", "--pin-root", empty},
            {"top", "--once", "--pin-root", empty},
            {"stats", "--pin-root", empty},
            {"status", "--admin", "127.0.0.1:9"},
            {"sessions", "--admin", "127.0.0.1:9", "--pin-root", empty},
            {"suspend", "--state-dir", "/proc/xdprecon-no-such-dir"},
            {"resume", "--state-dir", EXAMPLE.toString()},
        };
        List<String> wrong = new ArrayList<>();
        for (String[][] table : new String[][][] {usage, runtime}) {
            int expected = table == usage ? 2 : 1;
            for (String[] args : table) {
                Main.Captured r = run(args);
                String shown = String.join(" ", args) + " -> " + r.exit() + ": " + r.err().strip();
                if (r.exit() != expected) {
                    wrong.add("expected " + expected + ": " + shown);
                } else if (!args[0].equals("help") && !(args[0].equals("validate") && expected == 1)
                        && !r.err().startsWith("xdprecon " + args[0] + ": ")) {
                    // (validate's findings are FILE:LINE:COL: MESSAGE lines, as compilers print them)
                    wrong.add("no one-line cause naming the command: " + shown);
                } else if (expected == 1 && r.err().strip().lines().count() > 2) {
                    wrong.add("more than the cause: " + shown);
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void oneDurationSyntaxEverywhereAndABareNumberIsRefusedWithTheFix() {
        Main.Captured flows = run("flows", "--interval", "1");
        assertEquals("xdprecon flows: Invalid value for option '--interval': '1' has no unit: write it like 500ms, 30s,"
                + " 5m or 1h\nTry 'xdprecon flows --help' for more information.\n", flows.err());
        Main.Captured top = run("top", "--interval", "2h");
        assertTrue(top.err().contains("'2h' is too long: at most 1h"), top.err());
        Main.Captured daemon = run("run", "--source", "file:" + EXAMPLE, "--interval", "30", "--admin", "off");
        assertTrue(daemon.err().contains("'30' has no unit: write it like 500ms, 30s, 5m or 1h"), daemon.err());
        for (String command : new String[] {"flows", "top", "run"}) {
            assertTrue(run(command, "--help").out().contains("--interval=DURATION"), command);
        }
    }

    @Test
    void theSourceIsSaidTheSameWayEverywhereAndTheOldSpellingsStay() throws Exception {
        Main.Captured validate = run("validate", "--source", "file:" + EXAMPLE);
        assertEquals(0, validate.exit(), validate.err());
        assertEquals("file:" + EXAMPLE + ": ok (5 flows, 2 services, 3 nodes)\n", validate.out());
        assertEquals(EXAMPLE + ": ok (5 flows, 2 services, 3 nodes)\n", run("validate", EXAMPLE.toString()).out());

        Main.Captured bySource = run("plan", "--source", "file:" + EXAMPLE, "--node", "edge-3", "--offline");
        Main.Captured byOldName = run("plan", "-c", EXAMPLE.toString(), "--node", "edge-3", "--offline");
        assertEquals(0, bySource.exit(), bySource.err());
        assertEquals(byOldName.out(), bySource.out());
        String plan = byOldName.out().substring(byOldName.out().indexOf("Datapath:"));
        assertTrue(plan.contains("+ flow game-eu-3"), plan);

        String url = repository();
        Main.Captured git = run("plan", "--source", "git:" + url, "--node", "edge-3", "--offline");
        assertEquals(0, git.exit(), git.err());
        assertTrue(git.out().endsWith(plan), git.out());
        // `--git git:URL` was taken for an scp-like SSH address ("git" the host): now the prefix means what it says
        Main.Captured prefixed = run("plan", "--git", "git:" + url, "--node", "edge-3", "--offline");
        assertEquals(0, prefixed.exit(), prefixed.err());
        assertTrue(prefixed.out().endsWith(plan), prefixed.out());
        Main.Captured fromGit = run("validate", "--source", "git:" + url);
        assertEquals(0, fromGit.exit(), fromGit.err());
    }

    @Test
    void aNodeTheConfigDoesNotListIsRefusedNamingTheOnesItDoesUnlessItSaysUnnamedNodesGetTheBase() throws Exception {
        Main.Captured typo = run("plan", "-c", EXAMPLE.toString(), "--node", "edge-22", "--offline");
        assertEquals(1, typo.exit());
        assertEquals("xdprecon plan: node 'edge-22' (--node edge-22) is not listed under nodes (edge-1, edge-2, edge-3) and"
                + " unnamedNodes is refuse (the default): list it ('edge-22: {}' gets the base) or say 'unnamedNodes: base'\n",
                typo.err());
        assertEquals("", typo.out());
        // without --node: this host, unnamed in the config, is refused the same way
        Main.Captured unnamed = run("plan", "-c", EXAMPLE.toString(), "--offline");
        assertEquals(1, unnamed.exit(), unnamed.out());
        assertTrue(unnamed.err().startsWith("xdprecon plan: node '" + io.xdprecon.config.Config.defaultNode()
                + "' (this host's name; --node NAME picks a node) is not listed under nodes"), unnamed.err());
        // unless the config says that a node it does not name gets the base
        Path open = dir.resolve("open.yaml");
        Files.writeString(open, Files.readString(EXAMPLE).replace("\nnodes:\n", "\nunnamedNodes: base\nnodes:\n"));
        for (String[] args : new String[][] {{"--node", "edge-22"}, {}}) {
            List<String> line = new ArrayList<>(List.of("plan", "-c", open.toString(), "--offline"));
            line.addAll(List.of(args));
            Main.Captured base = run(line.toArray(String[]::new));
            assertEquals(0, base.exit(), base.err());
            assertTrue(base.out().contains("+ flow game-eu-2"), base.out());
        }
    }

    @Test
    void theNodesEnvFileGivesTheDefaultsAndTheCommandLineWins() throws Exception {
        EnvFile env = env("# what the daemon runs with", "XDPRECON_SOURCE=\"file:" + EXAMPLE + "\"", "XDPRECON_NODE=edge-3",
                "XDPRECON_ADMIN=127.0.0.1:9", "XDPRECON_STATE_DIR=" + dir.resolve("state"), "XDPRECON_INTERVAL=30",
                "XDPRECON_OPTS=--ref main --git-path flows.yaml");
        Main.Captured plan = Main.capture(env, "plan", "--offline");
        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.out().contains("Node edge-3"), plan.out());
        assertTrue(Main.capture(env, "plan", "--offline", "--node", "edge-2").out().contains("Node edge-2"));
        Main.Captured other = Main.capture(env, "plan", "-c", dir.resolve("none.yaml").toString(), "--offline");
        assertEquals(1, other.exit());
        assertTrue(other.err().contains("none.yaml"), "-c wins over XDPRECON_SOURCE: " + other.err());
        assertEquals("file:" + EXAMPLE + ": ok (5 flows, 2 services, 3 nodes)\n", Main.capture(env, "validate").out());

        Main.Captured status = Main.capture(env, "status");
        assertEquals(1, status.exit());
        assertTrue(status.err().contains("admin address 127.0.0.1:9 "), status.err());
        Main.Captured suspend = Main.capture(env, "suspend");
        assertEquals(0, suspend.exit(), suspend.err());
        assertTrue(Files.exists(dir.resolve("state/suspended")), "XDPRECON_STATE_DIR");
        // run converts the file's values as it converts its options
        Main.Captured daemon = Main.capture(env, "run", "--admin", "off");
        assertEquals(2, daemon.exit());
        assertTrue(daemon.err().contains("'30' has no unit"), daemon.err());

        Main.Captured typo = Main.capture(env("XDPRECON_SOURCE=file:" + EXAMPLE, "XDPRECON_NODE=edge-9"), "plan", "--offline");
        assertEquals(1, typo.exit());
        assertTrue(typo.err().contains("node 'edge-9' (XDPRECON_NODE in " + dir.resolve("xdprecon.env") + ") is not listed"),
                typo.err());
        Main.Captured badSource = Main.capture(env("XDPRECON_SOURCE=/etc/flows.yaml"), "plan", "--offline");
        assertEquals(1, badSource.exit());
        assertTrue(badSource.err().startsWith("xdprecon plan: XDPRECON_SOURCE in " + dir.resolve("xdprecon.env")
                + ": '/etc/flows.yaml' must start with file: or git:"), badSource.err());
    }

    @Test
    void theEnvFileIsReadAsSystemdReadsIt() throws Exception {
        EnvFile env = env("# comment", "", "A=plain", "B=\"double quoted\"", "C='single'", "  D = spaced  ", "E=",
                "not a line", "XDPRECON_OPTS=--ref  v2   --git-path=edge/flows.yaml");
        assertEquals("plain", env.get("A").orElseThrow());
        assertEquals("double quoted", env.get("B").orElseThrow());
        assertEquals("single", env.get("C").orElseThrow());
        assertEquals("spaced", env.get("D").orElseThrow());
        assertTrue(env.get("E").isEmpty());
        assertEquals(List.of("--ref", "v2", "--git-path=edge/flows.yaml"), env.options());
        assertTrue(EnvFile.read(dir.resolve("absent.env")).values().isEmpty());
    }

    @Test
    void validateAndApplyPrintJson() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "apiVersion: xdprecon.io/v1\ninterfaces: {}\n");
        Main.Captured r = run("validate", "--json", EXAMPLE.toString(), bad.toString());
        assertEquals(1, r.exit());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("xdprecon-validate/v1", doc.get("format").asText());
        assertFalse(doc.get("valid").asBoolean());
        assertEquals(5, doc.get("configs").get(0).get("flows").asInt());
        JsonNode error = doc.get("configs").get(1).get("errors").get(0);
        assertEquals(bad.toString(), error.get("file").asText());
        assertEquals(2, error.get("line").asInt());
        assertTrue(run("apply", "--help").out().contains("--json"));
    }

    /**
     * Every command that prints a result has --json: found by walking the command line, so a new command without it
     * fails here. The exceptions say why they print no result to parse.
     */
    @Test
    void everyCommandThatPrintsAResultHasJson() {
        java.util.Map<String, String> exempt = java.util.Map.of(
                "help", "prints usage, for people",
                "demo", "a narrated walk-through in throw-away namespaces, for people; nothing of a node to report");
        List<String> missing = new ArrayList<>();
        Main.commandLine().getSubcommands().forEach((name, command) -> {
            boolean hasJson = command.getCommandSpec().findOption("--json") != null;
            if (hasJson == exempt.containsKey(name)) {
                missing.add(name + (hasJson ? " has --json but is exempt" : " has no --json"));
            }
        });
        assertTrue(missing.isEmpty(), String.join("\n", missing));
        assertTrue(Main.commandLine().getSubcommands().keySet().containsAll(List.of("top", "version", "check", "flows",
                "sessions", "status", "stats", "plan", "apply", "validate", "suspend", "resume", "run")));
    }

    @Test
    void versionSaysTheBuildAsTextAndAsJson() throws Exception {
        Main.Captured text = run("version");
        assertEquals(0, text.exit(), text.err());
        assertEquals(String.join("\n", new Main.Version().getVersion()) + "\n", text.out());
        Main.Captured json = run("version", "--json");
        assertEquals(0, json.exit(), json.err());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        BuildInfo build = BuildInfo.current();
        assertEquals(build.version(), doc.get("version").asText());
        assertEquals(build.commit(), doc.get("commit").asText());
        assertEquals(build.date(), doc.get("built").asText());
        assertEquals(System.getProperty("java.version"), doc.get("java").asText());
    }

    /** Every command a message tells the user to run exists. */
    @Test
    void noMessageAdvisesACommandThatDoesNotExist() throws Exception {
        var commands = Main.commandLine().getSubcommands().keySet();
        Pattern advice = Pattern.compile("`xdprecon ([a-z-]+)");
        List<String> unknown = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = advice.matcher(Files.readString(file));
                while (m.find()) {
                    if (!commands.contains(m.group(1))) {
                        unknown.add(file + ": xdprecon " + m.group(1));
                    }
                }
            }
        }
        assertTrue(unknown.isEmpty(), String.join("\n", unknown));
        assertTrue(commands.containsAll(List.of("suspend", "resume", "help")));
    }

    private String repository() throws Exception {
        Path work = dir.resolve("repo");
        try (Git git = Git.init().setInitialBranch("main").setDirectory(work.toFile()).call()) {
            Files.copy(EXAMPLE, work.resolve("flows.yaml"));
            git.add().addFilepattern("flows.yaml").call();
            git.commit().setMessage("fleet config").setAuthor("ops", "ops@example.org").setCommitter("ops", "ops@example.org")
                    .setSign(false).call();
        }
        return work.toUri().toString();
    }
}
