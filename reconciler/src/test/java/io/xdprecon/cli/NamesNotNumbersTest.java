package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 14 item 4: interfaces by name in flows, sessions and plans; tables in 120 columns with k/M/G. */
class NamesNotNumbersTest {
    /** ifindex 1 is the loopback device in every network namespace. */
    private static final int LO = 1;

    private static FlowsCommand.Row row(String name, int srcPort, long packets, long bytes, Double pps) {
        FlowKey match = FlowKey.of(LO, "198.51.100.200", srcPort, "203.0.113.110", 30000);
        FlowRule rule = new FlowRule(FlowKey.of(LO, "10.200.200.1", 40000 + srcPort % 1000, "10.200.200.222", 50000),
                Owner.CONFIG);
        return new FlowsCommand.Row(ShownRule.of(match, rule), new FlowCounters(packets, bytes), pps, pps == null ? null : pps * 8000,
                name);
    }

    @Test
    void flowsShowDeviceNamesAndFitTheTerminalWithUnits() {
        List<FlowsCommand.Row> rows = List.of(
                row("a-flow-name-long-enough-to-be-cut-somewhere (forward)", 52311, 1_234_567, 9_876_543_210L, 123_456.0),
                row(null, 52312, 999, 1_000, 0.0));
        StringWriter counts = new StringWriter();
        FlowsCommand.table(new PrintWriter(counts, true), rows, new DeviceNames(), false, FlowsCommand.WIDTH);
        List<String> lines = counts.toString().lines().toList();
        assertTrue(lines.stream().allMatch(l -> l.length() <= 120), "fits 120 columns:\n" + counts);
        assertTrue(lines.get(1).contains(" lo 198.51.100.200:52311 -> 203.0.113.110:30000 "), lines.get(1));
        assertTrue(lines.get(1).contains(" lo 10.200.200.1:40311 -> 10.200.200.222:50000 "), lines.get(1));
        assertTrue(lines.get(1).startsWith("a-flow-name…") || lines.get(1).startsWith("a-flow-name-"), lines.get(1));
        assertTrue(lines.get(1).matches(".* 1\\.2M +9\\.9G$"), lines.get(1));
        assertTrue(lines.get(2).startsWith("config "), "a rule no flow names shows its owner: " + lines.get(2));
        assertEquals("2 rules", lines.getLast());

        StringWriter rates = new StringWriter();
        FlowsCommand.table(new PrintWriter(rates, true), rows, new DeviceNames(), true, FlowsCommand.WIDTH);
        assertTrue(rates.toString().lines().allMatch(l -> l.length() <= 120), "with rates too:\n" + rates);
        assertTrue(rates.toString().lines().toList().get(1).matches(".* 1\\.2M +9\\.9G +123\\.5k +987\\.6M$"), rates.toString());
        assertFalse(rates.toString().contains("if1 "), rates.toString());
        StringWriter wide = new StringWriter();
        FlowsCommand.table(new PrintWriter(wide, true), rows, new DeviceNames(), true, Integer.MAX_VALUE);
        assertFalse(wide.toString().contains("…"), "--wide cuts nothing:\n" + wide);
    }

    @Test
    void aKeyInJsonHasItsDeviceNameBesideItsIndex() {
        var json = new DeviceNames().json(FlowEnds.of(FlowKey.of(LO, "198.51.100.200", 1, "203.0.113.110", 2)));
        assertEquals("lo", json.get("iface"));
        assertEquals(LO, json.get("ifindex"));
        assertTrue(new DeviceNames().name(Integer.MAX_VALUE).equals("if" + Integer.MAX_VALUE), "no such device");
    }

    /** Issue 14: offline plans showed stand-in numbers, "attach xdp_main to ens5 (ifindex 1000000, generic)". */
    @Test
    void anOfflinePlanNamesTheConfigsDevicesAndNoStandInNumbers() throws Exception {
        Main.Captured plan = Main.capture(EnvFile.NONE, "plan", "-c", "../examples/flows.yaml", "--node", "edge-3", "--offline");
        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.out().contains("+ attach xdp_main to ens5 (generic)"), plan.out());
        assertFalse(plan.out().contains("ifindex"), plan.out());
        assertTrue(plan.out().contains("Offline: nothing on this host was read; this is node edge-3's full create plan."),
                plan.out());

        Main.Captured json = Main.capture(EnvFile.NONE, "plan", "-c", "../examples/flows.yaml", "--node", "edge-3",
                "--offline", "--json");
        JsonNode rule = new ObjectMapper().readTree(json.out()).get("flows").get(0).get("rules").get(0);
        assertEquals("ens5", rule.get("key").get("iface").asText());
        assertEquals("ens6", rule.get("after").get("rewrite").get("iface").asText());
    }

    /**
     * What a person reads fits 120 columns, on real outputs: the offline plan of every node of the example (its
     * warnings), and check on this host (whatever it finds here, with the fixes; the example's devices are absent).
     */
    @Test
    void plansAndChecksAsPrintedFit120Columns() {
        List<String> outputs = new java.util.ArrayList<>();
        for (String node : new String[] {"edge-1", "edge-2", "edge-3"}) {
            Main.Captured plan = Main.capture(EnvFile.NONE, "plan", "-c", "../examples/flows.yaml", "--node", node, "--offline");
            assertEquals(0, plan.exit(), plan.err());
            assertTrue(node.equals("edge-3") || plan.out().contains("Warnings:"), plan.out());
            outputs.add(plan.out() + plan.err());
        }
        Main.Captured check = Main.capture(EnvFile.NONE, "check", "-c", "../examples/flows.yaml", "--node", "edge-1");
        assertTrue(check.out().contains("fix: "), check.out() + check.err());
        outputs.add(check.out());
        for (String output : outputs) {
            assertTrue(output.lines().allMatch(l -> l.length() <= 120), output);
        }
    }
}
