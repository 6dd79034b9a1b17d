package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.bench.DaemonUnderTest;
import io.xdprecon.tests.bench.FullCheckBench;
import io.xdprecon.tests.bench.ScaleBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped unit's daemon holds a fleet-sized config: {@code xdprecon run} through the launcher with the unit's
 * JVM options (systemd/xdprecon.env) on a file of 131,072 flows (65,536 ran out of heap before the streamed loader and the
 * packed desired state) applies every rule, then a one-flow edit of the file lands in the map, then an edit of every
 * flow (which ran out of heap before the packed change plan) leaves the map holding exactly the edited file's rules,
 * and so does another, made while the daemon was down, which its restart plans from a full read of the map, and one
 * more together with a resize of the map (the apply checks the whole map and migrates it).
 */
class FleetScaleTest {
    private static final int FLOWS = 131_072;
    private static final long SEED = 9;
    /** The map's capacity after the last edit: the size the product claims (262,144 flows of 2 rules, made before broken). */
    private static final int RESIZED = 1_048_576;

    @TempDir
    Path dir;

    @Test
    void theUnitsDaemonAppliesAHundredThirtyOneThousandFlowsThenAOneFlowEditThenEditsOfEveryFlowBeforeAndAfterARestart() throws Exception {
        Path file = dir.resolve("flows.yaml");
        FleetConfigs.writeFile(file, FLOWS, FleetConfigs.Keys.RANDOM, SEED);
        ScaleBench.Build unit = ScaleBench.Build.asItsUnitRunsIt("this checkout", Shell.REPOSITORY);
        try (Lab lab = Lab.start()) {
            Map<String, Integer> devices = FullCheckBench.devices(lab);
            Map<FlowKey, FlowRule> ends = new HashMap<>(rulesOf(0, 0, devices));
            ends.putAll(rulesOf(FLOWS - 1, 0, devices));
            int edited = FLOWS / 3;
            Map<FlowKey, FlowRule> edit = rulesOf(edited, 1, devices);
            assertNotEquals(rulesOf(edited, 0, devices), edit, "the edit changes the flow's rules");
            RulesMap rules = lab.datapath().rules();
            try (DaemonUnderTest daemon = DaemonUnderTest.start(lab, unit.launcher(), unit.javaOptions(),
                    "file:" + file, Files.createDirectory(dir.resolve("state")), dir.resolve("daemon.log"), List.of())) {
                daemon.await("every rule applied", Duration.ofMinutes(5), Duration.ofMillis(100),
                        () -> daemon.count("applied revision") == 1);
                assertEquals(2 * FLOWS, rules.slotsInUse(), daemon.tail());
                assertTrue(holds(rules, ends), daemon.tail());

                FleetConfigs.writeFile(file, FLOWS, FleetConfigs.Keys.RANDOM, SEED, edited, 1);
                daemon.await("the edit applied", Duration.ofMinutes(2), Duration.ofMillis(50),
                        () -> holds(rules, edit));
                daemon.await("the edit reported", Duration.ofMinutes(1), Duration.ofMillis(50),
                        () -> daemon.count("applied revision") == 2);
                assertEquals(2 * FLOWS, rules.slotsInUse(), "one rule replaced, none added: " + daemon.tail());
                assertFalse(daemon.log().contains("OutOfMemoryError"), daemon.tail());

                // Every flow's server port moves: each flow's forward rule changes and its reverse rule moves to
                // another key (3 x 131,072 rule changes), which ran out of the unit's heap when the change was
                // planned and checked as an object per rule (98,304 flows still fitted).
                FleetConfigs.writeFile(file, FLOWS, FleetConfigs.Keys.RANDOM, SEED, i -> 2);
                Map<FlowKey, FlowRule> everyFlow = allRulesOf(file, devices);
                assertEquals(2 * FLOWS, everyFlow.size());
                daemon.await("every flow's edit applied", Duration.ofMinutes(3), Duration.ofMillis(100), () -> {
                    assertFalse(daemon.log().contains("OutOfMemoryError"), daemon.tail());
                    return daemon.count("applied revision") == 3;
                });
                assertTrue(daemon.log().contains("Plan: 0 to add, " + FLOWS + " to change, 0 to destroy."), daemon.tail());
                assertEquals(everyFlow, rules.readAll(), "the map holds exactly the edited config's rules");
                assertEquals(2 * FLOWS, rules.slotsInUse(), daemon.tail());
            }
            // Every flow edited again while the daemon is down: restarted, it knows no previous revision and plans
            // against a full read of the map's 262,144 rules, which as objects (and the plan's changes with them)
            // ran out of the unit's heap.
            FleetConfigs.writeFile(file, FLOWS, FleetConfigs.Keys.RANDOM, SEED, i -> 3);
            Map<FlowKey, FlowRule> again = allRulesOf(file, devices);
            try (DaemonUnderTest daemon = DaemonUnderTest.start(lab, unit.launcher(), unit.javaOptions(),
                    "file:" + file, dir.resolve("state"), dir.resolve("restarted.log"), List.of())) {
                daemon.await("the restart's full plan applied", Duration.ofMinutes(3), Duration.ofMillis(100), () -> {
                    assertFalse(daemon.log().contains("OutOfMemoryError"), daemon.tail());
                    return daemon.count("applied revision") == 1;
                });
                assertTrue(daemon.log().contains("(full plan): Plan: 0 to add, " + FLOWS + " to change, 0 to destroy."),
                        daemon.tail());
                assertEquals(again, rules.readAll(), "the map holds exactly the edited config's rules");
                assertEquals(2 * FLOWS, rules.slotsInUse(), daemon.tail());

                // Every flow edited in the same revision as a resize of the map: the plan migrates the datapath, so
                // its apply checks the whole live map (not only the keys it changes) and leaves the deleted rules
                // behind, which with an object per changed key ran out of the unit's heap.
                FleetConfigs.writeFile(file, FLOWS, RESIZED, FleetConfigs.Keys.RANDOM, SEED, i -> 4);
                Map<FlowKey, FlowRule> resized = allRulesOf(file, devices);
                daemon.await("every flow's edit with the resize applied", Duration.ofMinutes(3), Duration.ofMillis(100),
                        () -> {
                            assertFalse(daemon.log().contains("OutOfMemoryError"), daemon.tail());
                            return daemon.count("applied revision") == 2;
                        });
                try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
                    assertEquals(RESIZED, pinned.rules().capacity(), daemon.tail());
                    assertEquals(resized, pinned.rules().readAll(), "the new map holds exactly the edited config's rules");
                    assertEquals(2 * FLOWS, pinned.rules().slotsInUse(), daemon.tail());
                }
            }
        }
    }

    /**
     * A directory source (a base file and 64 flow files): the daemon applies it all, then an edit of one file is read
     * alone — the other files' results are kept by their content hash — and lands in the map.
     */
    @Test
    void aDirectorySourceReadsOnlyTheFileAnEditChanged() throws Exception {
        int flows = 16_384;
        int files = 64;
        Path fleet = dir.resolve("fleet");
        FleetConfigs.writeDirectory(fleet, flows, files, FleetConfigs.Keys.RANDOM, SEED);
        ScaleBench.Build unit = ScaleBench.Build.asItsUnitRunsIt("this checkout", Shell.REPOSITORY);
        try (Lab lab = Lab.start()) {
            Map<String, Integer> devices = FullCheckBench.devices(lab);
            int edited = flows / 3;
            Map<FlowKey, FlowRule> edit = rulesOf(edited, 1, devices);
            RulesMap rules = lab.datapath().rules();
            try (DaemonUnderTest daemon = DaemonUnderTest.start(lab, unit.launcher(), unit.javaOptions(),
                    "file:" + fleet, Files.createDirectory(dir.resolve("state")), dir.resolve("daemon.log"), List.of())) {
                daemon.await("every rule applied", Duration.ofMinutes(5), Duration.ofMillis(100),
                        () -> daemon.count("applied revision") == 1);
                assertEquals(2 * flows, rules.slotsInUse(), daemon.tail());
                assertTrue(daemon.log().contains(": " + (files + 1) + " of " + (files + 1) + " files read"), daemon.tail());

                FleetConfigs.editDirectory(fleet, flows, files, FleetConfigs.Keys.RANDOM, SEED, edited, 1);
                daemon.await("the edit applied", Duration.ofMinutes(2), Duration.ofMillis(50), () -> holds(rules, edit));
                daemon.await("the edit reported", Duration.ofMinutes(1), Duration.ofMillis(50),
                        () -> daemon.count("applied revision") == 2);
                assertTrue(daemon.log().contains(": 1 of " + (files + 1) + " files read, " + files + " unchanged"),
                        daemon.tail());
                assertEquals(2 * flows, rules.slotsInUse(), "one rule replaced, none added: " + daemon.tail());
            }
        }
    }

    /** Flow {@code flow}'s rules in {@code variant}, as the loader derives them from a config of that flow alone. */
    private Map<FlowKey, FlowRule> rulesOf(int flow, int variant, Map<String, Integer> devices) throws Exception {
        return ScaleBench.rulesOf(dir, flow, FleetConfigs.Keys.RANDOM, SEED, variant, devices);
    }

    /** Every rule the loader derives from {@code file}. */
    private static Map<FlowKey, FlowRule> allRulesOf(Path file, Map<String, Integer> devices) throws Exception {
        Map<FlowKey, FlowRule> rules = new HashMap<>();
        ConfigLoader.load(file).forNode("lab", InterfaceResolver.of(devices)).rules()
                .forEach((key, rule) -> rules.put(key, rule.rule()));
        return rules;
    }

    private static boolean holds(RulesMap map, Map<FlowKey, FlowRule> wanted) {
        for (Map.Entry<FlowKey, FlowRule> e : wanted.entrySet()) {
            if (!map.get(e.getKey()).equals(Optional.of(e.getValue()))) {
                return false;
            }
        }
        return true;
    }
}
