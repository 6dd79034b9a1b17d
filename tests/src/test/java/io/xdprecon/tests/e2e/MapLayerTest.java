package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.BulkWriteException;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RuleTable;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.dataplane.maps.SlotCounters;
import io.xdprecon.tests.kernel.PinRootPerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The typed map layer on real kernel maps, each test under a pin root of its own. No namespace and no
 * traffic: the counters with real packets (a replaced rule keeps its counters) are in {@link RelayEndToEndTest}
 * and DatapathCorrectionsTest.
 */
class MapLayerTest {
    private static final int BULK = 100_000;
    /** Room for {@link #BULK}; smaller than the compiled 524288, so each load preallocates less. */
    private static final int BULK_CAPACITY = 1 << 17;
    private static final int SMALL = 1024;

    /** Removed after each test, and checked gone ("pin root left behind"). */
    @RegisterExtension
    final PinRootPerTest pins = PinRootPerTest.empty();

    @Test
    void putGetRemoveOneRule() {
        try (Datapath datapath = Datapath.load(pins.path(), SMALL)) {
            RulesMap rules = datapath.rules();
            FlowKey key = FlowKey.of(7, "10.0.0.1", 1000, "10.0.0.100", 2000);
            FlowRule rule = new FlowRule(FlowKey.of(8, "10.0.1.1", 3000, "10.0.1.2", 4000), Owner.CONFIG);
            assertEquals(Optional.empty(), rules.get(key));

            rules.put(key, rule);
            assertEquals(Optional.of(rule), rules.get(key));
            FlowRule changed = new FlowRule(FlowKey.of(8, "10.0.1.1", 3001, "10.0.1.2", 4000), Owner.SESSION);
            rules.put(key, changed);
            assertEquals(Optional.of(changed), rules.get(key));
            assertEquals(FlowCounters.ZERO, rules.counters(key), "no packet, no counters");

            assertTrue(rules.remove(key));
            assertEquals(Optional.empty(), rules.get(key));
            assertFalse(rules.remove(key), "second remove");
        }
    }

    @Test
    void putAllReadAllRemoveAllThroughBatchOps() {
        try (Datapath datapath = Datapath.load(pins.path(), BULK_CAPACITY)) {
            roundTrip(datapath.rules());
        }
    }

