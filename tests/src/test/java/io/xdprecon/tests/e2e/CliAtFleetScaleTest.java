package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.bench.DaemonUnderTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan} and {@code apply} of a full map's config (262,144 flows, 524,288 rules) through the launcher with the
 * unit's JVM options (systemd/xdprecon.env): every output is written as it is made and a saved plan is read back
 * packed. Before, the text plan (one String of ~55 MB) ran out of the 144 MB heap from ~196,608 flows, the JSON plan
 * (a tree of nodes, ~340 MB as text) from 16,384, and a saved plan was read whole as a String and a tree.
 */
class CliAtFleetScaleTest {
    private static final int FLOWS = 262_144;
    private static final long SEED = 9;
    private static final Pattern SUMMARY = Pattern.compile("Plan: (\\d+) to add, 0 to change, 0 to destroy\\.");

    @TempDir
    static Path dir;
    private static Path config;

    @BeforeAll
    static void writeConfig() {
        config = dir.resolve("fleet.yaml");
        FleetConfigs.writeFile(config, FLOWS, FleetConfigs.Keys.RANDOM, SEED);
    }

    @Test
    void anOfflinePlanPrintsAsTextAndAsJsonAndSaves() throws Exception {
        Run text = Run.launcher(null, dir.resolve("text"), "plan", "--offline", "--node", "lab", "-c", config.toString());
        text.assertSucceeded();
        List<String> lines = text.lines();
        Matcher summary = SUMMARY.matcher(lines.getLast());
        assertTrue(summary.matches(), "the last line: " + lines.getLast());
        int resources = Integer.parseInt(summary.group(1));
        assertEquals(FLOWS, lines.stream().filter(l -> l.startsWith("  + flow ")).count());
        assertEquals(2L * FLOWS, lines.stream().filter(l -> l.startsWith("      + ")).count());

        Path saved = dir.resolve("offline-plan.json");
        Run json = Run.launcher(null, dir.resolve("json"), "plan", "--offline", "--json", "--node", "lab",
                "-c", config.toString(), "--out", saved.toString());
        json.assertSucceeded();
        Counted counted = Counted.of(json.out());
        assertEquals(resources, counted.summaryAdd(), "summary.add is the text's count");
        assertEquals(FLOWS, counted.flows());
        assertEquals(2 * FLOWS, counted.rules());
        // The file is the document with where it was made: the same plan (apply reads such a file back below).
        assertEquals(counted, Counted.of(saved), "the file holds what --json printed");
    }

    @Test
    void aPlanSavedOnTheNodeAppliesFromItsFileWithJsonOutput() throws Exception {
        try (Lab lab = Lab.start()) {
            Path saved = dir.resolve("lab-plan.json");
            Run plan = Run.launcher(lab, dir.resolve("lab-plan"), "plan", "--node", "lab", "--pin-root",
                    lab.pinRoot().toString(), "-c", config.toString(), "--out", saved.toString());
            plan.assertSucceeded();
            List<String> lines = plan.lines();
            assertTrue(SUMMARY.matcher(lines.getLast()).matches(), "the last line: " + lines.getLast());
            assertEquals(FLOWS, lines.stream().filter(l -> l.startsWith("  + flow ")).count());

            Run apply = Run.launcher(lab, dir.resolve("lab-apply"), "apply", "--json", "--node", "lab", "--pin-root",
                    lab.pinRoot().toString(), saved.toString());
            apply.assertSucceeded();
            Counted counted = Counted.of(apply.out());
            assertEquals(FLOWS, counted.flows());
            assertEquals(2 * FLOWS, counted.rules());
            assertEquals(counted.summaryAdd(), counted.added(), "apply's count is the plan's");
            assertTrue(counted.applied());
            assertEquals(2 * FLOWS, lab.datapath().rules().slotsInUse(), "every rule of the file is in the map");

            // Planned again against the full map it made: nothing to do.
            Run again = Run.launcher(lab, dir.resolve("lab-plan-again"), "plan", "--node", "lab", "--pin-root",
                    lab.pinRoot().toString(), "-c", config.toString(), "--detailed-exitcode");
            again.assertSucceeded();
            assertEquals("No changes.", again.lines().getLast());
        }
    }

