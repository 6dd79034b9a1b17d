package io.xdprecon.tests.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped rules pass their {@code promtool} unit tests, and the dashboard is well formed: what can be checked
 * without a running node (MonitoringEndToEndTest checks the queries against one).
 */
class MonitoringFilesTest {

    static String promtool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(Monitoring.RULES.getParent().toFile()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool ran too long");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void theRulesPassTheirUnitTests() throws Exception {
        assertTrue(promtool("check", "rules", Monitoring.RULES.getFileName().toString()).contains("SUCCESS"));
        assertTrue(promtool("test", "rules", Monitoring.RULES_TEST.getFileName().toString()).contains("SUCCESS"));
    }

    @Test
    void everyAlertHasAUnitTest() throws Exception {
        String tests = Files.readString(Monitoring.RULES_TEST);
        for (Monitoring.Query q : Monitoring.ruleQueries()) {
            if (q.where().startsWith("alert ")) {
                String name = q.where().substring("alert ".length());
                assertTrue(tests.contains("alertname: " + name), name + " has no alert_rule_test");
            }
        }
    }

    @Test
    void theDashboardIsWellFormed() {
        JsonNode d = Monitoring.dashboard();
        assertEquals("xdprecon", d.get("uid").asText());
        Set<String> variables = new HashSet<>();
        d.get("templating").get("list").forEach(v -> variables.add(v.get("name").asText()));
        assertEquals(Set.of("datasource", "instance"), variables);
        Set<Integer> ids = new HashSet<>();
        boolean[][] grid = new boolean[200][24];
        for (JsonNode panel : d.get("panels")) {
            String title = panel.get("title").asText();
            assertTrue(ids.add(panel.get("id").asInt()), "panel id repeats: " + title);
            JsonNode pos = panel.get("gridPos");
            int x = pos.get("x").asInt(), y = pos.get("y").asInt(), w = pos.get("w").asInt(), h = pos.get("h").asInt();
            assertTrue(x >= 0 && w > 0 && x + w <= 24 && h > 0, title + ": outside the 24 columns: " + pos);
            for (int row = y; row < y + h; row++) {
                for (int col = x; col < x + w; col++) {
                    assertFalse(grid[row][col], title + " overlaps another panel at " + col + "," + row);
                    grid[row][col] = true;
                }
            }
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            assertEquals("${datasource}", panel.get("datasource").get("uid").asText(), title);
            assertFalse(panel.get("targets").isEmpty(), title + " has no query");
            Set<String> refs = new HashSet<>();
            for (JsonNode t : panel.get("targets")) {
                assertTrue(refs.add(t.get("refId").asText()), title + ": refId repeats");
                assertFalse(t.get("expr").asText().isBlank(), title + ": empty query");
            }
        }
    }

    /** Every xdprecon metric a query names is in the README's table of metrics, and the other way round. */
    @Test
    void theQueriesNameOnlyMetricsTheReadmeDocuments() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> documented = new HashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(xdprecon_[a-z_]+)").matcher(readme);
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertFalse(documented.isEmpty(), "the README has a table of metrics");
        Pattern metric = Pattern.compile("(?<![:\\w])xdprecon_[a-z_]+(?![:\\w])"); // not a recording rule's name
        List<Monitoring.Query> all = new java.util.ArrayList<>(Monitoring.dashboardQueries());
        all.addAll(Monitoring.ruleQueries());
        for (Monitoring.Query q : all) {
            Matcher m = metric.matcher(q.expr());
            while (m.find()) {
                String name = m.group().replaceAll("_(bucket|count|sum)$", "");
                assertTrue(documented.contains(name), q.where() + " uses " + name + ", which the README's table lacks");
            }
        }
    }
}
