package io.xdprecon.tests.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.apply.Applier;
import io.xdprecon.cli.Main;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tests.traffic.SequencedStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xdprecon top} in a real terminal: tmux (a private server) runs it in the lab's proxy namespace while a
 * stream crosses one of three flows; the test reads the screen with capture-pane and types with send-keys. Then the
 * same command with its output piped prints one table and exits.
 */
class TopTerminalTest {
    @TempDir
    Path dir;

    private Lab lab;
    private final String socket = "xdprecon-top-" + ProcessHandle.current().pid();

    @AfterEach
    void stop() throws Exception {
        run(List.of("tmux", "-L", socket, "kill-server"), true);
        if (lab != null) {
            lab.close();
        }
    }

    private static String run(List<String> command, boolean mayFail) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " ran too long");
        if (!mayFail) {
            assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        }
        return out;
    }

    private String screen() throws Exception {
        return run(List.of("tmux", "-L", socket, "capture-pane", "-p", "-t", "top"), true);
    }

    private String awaitScreen(String what, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = screen();
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(200); // the terminal is another process: poll its screen
        }
        throw new AssertionError("screen never showed " + what + ":\n" + last);
    }

    private List<String> top(Path config, String... extra) {
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + lab.proxyNs(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "top", "-c", config.toString(),
                "--node", "lab", "--pin-root", lab.pinRoot().toString(), "--interval", "500ms"));
        command.addAll(List.of(extra));
        return command;
    }

    /** The first row of the table (after the header line starting with FLOW). */
    private static String firstRow(String screen) {
        List<String> lines = screen.lines().toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).startsWith("FLOW")) {
                return lines.get(i + 1);
            }
        }
        return "";
    }

    @Test
    void aFullScreenViewFollowsTheTrafficAndTheKeysAndAPipeGetsOneTable() throws Exception {
        lab = Lab.start();
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("alpha", 0, 50000),
                LabConfigs.flow("bravo", 1, 50001), LabConfigs.flow("charlie", 2, 50002)));
        NetNs.run(lab.proxyNs(), () -> {
            DesiredState desired = ConfigLoader.load(config).forNode("lab", InterfaceResolver.currentNetns());
            LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
            new Applier(reader, setting -> { }, line -> { }).apply(Planner.plan(desired, reader.read(desired)),
                    new Applier.Options(false, false));
        });
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20001);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50001, 1000);
        try (SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30001), server,
                10_000_000, 2_000)) {
            assertTrue(stream.awaitFirst(10, TimeUnit.SECONDS), "traffic crosses flow bravo");
            List<String> command = new ArrayList<>(List.of("tmux", "-L", socket, "new-session", "-d", "-s", "top",
                    "-x", "150", "-y", "12"));
            command.add(String.join(" ", top(config).stream().map(a -> "'" + a + "'").toList()));
            run(command, false);

            // sorted by PPS: the flow with traffic on top, a rate in its row; the header has the datapath's rates
            String s = awaitScreen("bravo's forward leg first with a rate", screen -> firstRow(screen).startsWith("bravo (forward)")
                    && !firstRow(screen).matches(".*\\s0\\s+0\\s+\\d+\\s*$"));
            assertTrue(s.contains("xdprecon top - every 0.5 s - rules 6 of "), s);
            assertTrue(s.lines().anyMatch(l -> l.startsWith("datapath/s: hit ") && !l.startsWith("datapath/s: hit 0 ")), s);
            assertTrue(s.lines().count() <= 12, "fits the 12 lines of the pane");

            // n: by name, alpha first; r: reversed, charlie first
            run(List.of("tmux", "-L", socket, "send-keys", "-t", "top", "n"), false);
            awaitScreen("sorted by name", screen -> firstRow(screen).startsWith("alpha (forward)")
                    && screen.contains("sort: name"));
            run(List.of("tmux", "-L", socket, "send-keys", "-t", "top", "r"), false);
            awaitScreen("reversed", screen -> firstRow(screen).startsWith("charlie (reverse)"));

            // a smaller window shows fewer rows, still the header
            run(List.of("tmux", "-L", socket, "resize-window", "-t", "top", "-x", "150", "-y", "8"), false);
            awaitScreen("one row in 8 lines (the last stays free)", screen -> screen.strip().lines().count() == 7
                    && screen.contains("FLOW") && screen.lines().filter(l -> l.contains("(forward)") || l.contains("(reverse)")).count() == 1);

            run(List.of("tmux", "-L", socket, "send-keys", "-t", "top", "q"), false);
            awaitScreen("the shell's screen back (top left the alternate screen and exited)",
                    screen -> !screen.contains("xdprecon top") || screen.contains("Pane is dead"));

            // not a terminal: one table of the top -n rules with a rate, then exit
            List<String> piped = top(config, "-n", "2", "--flow", "bravo");
            String table = run(piped, false);
            List<String> rows = table.lines().filter(l -> l.startsWith("bravo (")).toList();
            assertEquals(2, rows.size(), table);
            assertTrue(rows.getFirst().startsWith("bravo (forward)"), table);
            assertFalse(table.contains("\033["), "no escape sequences in a pipe");
            assertTrue(table.contains("filter: flow~bravo"), table);
            assertTrue(table.lines().allMatch(l -> l.length() <= 120), "a pipe's table fits 120 columns:\n" + table);

            // --json: the same rows exactly, devices by name beside their ifindex
            com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(run(top(config, "-n", "2", "--flow", "bravo", "--json"), false));
            assertEquals("xdprecon-top/v1", doc.get("kind").asText(), doc.toString());
            assertEquals(6, doc.get("rules").asInt(), doc.toString());
            assertEquals(2, doc.get("top").size(), doc.toString());
            com.fasterxml.jackson.databind.JsonNode first = doc.get("top").get(0);
            assertEquals("bravo (forward)", first.get("flow").asText(), doc.toString());
            assertEquals("pc", first.get("match").get("iface").asText(), doc.toString());
            assertEquals(lab.pc().ifindex(), first.get("match").get("ifindex").asInt(), doc.toString());
            assertTrue(first.get("pps").asDouble() > 0 && first.get("packets").asLong() > 0, doc.toString());
        }
    }
}