    @Test
    void applyOfTheConfigPrintsItsPlanAsText() throws Exception {
        try (Lab lab = Lab.start()) {
            Run apply = Run.launcher(lab, dir.resolve("lab-apply-text"), "apply", "--node", "lab", "--pin-root",
                    lab.pinRoot().toString(), "-c", config.toString());
            apply.assertSucceeded();
            List<String> lines = apply.lines();
            int summary = lines.lastIndexOf("Applying:") - 2;
            Matcher planned = SUMMARY.matcher(lines.get(summary));
            assertTrue(planned.matches(), "the plan's last line: " + lines.get(summary));
            assertEquals(FLOWS, lines.stream().filter(l -> l.startsWith("  + flow ")).count());
            assertTrue(lines.getLast().startsWith("Apply complete: " + planned.group(1) + " added, 0 changed, 0 destroyed"),
                    lines.getLast());
            assertEquals(2 * FLOWS, lab.datapath().rules().slotsInUse(), "every rule of the config is in the map");
        }
    }

    /** One run of the launcher with the unit's JVM options, its stdout in a file (hundreds of MB for --json). */
    private record Run(int exit, Path out, String err) {
        static Run launcher(Lab lab, Path files, String... args) throws Exception {
            Files.createDirectories(files);
            List<String> command = new ArrayList<>(List.of(Shell.REPOSITORY.resolve("xdprecon").toString()));
            command.addAll(List.of(args));
            Path out = files.resolve("stdout");
            Path err = files.resolve("stderr");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("XDPRECON_JAVA_OPTS", DaemonUnderTest.unitJavaOptions(Shell.REPOSITORY));
            // In the lab's proxy namespace, where its devices are; offline runs need none.
            Process process = lab == null ? builder.start() : NetNs.call(lab.proxyNs(), builder::start);
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within 5 minutes");
            }
            return new Run(process.exitValue(), out, Files.readString(err));
        }

        void assertSucceeded() {
            assertFalse(err.contains("OutOfMemoryError"), err);
            assertEquals(0, exit, err);
        }

        List<String> lines() {
            try (Stream<String> lines = Files.lines(out, StandardCharsets.UTF_8)) {
                return lines.toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * What a plan document (or apply's, which nests it under {@code plan}) says, read as a stream: the flows and
     * rules it lists, its summary's add count, and apply's {@code added} and {@code applied}.
     */
    private record Counted(int flows, int rules, int summaryAdd, int added, boolean applied) {
        static Counted of(Path document) throws IOException {
            ObjectMapper mapper = new ObjectMapper();
            int flows = 0;
            int rules = 0;
            int summaryAdd = -1;
            int added = -1;
            boolean applied = false;
            try (JsonParser parser = mapper.createParser(document.toFile())) {
                for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                    if (token != JsonToken.FIELD_NAME) {
                        continue;
                    }
                    String name = parser.currentName();
                    int depth = parser.getParsingContext().getParent().getNestingDepth();
                    parser.nextToken();
                    switch (name) {
                        case "plan" -> {} // apply's: read on, into it
                        case "summary" -> summaryAdd = mapper.<JsonNode>readTree(parser).get("add").asInt();
                        case "flows" -> {
                            while (parser.nextToken() != JsonToken.END_ARRAY) {
                                JsonNode flow = mapper.readTree(parser);
                                flows++;
                                rules += flow.get("rules").size();
                            }
                        }
                        case "added" -> added = depth == 0 ? parser.getIntValue() : added;
                        case "applied" -> applied = depth == 0 ? parser.getBooleanValue() : applied;
                        default -> parser.skipChildren();
                    }
                }
            }
            return new Counted(flows, rules, summaryAdd, added, applied);
        }
    }
}