    @Test
    void putAllReadAllRemoveAllThroughElementFallback() {
        try (Datapath datapath = Datapath.load(pins.path(), BULK_CAPACITY);
                BpfMap rules = BpfMap.openPinned(pins.path().resolve(Datapath.RULES_MAP)).withoutBatchOps();
                BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP)).withoutBatchOps();
                BpfMap slots = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_SLOTS_MAP))) {
            RulesMap fallback = new RulesMap(rules, counters, slots);
            roundTrip(fallback);
            // Both views see the same kernel map.
            assertEquals(Map.of(), datapath.rules().readAll());
        }
    }

    private static void roundTrip(RulesMap rules) {
        Map<FlowKey, FlowRule> written = rules(BULK, i -> i % 3 == 0 ? Owner.SESSION : Owner.CONFIG);
        rules.putAll(written);
        Map<FlowKey, FlowRule> read = rules.readAll();
        assertEquals(BULK, read.size());
        assertEquals(written, read);
        assertEquals(written.keySet().stream().filter(k -> written.get(k).owner() == Owner.SESSION).count(),
                rules.keysOwnedBy(Owner.SESSION).size());

        List<FlowKey> half = written.keySet().stream().limit(BULK / 2).toList();
        assertEquals(BULK / 2, rules.removeAll(half));
        assertEquals(BULK / 2, rules.readAll().size());
        assertEquals(BULK / 2, rules.removeAll(written.keySet()), "keys already gone are skipped");
        assertEquals(Map.of(), rules.readAll());
    }

    @Test
    void overfillingASmallMapThroughBatchOpsReportsExactlyWhatLanded() {
        try (Datapath datapath = Datapath.load(pins.path(), SMALL)) {
            overfill(datapath.rules());
        }
    }

    @Test
    void overfillingASmallMapThroughElementFallbackReportsExactlyWhatLanded() {
        try (Datapath datapath = Datapath.load(pins.path(), SMALL);
                BpfMap rules = BpfMap.openPinned(pins.path().resolve(Datapath.RULES_MAP)).withoutBatchOps();
                BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP)).withoutBatchOps();
                BpfMap slots = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_SLOTS_MAP))) {
            RulesMap fallback = new RulesMap(rules, counters, slots);
            overfill(fallback);
            assertEquals(datapath.rules().readAll(), fallback.readAll(), "both views read the same kernel map");
        }
    }

    private static void overfill(RulesMap rules) {
        assertEquals(SMALL, rules.capacity());
        Map<FlowKey, FlowRule> preexisting = rules(100, i -> Owner.CONFIG);
        rules.putAll(preexisting);
        // 1500 new keys on top of 100: the map takes 924 more, then says E2BIG.
        Map<FlowKey, FlowRule> more = new LinkedHashMap<>();
        rules(1600, i -> Owner.SESSION).entrySet().stream().skip(100).forEach(e -> more.put(e.getKey(), e.getValue()));

        BulkWriteException e = assertThrows(BulkWriteException.class, () -> rules.putAll(more));
        assertInstanceOf(BpfException.CapacityExceeded.class, e.getCause(), e.getMessage());
        assertEquals(more.size(), e.total());
        Map<FlowKey, FlowRule> live = rules.readAll();
        assertEquals(SMALL, live.size(), "the map is full");
        assertEquals(live.size() - preexisting.size(), e.landed(), e.getMessage());
        Map<FlowKey, FlowRule> expected = new LinkedHashMap<>(preexisting);
        more.entrySet().stream().limit(e.landed()).forEach(en -> expected.put(en.getKey(), en.getValue()));
        assertEquals(expected, live, "exactly the first landed() rules, in write order, are in the map");
    }

    /**
     * Counter slots: two views of the same pins (two writers, as the applier and the session table are) never
     * hand out one slot twice; a replaced rule keeps its slot and its counters; a removed rule's counters are
     * zeroed and its slot released, so the key added again starts from zero.
     */
    @Test
    void countersLiveAtSlotsThatWritersNeverShare() throws Exception {
        try (Datapath datapath = Datapath.load(pins.path(), SMALL);
                Datapath other = Datapath.openPinned(pins.path());
                BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP))) {
            Map<FlowKey, FlowRule> mine = rules(300, i -> Owner.CONFIG);
            List<FlowKey> keys = List.copyOf(mine.keySet());
            Thread session = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 300; i += 2) {
                    other.rules().put(keys.get(i), mine.get(keys.get(i)));
                }
            });
            for (int i = 1; i < 300; i += 2) {
                datapath.rules().put(keys.get(i), mine.get(keys.get(i)));
            }
            session.join();
            Map<Integer, FlowKey> bySlot = new HashMap<>();
            for (FlowKey k : keys) {
                int slot = datapath.rules().slotOf(k);
                assertTrue(slot > 0 && slot <= SMALL, "slot " + slot);
                assertEquals(null, bySlot.put(slot, k), "slot " + slot + " handed out twice");
            }
            assertEquals(300, datapath.rules().slotsInUse());

            // The datapath's part, played by hand: 5 packets of 100 bytes at the first rule's slot, on CPU 0.
            FlowKey first = keys.getFirst();
            byte[] slotKey = Abi.u32Bytes(datapath.rules().slotOf(first));
            byte[] perCpu = Abi.perCpuCounterBytes(List.of(new FlowCounters(5, 500)), BpfMap.possibleCpus(), counters.slotSize());
            counters.update(slotKey, perCpu, UpdateMode.ANY);
            assertEquals(new FlowCounters(5, 500), datapath.rules().counters(first));
            assertEquals(new FlowCounters(5, 500), datapath.rules().countersAt(datapath.rules().slotOf(first)), "by slot");

            FlowRule moved = new FlowRule(FlowKey.of(9, "10.9.9.9", 1, "10.9.9.8", 2), Owner.SESSION);
            other.rules().put(first, moved);
            assertEquals(new FlowCounters(5, 500), datapath.rules().counters(first), "a replaced rule keeps its counters");
            assertEquals(new FlowCounters(5, 500), datapath.rules().readAllCounters().get(first));
            // the same read into arrays, as `xdprecon top` refreshes: every rule once, its slot's counters
            RuleTable table = new RuleTable();
            SlotCounters bySlotNow = new SlotCounters(datapath.rules().capacity() + 1);
            datapath.rules().readRules(table);
            datapath.rules().readCounters(bySlotNow);
            assertEquals(300, table.size());
            Map<FlowKey, FlowRule> readBack = new HashMap<>();
            for (int i = 0; i < table.size(); i++) {
                readBack.put(table.key(i), table.rule(i));
                assertEquals(table.key(i).ifindex(), table.ifindex(i));
                assertEquals(table.rule(i).rewrite().ifindex(), table.egressIfindex(i));
                assertEquals(table.rule(i).owner().code(), table.ownerCode(i));
                FlowCounters expected = table.key(i).equals(first) ? new FlowCounters(5, 500) : FlowCounters.ZERO;
                assertEquals(expected, new FlowCounters(bySlotNow.packets(table.slot(i)), bySlotNow.bytes(table.slot(i))));
            }
            assertEquals(datapath.rules().readAll(), readBack);

            assertTrue(datapath.rules().remove(first));
            assertTrue(counters.lookup(slotKey, perCpu));
            assertEquals(FlowCounters.ZERO, Abi.sumCounters(perCpu, BpfMap.possibleCpus(), counters.slotSize()),
                    "a removed rule's counters are zeroed");
            assertEquals(299, other.rules().slotsInUse(), "its slot is free");
            other.rules().put(first, moved);
            assertEquals(FlowCounters.ZERO, datapath.rules().counters(first), "the key added again starts from zero");
            assertEquals(300, datapath.rules().removeAll(keys));
            assertEquals(0, datapath.rules().slotsInUse());
        }
    }

    @Test
    void pinnedMapsOfAnotherLayoutAreRefusedByName() throws Exception {
        try (Datapath datapath = Datapath.load(pins.path(), SMALL);
                BpfMap abi = BpfMap.openPinned(pins.path().resolve(Datapath.ABI_MAP))) {
            byte[] zero = Abi.u32Bytes(0);
            byte[] version = new byte[4];
            assertTrue(abi.lookup(zero, version));
            assertArrayEquals(Abi.u32Bytes(Abi.VERSION), version, "stamped when the maps were created");
            abi.update(zero, Abi.u32Bytes(Abi.VERSION + 1), UpdateMode.ANY);
            Datapath.LayoutMismatch refused = assertThrows(Datapath.LayoutMismatch.class, () -> Datapath.openPinned(pins.path()));
            assertEquals(Abi.VERSION + 1, refused.found());
            assertTrue(refused.getMessage().contains(pins.path().toString()), refused.getMessage());
        }
    }

    @Test
    void openPinnedOfAMissingPathNamesIt() {
        Path missing = pins.path().resolve("no_such_map");
        BpfException.NotFound e = assertThrows(BpfException.NotFound.class, () -> BpfMap.openPinned(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        BpfException.NotFound dp = assertThrows(BpfException.NotFound.class, () -> Datapath.openPinned(pins.path()));
        assertTrue(dp.getMessage().contains(pins.path().resolve(Datapath.RULES_MAP).toString()), dp.getMessage());
    }

    @Test
    void loadingTwiceOnOnePinRootAdoptsTheSameMaps() {
        FlowKey key = FlowKey.of(3, "10.1.0.1", 1, "10.1.0.2", 2);
        FlowRule rule = new FlowRule(FlowKey.of(4, "10.1.1.1", 3, "10.1.1.2", 4), Owner.CONFIG);
        try (Datapath first = Datapath.load(pins.path(), SMALL)) {
            assertTrue(Datapath.isPinned(pins.path()));
            first.rules().put(key, rule);
            first.localIps().add(0x0A010064);
            try (Datapath second = Datapath.load(pins.path(), SMALL)) {
                assertEquals(first.rules().rulesMap().id(), second.rules().rulesMap().id(), "same kernel map");
                assertEquals(Optional.of(rule), second.rules().get(key));
                assertEquals(Map.of(0x0A010064, 0L), second.localIps().readAll());
                FlowKey other = FlowKey.of(3, "10.1.0.1", 5, "10.1.0.2", 6);
                second.rules().put(other, rule);
                assertEquals(Optional.of(rule), first.rules().get(other), "writes through the second are seen by the first");
            }
            // A pinned map of another shape is never silently adopted.
            BpfException mismatch = assertThrows(BpfException.class, () -> Datapath.load(pins.path(), 2 * SMALL));
            assertTrue(mismatch.getMessage().contains("load BPF object"), mismatch.getMessage());
            assertEquals(Optional.of(rule), first.rules().get(key), "the failed load left the pinned map alone");
        }
        // Maps outlive the objects while pinned: a third process adopts them too.
        try (Datapath reopened = Datapath.openPinned(pins.path())) {
            assertEquals(2, reopened.rules().readAll().size());
        }
        Datapath.unpin(pins.path());
        assertFalse(Datapath.isPinned(pins.path()));
    }

    /** {@code n} distinct rules in a stable order; every field varies so a codec slip shows. */
    private static Map<FlowKey, FlowRule> rules(int n, Function<Integer, Owner> owner) {
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            FlowKey key = new FlowKey(2 + i % 5, 0x0A000000 | i, 0xC0A80000 | (i * 7 & 0xffff), 1024 + i % 60000, 53 + i % 11);
            FlowKey target = new FlowKey(3 + i % 7, 0xAC100000 | (i & 0xfffff), 0x0B000000 | (i * 13), (i * 31) & 0xffff,
                    0xffff - (i % 1000));
            rules.put(key, new FlowRule(target, owner.apply(i)));
        }
        return rules;
    }
}
