package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.LISTEN_IP;
import static io.xdprecon.plan.Fixtures.attachedNowhere;
import static io.xdprecon.plan.Fixtures.desired;
import static io.xdprecon.plan.Fixtures.dpdk;
import static io.xdprecon.plan.Fixtures.live;
import static io.xdprecon.plan.Fixtures.merge;
import static io.xdprecon.plan.Fixtures.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.plan.Fixtures.Relay;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanRendererTest {
    private static final Relay A = Relay.of("rtp-a", 1);
    private static final Relay B = Relay.of("rtp-b", 2);
    private static final Relay C = Relay.of("rtp-c", 3);
    private static final Set<Integer> LOCAL = Set.of(Ipv4.parse(LISTEN_IP));

    private static String lastLine(String text) {
        List<String> lines = text.lines().toList();
        return lines.getLast();
    }

    @Test
    void theFullCreatePlanOfAFreshNode() {
        DesiredState desired = desired(A.desired(), LOCAL, List.of(new TuningSetting.QueueCount("ens5", 4)), xdp());
        LiveState live = LiveState.absent(List.of(new TuningSetting.QueueCount("ens5", 2)), attachedNowhere());

        String text = PlanRenderer.render(Planner.plan(desired, live), Path.of("/sys/fs/bpf"));

        assertEquals("""
                Node edge-1, config edge.yaml, datapath mode xdp.
                No live datapath under /sys/fs/bpf: this is the full create plan.

                Datapath:
                  + load xdp_main and its maps (room for 1024 rules)
                  + attach xdp_main to ens3 (ifindex 3, native)
                  + attach xdp_main to ens4 (ifindex 4, native)

                Local IPs:
                  + 203.0.113.10

                Flows:
                  + flow rtp-a
                      + ens3 198.51.100.20:40001 -> 203.0.113.10:30001 => ens4 10.0.0.1:40001 -> 10.0.0.20:5005
                      + ens4 10.0.0.20:5005 -> 10.0.0.1:40001 => ens3 203.0.113.10:30001 -> 198.51.100.20:40001

                Tuning:
                  ~ queues ens5: 2 -> 4 (disruptive: resets the NIC; needs --allow-disruptive)

                Plan: 5 to add, 1 to change, 0 to destroy.
                """, text);
    }

    @Test
    void changesReplacesAndDeletesShowBeforeAndAfter() {
        FlowRule oldTarget = new FlowRule(FlowKey.of(4, "10.0.0.1", 40001, "10.0.0.99", 5005), Owner.CONFIG);
        FlowRule session = new FlowRule(FlowKey.of(4, "10.0.0.1", 47000, "10.0.0.50", 7000), Owner.SESSION);
        LiveState live = live(merge(A.live(Owner.CONFIG), Map.of(A.forwardKey(), oldTarget),
                B.live(Owner.CONFIG), Map.of(B.forwardKey(), session), C.live(Owner.CONFIG)), LOCAL, List.of());

        String text = PlanRenderer.render(Planner.plan(desired(merge(A.desired(), B.desired())), live));

        assertEquals("""
                Node edge-1, config edge.yaml, datapath mode xdp.

                Flows:
                  ~ flow rtp-a
                      ~ ens3 198.51.100.20:40001 -> 203.0.113.10:30001
                          was => ens4 10.0.0.1:40001 -> 10.0.0.99:5005
                          now => ens4 10.0.0.1:40001 -> 10.0.0.20:5005
                  -/+ flow rtp-b
                      -/+ ens3 198.51.100.20:40002 -> 203.0.113.10:30002
                          was => ens4 10.0.0.1:47000 -> 10.0.0.50:7000 (session-owned)
                          now => ens4 10.0.0.1:40002 -> 10.0.0.20:5006 (config-owned)
                  - flow not in the config
                      - ens3 198.51.100.20:40003 -> 203.0.113.10:30003 => ens4 10.0.0.1:40003 -> 10.0.0.20:5007
                      - ens4 10.0.0.20:5007 -> 10.0.0.1:40003 => ens3 203.0.113.10:30003 -> 198.51.100.20:40003

                Warnings:
                  - flow rtp-b: the config claims ens3 198.51.100.20:40002 -> 203.0.113.10:30002 from a session-owned rule; it becomes
                    config-owned

                Plan: 0 to add, 2 to change, 1 to destroy.
                """, text);
    }

    /** The planner's own long warnings (rules of unknown owner codes) fit 120 columns, broken at spaces, nothing lost. */
    @Test
    void warningsFit120ColumnsBrokenAtSpacesUnderTheirDash() {
        Plan plan = Planner.plan(desired(A.desired()), live(Fixtures.withUnknownOwners(A)));
        assertTrue(plan.warnings().stream().anyMatch(w -> w.length() > 120), "a long warning to wrap: " + plan.warnings());

        String text = PlanRenderer.render(plan);

        List<String> lines = text.lines().toList();
        assertTrue(lines.stream().allMatch(l -> l.length() <= 120), text);
        String warnings = text.substring(text.indexOf("Warnings:\n") + "Warnings:\n".length());
        warnings = warnings.substring(0, warnings.indexOf("\n\n"));
        List<String> items = List.of(warnings.replace("\n    ", " ").split("\n"));
        assertEquals(plan.warnings().stream().map(w -> "  - " + w).toList(), items, "each warning whole, its lines"
                + " continued under its first word:\n" + text);
    }

    @Test
    void noChangesEndsWithNoChanges() {
        String text = PlanRenderer.render(Planner.plan(desired(A.desired()), live(A.live(Owner.CONFIG))));

        assertEquals("Node edge-1, config edge.yaml, datapath mode xdp.\n\nNo changes.\n", text);
    }

    @Test
    void anInterfaceTheConfigDoesNotNameShowsAsIfN() {
        FlowKey key = FlowKey.of(7, "192.0.2.1", 1000, LISTEN_IP, 2000);
        FlowRule orphan = new FlowRule(FlowKey.of(9, "10.0.0.1", 1000, "10.0.0.2", 3000), Owner.CONFIG);

        String text = PlanRenderer.render(Planner.plan(desired(A.desired()),
                live(merge(A.live(Owner.CONFIG), Map.of(key, orphan)))));

        assertTrue(text.contains("      - if7 192.0.2.1:1000 -> 203.0.113.10:2000 => if9 10.0.0.1:1000 -> 10.0.0.2:3000\n"),
                text);
    }

    @Test
    void errorsAndTheMassDeleteRefusalComeBeforeTheSummaryLine() {
        DesiredState desired = desired(Map.of(), LOCAL, List.of(), dpdk());
        LiveState live = live(A.live(Owner.CONFIG));

        String text = PlanRenderer.render(Planner.plan(desired, live));

        assertTrue(text.endsWith("""

                mass delete: the config has no rules but 2 config-owned rules are live; refusing to delete them all without --allow-mass-delete

                Plan: 0 to add, 0 to change, 1 to destroy.
                """), text);
        assertFalse(text.contains("No live datapath"), text);
    }

    @Test
    void aDpdkPlanWithoutItsDatapathShowsTheCreatePlanAndTheError() {
        DesiredState desired = desired(A.desired(), LOCAL, List.of(), dpdk());

        String text = PlanRenderer.render(Planner.plan(desired, LiveState.absent(List.of(), Map.of())));

        assertTrue(text.startsWith("Node edge-1, config edge.yaml, datapath mode dpdk.\n"
                + "No live datapath: this is the full create plan.\n"), text);
        assertTrue(text.contains("\nErrors:\n  - datapath not running: start the DPDK loop\n"), text);
        assertEquals("Plan: 2 to add, 0 to change, 0 to destroy.", lastLine(text));
    }

    @Test
    void theSummaryLineWordingIsStable() {
        assertEquals("Plan: 1 to add, 0 to change, 0 to destroy.", new Plan.Summary(1, 0, 0).line());
        assertEquals("Plan: 0 to add, 0 to change, 3 to destroy.", new Plan.Summary(0, 0, 3).line());
        assertEquals("Plan: 2 to add, 10 to change, 1 to destroy.", new Plan.Summary(2, 10, 1).line());
        assertEquals("No changes.", new Plan.Summary(0, 0, 0).line());
    }
}
