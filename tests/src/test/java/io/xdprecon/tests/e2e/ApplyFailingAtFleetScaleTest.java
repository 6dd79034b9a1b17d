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
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.tests.bench.DaemonUnderTest;
import io.xdprecon.tests.bench.FullCheckBench;
import io.xdprecon.tests.bench.ScaleBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An apply that fails part way at the scale the product claims reports what landed within the unit's heap, through
 * the launcher with systemd/xdprecon.env's JVM options: {@code xdprecon apply} here, the daemon below (whose report
 * ran out of heap the same way, and the daemon with it). A dpdk node holds a config of
 * 262,000 flows in a map of 786,432: room for an edit of every flow made before broken (each flow's server port moved:
 * its forward rule changed, its reverse rule added at a new key before the old one is deleted, 786,000 rule changes).
 * The plan is saved; then another writer, the DPDK loop, takes 200,000 sessions (session rules at keys the plan does
 * not touch leave a saved plan valid), so the apply runs out of room part way through its writes. Its report of what
 * landed re-read the whole map as an object per rule and kept a String per planned change: it ran out of the heap,
 * and the failure that apply again would fix became a crash (issue 9).
 */
class ApplyFailingAtFleetScaleTest {
    private static final int FLOWS = 262_000;
    private static final int MAX_RULES = 786_432;
    private static final int SESSIONS = 200_000;
    private static final long SEED = 9;
    private static final Pattern COUNTS = Pattern.compile("(\\d+) planned changes landed, (\\d+) did not:\n");
    private static final Pattern RULE = Pattern.compile(
            "  ([+~-]|-/\\+) rule if(\\d+) (\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d+) -> (\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d+)");

    @TempDir
    Path dir;

