package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.MAX_RULES;
import static io.xdprecon.plan.Fixtures.attachedEverywhere;
import static io.xdprecon.plan.Fixtures.dpdk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import io.xdprecon.state.LiveState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A plan for a node whose rules map is empty (a cold start) keeps its flows packed ({@link AddedFlows}); it must be
 * the plan of objects the planner makes otherwise: the same flows in the same order (names in {@code String} order,
 * legs forward first, then by key), the same rule changes, summary, warnings and errors. The object plan is made
 * here for the same desired rules over a map that holds one unrelated session rule, which a dpdk-mode plan leaves
 * alone.
 */
class ColdPlanTest {
    private static final String[] NAMES = {"a", "B", "b", "é", "z9", "\uD83D\uDE00", "\uFFFD", "flow-10", "flow-9", "Z"};

    @Test
    void aColdPlanIsThePlanOfObjectsOfTheSameAdds() {
        Random random = new Random(20261204);
        int legsAlone = 0;
        for (int run = 0; run < 300; run++) {
            Map<FlowKey, DesiredRule> rules = new HashMap<>();
            int flows = 1 + random.nextInt(40);
            for (int f = 0; f < flows; f++) {
                String name = NAMES[random.nextInt(NAMES.length)] + "-" + f;
                for (Direction direction : Direction.values()) {
                    // A few keys drawn from a small pool: a later flow's leg takes an earlier one's key, leaving it one leg.
                    int ports = random.nextInt(4) == 0 ? 3 : 60000;
                    FlowKey key = new FlowKey(1 + random.nextInt(2), random.nextInt(4), random.nextInt(4),
                            random.nextInt(ports), random.nextInt(ports));
                    FlowKey rewrite = new FlowKey(1 + random.nextInt(2), random.nextInt(), random.nextInt(),
                            random.nextInt(65536), random.nextInt(65536));
                    rules.put(key, new DesiredRule(new FlowRule(rewrite, Owner.CONFIG), name, direction));
                }
            }
            DesiredState desired = Fixtures.desired(rules, Set.of(), List.of(), dpdk());
            Plan cold = Planner.plan(desired, live(Map.of()));
            FlowKey elsewhere = new FlowKey(99, 1, 2, 3, 4);
            Plan objects = Planner.plan(desired, live(Map.of(elsewhere, new FlowRule(elsewhere, Owner.SESSION))));
            assertTrue(cold.addsToAnEmptyMap(), "run " + run);
            assertFalse(objects.addsToAnEmptyMap(), "run " + run);
            assertEquals(objects.flows(), cold.flows(), "run " + run);
            assertEquals(List.copyOf(objects.flows()), List.copyOf(cold.flows()), "run " + run);
            assertEquals(objects.ruleChanges(), cold.ruleChanges(), "run " + run);
            assertEquals(objects.summary(), cold.summary(), "run " + run);
            assertEquals(objects.warnings(), cold.warnings(), "run " + run);
            assertEquals(objects.errors(), cold.errors(), "run " + run);
            assertEquals(rules.size(), cold.ruleChanges().size(), "run " + run);
            legsAlone += cold.flows().stream().filter(f -> f.rules().size() == 1).count();
        }
        assertTrue(legsAlone > 50, "flows left with one leg: " + legsAlone);
    }

    @Test
    void aMapHoldingAnyRuleIsPlannedWithObjects() {
        FlowKey key = new FlowKey(1, 1, 2, 3, 4);
        Map<FlowKey, DesiredRule> rules = Map.of(key,
                new DesiredRule(new FlowRule(new FlowKey(2, 5, 6, 7, 8), Owner.CONFIG), "f", Direction.FORWARD));
        DesiredState desired = Fixtures.desired(rules, Set.of(), List.of(), dpdk());
        assertFalse(Planner.plan(desired, live(Map.of(key, new FlowRule(key, Owner.SESSION)))).addsToAnEmptyMap());
        assertFalse(Planner.plan(Fixtures.desired(Map.of(), Set.of(), List.of(), dpdk()), live(Map.of())).addsToAnEmptyMap());
    }

    /**
     * The daemon asks a plan for its summary several times per reconcile (has it changes? what does the log line
     * say?): a cold plan's summary must count its packed flows, not read them — reading made a FlowChange, its legs,
     * keys and a name per flow each time, ~100 MB at 262,144 flows, and ran the daemon of the unit's heap out of
     * memory at its cold start. Counted by the thread's allocated bytes, which are exact, not by time.
     */
    @Test
    void aColdPlansSummaryReadsNoFlow() {
        int flows = 20_000;
        Map<FlowKey, DesiredRule> rules = HashMap.newHashMap(2 * flows);
        for (int f = 0; f < flows; f++) {
            for (Direction direction : Direction.values()) {
                int side = direction.ordinal();
                rules.put(new FlowKey(1 + side, f, 7, 1000 + side, f & 0xffff),
                        new DesiredRule(new FlowRule(new FlowKey(2 - side, 9, f, 2000, f & 0xffff), Owner.CONFIG),
                                "flow-" + f, direction));
            }
        }
        Plan cold = Planner.plan(Fixtures.desired(rules, Set.of(), List.of(), dpdk()), live(Map.of()));
        assertTrue(cold.addsToAnEmptyMap());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Plan.Summary summary = cold.summary();
        boolean changes = cold.hasChanges();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(new Plan.Summary(flows, 0, 0), summary);
        assertTrue(changes);
        // A flow read costs ~200 bytes (change, legs, keys, rules, optionals): 20,000 flows read would be ~4 MB.
        assertTrue(allocated < 64 * 1024, "summary and hasChanges allocated " + allocated + " bytes for " + flows + " flows");
    }

    private static LiveState live(Map<FlowKey, FlowRule> rules) {
        return new LiveState(true, MAX_RULES, rules, Set.of(), List.of(), attachedEverywhere());
    }
}
