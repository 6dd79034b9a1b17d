package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.bench.FullCheckBench;
import io.xdprecon.tests.bench.ScaleBench;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xdprecon plan} and {@code apply} on a node at the scale the product claims, with the shipped unit's JVM
 * options: a config of 262,000 flows in {@code datapath.mode: dpdk} whose 524,000 rules the map holds beside 260,000
 * sessions' rules (a map of 1,048,576), and one flow edited. Both read the whole live map (the full plan; apply's
 * staleness check walks it again), which as an object per rule, beside the config, ran out of the unit's heap; the plan
 * they print is one flow's.
 */
class CliAgainstAFullMapTest {
    private static final int FLOWS = 262_000;
    private static final int SESSIONS = 260_000;

    @TempDir
    Path dir;

    @Test
    void planAndApplyOfAOneFlowEditReadAMapOfThreeQuartersOfAMillionRulesWithinTheUnitsHeap() throws Exception {
        Path file = dir.resolve("flows.yaml");
        FullCheckBench.writeDpdkFile(file, FLOWS, i -> 0);
        ScaleBench.Build unit = ScaleBench.Build.asItsUnitRunsIt("this checkout", Shell.REPOSITORY);
        try (Lab lab = Lab.start()) {
            FullCheckBench.fillDpdkNode(lab, file, SESSIONS);
            Map<String, Integer> devices = FullCheckBench.devices(lab);
            int edited = FLOWS / 3;
            Map<FlowKey, FlowRule> edit = ScaleBench.rulesOf(dir, edited, FleetConfigs.Keys.RANDOM, 9, 1, devices);
            assertNotEquals(ScaleBench.rulesOf(dir, edited, FleetConfigs.Keys.RANDOM, 9, 0, devices), edit,
                    "the edit changes the flow's rules");
            FullCheckBench.writeDpdkFile(file, FLOWS, i -> i == edited ? 1 : 0);
            try (Datapath datapath = Datapath.openPinned(lab.pinRoot())) {
                RulesMap rules = datapath.rules();
                assertEquals(2 * FLOWS + SESSIONS, rules.slotsInUse());

                FullCheckBench.Run plan = FullCheckBench.cli(lab, unit.launcher(), unit.javaOptions(), "plan", "-c", file.toString());
                assertFalse(plan.output().contains("OutOfMemoryError"), plan.output());
                assertEquals(0, plan.exit(), plan.output());
                assertTrue(plan.output().contains("Plan: 0 to add, 1 to change, 0 to destroy."), plan.output());
                assertEquals(2 * FLOWS + SESSIONS, rules.slotsInUse(), "a plan writes nothing");

                FullCheckBench.Run apply = FullCheckBench.cli(lab, unit.launcher(), unit.javaOptions(), "apply", "-c", file.toString());
                assertFalse(apply.output().contains("OutOfMemoryError"), apply.output());
                assertEquals(0, apply.exit(), apply.output());
                assertTrue(apply.output().contains("Apply complete: 0 added, 1 changed, 0 destroyed"), apply.output());
                edit.forEach((key, rule) -> assertEquals(Optional.of(rule), rules.get(key), key.toString()));
                assertEquals(2 * FLOWS + SESSIONS, rules.slotsInUse(), "the flow's reverse rule moved, nothing else");
            }
        }
    }
}
