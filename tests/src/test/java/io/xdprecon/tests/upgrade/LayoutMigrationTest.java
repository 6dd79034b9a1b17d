package io.xdprecon.tests.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.layout.LayoutMigration;
import io.xdprecon.dataplane.layout.PinnedLayout;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.state.LiveState;
import io.xdprecon.tests.kernel.PinRootPerTest;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link LayoutMigration} on real pinned maps, no traffic (the same under traffic, on the lab's live datapath, is in
 * {@link MigrationUnderTrafficTest}): rules, owners, counters and local IPs survive a migration from layout 1 and a
 * resize both ways (IPv6 rules too); a newer layout, a map too small and a failure at any step before the commit leave the old
 * maps as they were; a failure after it is finished by {@code recover}.
 */
class LayoutMigrationTest {
    private static final int SMALL = 1024;
    /** XDPRECON_MAX_RULES: the capacity of an object loaded as compiled. */
    private static final int COMPILED = 524_288;

    @RegisterExtension
    final PinRootPerTest pins = PinRootPerTest.empty();

    @Test
    void layout1PinsBecomeThisLayoutWithEveryRuleOwnerCounterAndLocalIp() {
        Map<FlowKey, FlowRule> rules = rules(300);
        try (BpfObject release = OtherLayouts.load(OtherLayouts.LAYOUT_1_OBJECT, pins.path());
                BpfMap localIps = BpfMap.openPinned(pins.path().resolve(Datapath.LOCAL_IPS_MAP))) {
            OtherLayouts.putLayout1Rules(pins.path(), rules);
            int n = 0;
            for (FlowKey key : rules.keySet()) {
                if (n++ % 3 == 0) {
                    OtherLayouts.putLayout1Counters(pins.path(), key, new FlowCounters(n, 64L * n));
                }
            }
            new LocalIpsMap(localIps).add(0x0A0100FE);
            assertEquals(Optional.of(new PinnedLayout(1, COMPILED)), PinnedLayout.probe(pins.path()));
            assertThrows(Datapath.LayoutMismatch.class, () -> Datapath.openPinned(pins.path()), "refused until migrated");

            LayoutMigration.Report report = LayoutMigration.migrate(pins.path(), SMALL, LayoutMigration.Devices.NONE, Set.of(),
                    LayoutMigration.Checkpoint.NONE);
            assertEquals(new LayoutMigration.Report(1, Abi.VERSION, COMPILED, SMALL, 300, 0, 0, List.of()), report);

            assertEquals(Optional.of(new PinnedLayout(Abi.VERSION, SMALL)), PinnedLayout.probe(pins.path()));
            assertFalse(Files.exists(pins.path().resolve(Datapath.LAYOUT_1_FLOW_STATS_MAP)), "layout 1's own map is unpinned");
            assertFalse(Files.exists(pins.path().resolve(LayoutMigration.PENDING_DIR)));
            try (Datapath migrated = Datapath.openPinned(pins.path());
                    BpfMap pinnedIps = BpfMap.openPinned(pins.path().resolve(Datapath.LOCAL_IPS_MAP))) {
                assertEquals(rules, migrated.rules().readAll());
                assertEquals(300, migrated.rules().slotsInUse(), "one slot per rule");
                n = 0;
                for (FlowKey key : rules.keySet()) {
                    FlowCounters expected = n++ % 3 == 0 ? new FlowCounters(n, 64L * n) : FlowCounters.ZERO;
                    assertEquals(expected, migrated.rules().counters(key), "counters of " + key);
                }
                assertEquals(localIps.id(), pinnedIps.id(), "the local IPs map is kept as it is");
                assertEquals(Map.of(0x0A0100FE, 0L), migrated.localIps().readAll());
            }
        }
    }

    /**
     * Layout 2's rules (24 bytes) become this layout's (64: an empty next-hop cache added), each with its counters,
     * and the node gets an empty xdp_rules6 (issue 17 item 3: a node of the release before IPv6 moves without loss).
     */
    @Test
    void layout2PinsBecomeThisLayoutWithEveryRuleOwnerCounterAndLocalIpAndAnEmptyIpv6Map() {
        olderPinsBecomeThisLayout(2, OtherLayouts.LAYOUT_2_OBJECT);
    }