    @Test
    void anApplyThatRunsOutOfRoomPartWayReportsWhatLandedWithinTheUnitsHeap() throws Exception {
        long start = System.nanoTime();
        Path file = dir.resolve("flows.yaml");
        FullCheckBench.writeDpdkFile(file, FLOWS, MAX_RULES, i -> 0);
        ScaleBench.Build unit = ScaleBench.Build.asItsUnitRunsIt("this checkout", Shell.REPOSITORY);
        try (Lab lab = Lab.start()) {
            FullCheckBench.fillDpdkNode(lab, file, MAX_RULES, 0);
            FullCheckBench.writeDpdkFile(file, FLOWS, MAX_RULES, i -> 1); // every flow's server port moved
            Path saved = dir.resolve("plan.json");
            FullCheckBench.Run plan = FullCheckBench.cli(lab, unit.launcher(), unit.javaOptions(), "plan",
                    "-c", file.toString(), "--out", saved.toString());
            assertFalse(plan.output().contains("OutOfMemoryError"), tail(plan.output()));
            assertEquals(0, plan.exit(), tail(plan.output()));
            assertTrue(plan.output().contains("Plan: 0 to add, " + FLOWS + " to change, 0 to destroy."), tail(plan.output()));

            try (Datapath datapath = Datapath.openPinned(lab.pinRoot())) {
                RulesMap rules = datapath.rules();
                FullCheckBench.addSessions(lab, datapath, SESSIONS); // the other writer
                int room = MAX_RULES - 2 * FLOWS - SESSIONS;
                assertEquals(MAX_RULES - room, rules.slotsInUse());

                FullCheckBench.Run apply = FullCheckBench.cli(lab, unit.launcher(), unit.javaOptions(), "apply",
                        saved.toString());
                String output = apply.output();
                System.err.printf("ApplyFailingAtFleetScaleTest: plan %.1f s, %d MB peak; failing apply %.1f s, %d MB peak%n",
                        plan.seconds(), plan.peakKb() / 1024, apply.seconds(), apply.peakKb() / 1024);
                assertFalse(output.contains("OutOfMemoryError"), tail(output));
                assertEquals(1, apply.exit(), tail(output));
                assertTrue(output.contains("apply stopped at step 'write rules'"), tail(output));
                assertEquals(MAX_RULES, rules.slotsInUse(), "the writes took every slot there was room for, and no delete ran");

                // What the report says landed is what the map holds: each desired rule in place is a change or an add
                // that landed; no delete did (they come after the writes).
                Map<FlowKey, DesiredRule> desired = ConfigLoader.load(file)
                        .forNode("lab", InterfaceResolver.of(FullCheckBench.devices(lab))).rules();
                long inPlace = desired.entrySet().stream()
                        .filter(e -> rules.get(e.getKey()).equals(Optional.of(e.getValue().rule()))).count();
                assertTrue(inPlace > room && inPlace < 2L * FLOWS, "part way: " + inPlace);
                Matcher counts = COUNTS.matcher(output);
                assertTrue(counts.find(), tail(output));
                assertEquals(inPlace, Long.parseLong(counts.group(1)), "landed");
                assertEquals(3L * FLOWS - inPlace, Long.parseLong(counts.group(2)), "not landed");

                // The first 20 changes that did not land, each truly not in the map, then an ellipsis.
                List<String> listed = Arrays.asList(output.substring(counts.end(), output.indexOf("\nRun apply again to converge."))
                        .split("\n"));
                assertEquals(21, listed.size(), String.join("\n", listed));
                assertEquals("  …", listed.getLast());
                for (String line : listed.subList(0, 20)) {
                    Matcher rule = RULE.matcher(line);
                    assertTrue(rule.matches(), line);
                    FlowKey key = new FlowKey(Integer.parseInt(rule.group(2)), Ipv4.parse(rule.group(3)),
                            Ipv4.parse(rule.group(5)), Integer.parseInt(rule.group(4)), Integer.parseInt(rule.group(6)));
                    Optional<FlowRule> now = rules.get(key);
                    if (rule.group(1).equals("-")) {
                        assertTrue(now.isPresent(), line + ": still there");
                    } else {
                        assertNotEquals(Optional.ofNullable(desired.get(key)).map(DesiredRule::rule), now, line);
                    }
                }
            }
        }
        System.err.printf("ApplyFailingAtFleetScaleTest: %.1f s in all%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * The unit's daemon, holding 262,144 flows in XDP mode, is given a revision that edits every flow (786,432 rule
     * changes) and asks for two RX queues on the private interface, which the kernel refuses (a veth running XDP
     * cannot take more RX channels than its peer has TX queues): the apply stops at its tuning step, before any rule is
     * written. The daemon reports what landed (nothing) and keeps running; the same edit without the tuning then
     * lands. Reporting read the map as an object per rule and a String per change: the daemon ran out of its heap.
     */
    @Test
    void theDaemonReportsAnApplyTheKernelRefusesAtFleetScaleAndKeepsRunning() throws Exception {
        long start = System.nanoTime();
        int flows = 262_144;
        int maxRules = 3 * flows; // room for every flow's edit, made before broken
        Path file = dir.resolve("flows.yaml");
        FleetConfigs.writeFile(file, flows, maxRules, FleetConfigs.Keys.RANDOM, SEED, i -> 0);
        ScaleBench.Build unit = ScaleBench.Build.asItsUnitRunsIt("this checkout", Shell.REPOSITORY);
        try (Lab lab = Lab.start();
                DaemonUnderTest daemon = DaemonUnderTest.start(lab, unit.launcher(), unit.javaOptions(),
                        "file:" + file, Files.createDirectory(dir.resolve("state")), dir.resolve("daemon.log"),
                        List.of("--allow-disruptive"))) {
            daemon.await("every rule applied", Duration.ofMinutes(5), Duration.ofMillis(100),
                    () -> stopped(daemon) || daemon.count("applied revision") == 1);
            assertFalse(stopped(daemon), daemon.tail());
            // Opened once the cold start moved the lab's maps onto the config's capacity.
            try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
                RulesMap rules = pinned.rules();
                assertEquals(maxRules, rules.capacity(), daemon.tail());
                assertEquals(2 * flows, rules.slotsInUse(), daemon.tail());
                Map<FlowKey, FlowRule> before = ScaleBench.rulesOf(dir, flows / 3, FleetConfigs.Keys.RANDOM, SEED, 0,
                        FullCheckBench.devices(lab));

                // Every flow's server port moved, and the queues, in one revision (the file replaced at once).
                Path staged = dir.resolve("staged.yaml");
                FleetConfigs.writeFile(staged, flows, maxRules, FleetConfigs.Keys.RANDOM, SEED, i -> 1);
                Files.writeString(staged, "tuning:\n  interfaces:\n    private: { queues: 2 }\n", StandardOpenOption.APPEND);
                Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                daemon.await("the failed apply reported", Duration.ofMinutes(3), Duration.ofMillis(100),
                        () -> stopped(daemon) || daemon.log().contains("Run apply again to converge."));
                assertFalse(stopped(daemon), daemon.tail());
                String log = daemon.log();
                assertTrue(log.contains("apply stopped at step 'tuning'"), daemon.tail());
                assertTrue(log.contains("0 planned changes landed, " + (3 * flows + 1) + " did not:\n"), daemon.tail());
                assertEquals(2 * flows, rules.slotsInUse(), "nothing after the failed step was written: " + daemon.tail());
                before.forEach((key, rule) -> assertEquals(Optional.of(rule), rules.get(key), key.toString()));

                // The daemon still runs: the edit alone lands.
                FleetConfigs.writeFile(file, flows, maxRules, FleetConfigs.Keys.RANDOM, SEED, i -> 1);
                Map<FlowKey, FlowRule> after = ScaleBench.rulesOf(dir, flows / 3, FleetConfigs.Keys.RANDOM, SEED, 1,
                        FullCheckBench.devices(lab));
                daemon.await("the edit without the tuning applied", Duration.ofMinutes(3), Duration.ofMillis(100),
                        () -> stopped(daemon) || daemon.count("applied revision") == 2);
                assertFalse(stopped(daemon), daemon.tail());
                after.forEach((key, rule) -> assertEquals(Optional.of(rule), rules.get(key), key.toString()));
                assertEquals(2 * flows, rules.slotsInUse(), daemon.tail());
            }
        }
        System.err.printf("ApplyFailingAtFleetScaleTest, daemon: %.1f s in all%n", (System.nanoTime() - start) / 1e9);
    }

    private static boolean stopped(DaemonUnderTest daemon) {
        return !daemon.process().isAlive() || daemon.log().contains("OutOfMemoryError");
    }

    /** The end of a long output, where a failure says why. */
    private static String tail(String output) {
        return output.length() <= 4000 ? output : "…" + output.substring(output.length() - 4000);
    }
}