    /** Layout 3 (the next-hop cache, IPv4 only) is this layout without xdp_rules6: every rule and counter kept. */
    @Test
    void layout3PinsBecomeThisLayoutWithEveryRuleOwnerCounterAndLocalIpAndAnEmptyIpv6Map() {
        olderPinsBecomeThisLayout(3, OtherLayouts.LAYOUT_3_OBJECT);
    }

    private void olderPinsBecomeThisLayout(int layout, String object) {
        Map<FlowKey, FlowRule> rules = rules(300);
        try (BpfObject release = OtherLayouts.load(object, pins.path());
                BpfMap localIps = BpfMap.openPinned(pins.path().resolve(Datapath.LOCAL_IPS_MAP));
                BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP))) {
            OtherLayouts.stamp(pins.path(), layout);
            assertFalse(Files.exists(pins.path().resolve(Datapath.RULES6_MAP)), "layout " + layout + " has no IPv6 map");
            OtherLayouts.putSlottedRules(pins.path(), rules);
            for (int slot = 1; slot <= rules.size(); slot++) {
                OtherLayouts.setCounters(counters, slot, new FlowCounters(slot, 64L * slot));
            }
            new LocalIpsMap(localIps).add(0x0A0100FE);
            assertEquals(Optional.of(new PinnedLayout(layout, COMPILED)), PinnedLayout.probe(pins.path()));
            assertThrows(Datapath.LayoutMismatch.class, () -> Datapath.openPinned(pins.path()), "refused until migrated");
            // what plan reads of such a node: its layout and rules, to be migrated (not an absent datapath)
            LiveState seen = new LiveStateReader(pins.path(), settings -> List.of()).read(Map.of(), List.of());
            assertEquals(layout, seen.layout(), "the live layout a plan migrates from");
            assertEquals(rules, seen.rules());

            LayoutMigration.Report report = LayoutMigration.migrate(pins.path(), SMALL, LayoutMigration.Devices.NONE, Set.of(),
                    LayoutMigration.Checkpoint.NONE);
            assertEquals(new LayoutMigration.Report(layout, Abi.VERSION, COMPILED, SMALL, 300, 0, 0, List.of()), report);

            assertEquals(Optional.of(new PinnedLayout(Abi.VERSION, SMALL)), PinnedLayout.probe(pins.path()));
            assertFalse(Files.exists(pins.path().resolve(LayoutMigration.PENDING_DIR)));
            try (Datapath migrated = Datapath.openPinned(pins.path());
                    BpfMap pinnedIps = BpfMap.openPinned(pins.path().resolve(Datapath.LOCAL_IPS_MAP));
                    BpfMap rules6 = BpfMap.openPinned(pins.path().resolve(Datapath.RULES6_MAP))) {
                assertEquals(Abi.FLOW_RULE_SIZE, migrated.rules().rulesMap().valueSize());
                assertEquals(rules, migrated.rules().readAll());
                assertEquals(300, migrated.rules().slotsInUse(), "one slot per rule");
                int slot = 0;
                for (FlowKey key : rules.keySet()) {
                    slot++;
                    assertEquals(new FlowCounters(slot, 64L * slot), migrated.rules().counters(key), "counters of " + key);
                }
                assertEquals(localIps.id(), pinnedIps.id(), "the local IPs map is kept as it is");
                assertEquals(Map.of(0x0A0100FE, 0L), migrated.localIps().readAll());
                assertEquals(0, rules6.countEntries());
                assertEquals(Abi.MAX_RULES6, rules6.maxEntries());
            }
        }
    }

    /**
     * A resize carries the IPv6 rules as it carries the IPv4 ones (issue 17 item 3): every rule of both families with its
     * owner and counters, each in a fresh slot of the one bitmap, and both families together must fit the new capacity.
     * Before, maps whose xdp_rules6 held a rule were refused ("does not carry IPv6 rules yet").
     */
    @Test
    void aResizeKeepsEveryIpv6RuleAndItsCountersAndLeavesBehindWhatItIsTold() {
        Map<FlowKey, FlowRule> rules = rules(10);
        Map<FlowKey6, FlowRule6> rules6 = rules6(20);
        try (Datapath before = Datapath.load(pins.path(), SMALL)) {
            before.rules().putAll(rules);
            rules6.forEach(before.rules6()::put);
            bump(before, rules.keySet());
            int n = 0;
            for (FlowKey6 key : rules6.keySet()) {
                n++;
                OtherLayouts.setCounters(before.rules().countersMap(), before.rules6().slotOf(key), new FlowCounters(n, 100L * n));
            }
        }
        LayoutMigration.Report up = LayoutMigration.migrate(pins.path(), 2 * SMALL, LayoutMigration.Devices.NONE, Set.of(),
                LayoutMigration.Checkpoint.NONE);
        assertEquals(30, up.rulesMoved(), "10 IPv4 + 20 IPv6 rules");
        assertMigrated(rules, rules6, 2 * SMALL);

        FlowKey6 gone = rules6.keySet().iterator().next();
        LayoutMigration.Report down = LayoutMigration.migrate(pins.path(), 32, LayoutMigration.Devices.NONE, Set.of(), Set.of(gone),
                LayoutMigration.Checkpoint.NONE);
        assertEquals(29, down.rulesMoved());
        assertEquals(1, down.rulesLeftBehind());
        Map<FlowKey6, FlowRule6> kept = new LinkedHashMap<>(rules6);
        kept.remove(gone);
        assertMigrated(rules, kept, 32);

        LayoutMigration.MigrationException refused = assertThrows(LayoutMigration.MigrationException.class,
                () -> LayoutMigration.migrate(pins.path(), 20, LayoutMigration.Devices.NONE, Set.of(), LayoutMigration.Checkpoint.NONE));
        assertTrue(refused.getMessage().contains("the new rules map holds 20 rules, and more than that are live (IPv4 and IPv6"
                + " rules together"), refused.getMessage());
        assertFalse(refused.committed());
        assertMigrated(rules, kept, 32);
    }

    @Test
    void aResizeDownAndUpKeepsRulesAndCountersAndLeavesBehindWhatItIsTold() {
        Map<FlowKey, FlowRule> rules = rules(500);
        FlowKey gone = rules.keySet().iterator().next();
        try (Datapath before = Datapath.load(pins.path(), 4 * SMALL)) {
            before.rules().putAll(rules);
            bump(before, rules.keySet());
        }
        LayoutMigration.Report down = LayoutMigration.migrate(pins.path(), SMALL, LayoutMigration.Devices.NONE, Set.of(gone), LayoutMigration.Checkpoint.NONE);
        assertEquals(499, down.rulesMoved());
        assertEquals(1, down.rulesLeftBehind());
        Map<FlowKey, FlowRule> kept = new LinkedHashMap<>(rules);
        kept.remove(gone);
        assertMigrated(kept, SMALL);

        LayoutMigration.migrate(pins.path(), 8 * SMALL, LayoutMigration.Devices.NONE, Set.of(), LayoutMigration.Checkpoint.NONE);
        assertMigrated(kept, 8 * SMALL);
        try (Datapath after = Datapath.openPinned(pins.path())) {
            FlowKey fresh = FlowKey.of(9, "10.9.9.9", 9, "10.9.9.10", 10);
            after.rules().put(fresh, new FlowRule(fresh, Owner.CONFIG));
            assertEquals(FlowCounters.ZERO, after.rules().counters(fresh), "a new rule's slot starts at zero");
        }
    }

    @Test
    void aMapTooSmallForTheLiveRulesIsRefusedAndTheOldMapsStay() {
        Map<FlowKey, FlowRule> rules = rules(40);
        int rulesMapId;
        try (Datapath before = Datapath.load(pins.path(), SMALL)) {
            before.rules().putAll(rules);
            rulesMapId = before.rules().rulesMap().id();
        }
        LayoutMigration.MigrationException refused = assertThrows(LayoutMigration.MigrationException.class,
                () -> LayoutMigration.migrate(pins.path(), 32, LayoutMigration.Devices.NONE, Set.of(), LayoutMigration.Checkpoint.NONE));
        assertTrue(refused.getMessage().contains("the new rules map holds 32 rules"), refused.getMessage());
        assertTrue(refused.getMessage().contains("the old maps keep serving"), refused.getMessage());
        assertFalse(refused.committed());
        assertUntouched(rules, rulesMapId, SMALL);
    }

    @Test
    void aFailureAtAnyStepBeforeTheCommitLeavesTheOldMapsAsTheyWere() {
        Map<FlowKey, FlowRule> rules = rules(50);
        int rulesMapId;
        try (Datapath before = Datapath.load(pins.path(), SMALL)) {
            before.rules().putAll(rules);
            bump(before, rules.keySet());
            rulesMapId = before.rules().rulesMap().id();
        }
        for (LayoutMigration.Step step : List.of(LayoutMigration.Step.MAPS_CREATED, LayoutMigration.Step.RULES_COPIED)) {
            LayoutMigration.MigrationException failed = assertThrows(LayoutMigration.MigrationException.class,
                    () -> LayoutMigration.migrate(pins.path(), 2 * SMALL, LayoutMigration.Devices.NONE, Set.of(), failAt(step)));
            assertEquals(Optional.of(step), failed.lastDone());
            assertFalse(failed.committed());
            assertTrue(failed.getMessage().contains("injected at " + step), failed.getMessage());
            assertUntouched(rules, rulesMapId, SMALL);
        }
    }

    @Test
    void aFailureAfterTheCommitIsFinishedByRecover() {
        Map<FlowKey, FlowRule> rules = rules(50);
        try (Datapath before = Datapath.load(pins.path(), SMALL)) {
            before.rules().putAll(rules);
            bump(before, rules.keySet());
        }
        LayoutMigration.MigrationException failed = assertThrows(LayoutMigration.MigrationException.class,
                () -> LayoutMigration.migrate(pins.path(), 2 * SMALL, LayoutMigration.Devices.NONE, Set.of(), failAt(LayoutMigration.Step.COMMITTED)));
        assertTrue(failed.committed());
        assertTrue(LayoutMigration.interrupted(pins.path()));
        assertTrue(LayoutMigration.recover(pins.path()).orElseThrow().contains("finished an interrupted migration"));
        assertMigrated(rules, 2 * SMALL);
    }

    @Test
    void pinsOfANewerLayoutAreNeverTouched() throws Exception {
        try (BpfObject later = OtherLayouts.load(OtherLayouts.NEWER_OBJECT, pins.path())) {
            OtherLayouts.stamp(pins.path(), OtherLayouts.NEWER_LAYOUT);
            OtherLayouts.putNewerRules(pins.path(), rules(5));
            int rulesMapId;
            try (BpfMap pinned = BpfMap.openPinned(pins.path().resolve(Datapath.RULES_MAP))) {
                rulesMapId = pinned.id();
            }
            Datapath.LayoutMismatch refused = assertThrows(Datapath.LayoutMismatch.class,
                    () -> LayoutMigration.migrate(pins.path(), SMALL, LayoutMigration.Devices.NONE, Set.of(), LayoutMigration.Checkpoint.NONE));
            assertEquals(OtherLayouts.NEWER_LAYOUT, refused.found());
            assertTrue(refused.getMessage().contains("are of layout " + OtherLayouts.NEWER_LAYOUT + ", newer than layout "
                    + Abi.VERSION + " of this build: a downgrade"),
                    refused.getMessage());
            assertFalse(Files.exists(pins.path().resolve(LayoutMigration.PENDING_DIR)));
            try (BpfMap pinned = BpfMap.openPinned(pins.path().resolve(Datapath.RULES_MAP))) {
                assertEquals(rulesMapId, pinned.id());
                assertEquals(5, pinned.countEntries());
            }
        }
    }

    /** Sets counters at every rule's slot (as packets would): 1..n packets, in rule order. */
    private static void bump(Datapath datapath, Set<FlowKey> keys) {
        // The datapath is the only writer of counters; a test stands in for it through the pinned array.
        int n = 0;
        for (FlowKey key : keys) {
            n++;
            OtherLayouts.setCounters(datapath.rules().countersMap(), datapath.rules().slotOf(key), new FlowCounters(n, 100L * n));
        }
    }

    private void assertMigrated(Map<FlowKey, FlowRule> rules, int capacity) {
        assertEquals(Optional.of(new PinnedLayout(Abi.VERSION, capacity)), PinnedLayout.probe(pins.path()));
        assertFalse(LayoutMigration.interrupted(pins.path()));
        try (Datapath after = Datapath.openPinned(pins.path())) {
            assertEquals(rules, after.rules().readAll());
            assertEquals(rules.size(), after.rules().slotsInUse() - after.rules6().readAll().size());
            for (FlowKey key : rules.keySet()) {
                FlowCounters counted = after.rules().counters(key);
                assertEquals(100 * counted.packets(), counted.bytes(), "counters of " + key + " moved with it");
                assertTrue(counted.packets() > 0, "counters of " + key + " moved with it");
            }
        }
    }

    private void assertMigrated(Map<FlowKey, FlowRule> rules, Map<FlowKey6, FlowRule6> rules6, int capacity) {
        assertMigrated(rules, capacity);
        try (Datapath after = Datapath.openPinned(pins.path())) {
            assertEquals(rules6, after.rules6().readAll());
            assertEquals(rules.size() + rules6.size(), after.rules().slotsInUse(), "one slot per rule of either family");
            int n = 0;
            for (FlowKey6 key : rules6.keySet()) {
                FlowCounters counted = after.rules6().counters(key);
                assertEquals(100 * counted.packets(), counted.bytes(), "counters of " + key + " moved with it");
                assertTrue(counted.packets() > 0, "counters of " + key + " moved with it");
                n++;
            }
            assertEquals(rules6.size(), n);
        }
    }

    private void assertUntouched(Map<FlowKey, FlowRule> rules, int rulesMapId, int capacity) {
        assertFalse(Files.exists(pins.path().resolve(LayoutMigration.PENDING_DIR)), "no pending pins left");
        try (Datapath after = Datapath.openPinned(pins.path())) {
            assertEquals(rulesMapId, after.rules().rulesMap().id(), "the same rules map is pinned");
            assertEquals(capacity, after.rules().capacity());
            assertEquals(rules, after.rules().readAll());
        }
    }

    private static LayoutMigration.Checkpoint failAt(LayoutMigration.Step failing) {
        return step -> {
            if (step == failing) {
                throw new IllegalStateException("injected at " + step);
            }
        };
    }


    /** {@code n} distinct IPv6 rules, half config, half session. */
    static Map<FlowKey6, FlowRule6> rules6(int n) {
        Map<FlowKey6, FlowRule6> rules = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            FlowKey6 key = new FlowKey6(2 + i % 3, new IpAddress.V6(0x20010db8_000c0000L, i), new IpAddress.V6(0x20010db8_000c0000L,
                    0x100), 1024 + i, 3478);
            FlowKey6 target = new FlowKey6(5, new IpAddress.V6(0x20010db8_000d0000L, 1), new IpAddress.V6(0x20010db8_000d0000L,
                    0x200 + i), 40000 + i, 3478);
            rules.put(key, new FlowRule6(target, i % 2 == 0 ? Owner.CONFIG : Owner.SESSION));
        }
        return rules;
    }

    /** {@code n} distinct rules, half config, half session. */
    static Map<FlowKey, FlowRule> rules(int n) {
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            FlowKey key = new FlowKey(2 + i % 3, 0x0A000000 | i, 0xC0A80001, 1024 + i, 53);
            FlowKey target = new FlowKey(5, 0xAC100001, 0x0B000000 | i, 40000 + i, 5300 + i % 7);
            rules.put(key, new FlowRule(target, i % 2 == 0 ? Owner.CONFIG : Owner.SESSION));
        }
        return rules;
    }
}
