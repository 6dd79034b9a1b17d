package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.tests.upgrade.OtherLayouts;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The typed view of {@code xdp_rules6} on real maps: the IPv4 view's contract for IPv6 keys, with slots from the one
 * bitmap both families share (no slot is ever both an IPv4 and an IPv6 rule's), counters kept by a replacement and
 * zeroed by a removal, ownership respected, and the IPv6 local IPs.
 */
class Rules6MapTest {
    private static final IpAddress.V6 CLIENT = v6("2001:db8:2::10");
    private static final IpAddress.V6 RELAY = v6("2001:db8:a::1");
    private static final IpAddress.V6 SERVER = v6("2001:db8:1::2");
    private static final FlowKey6 KEY = new FlowKey6(3, CLIENT, RELAY, 40000, 3478);
    private static final FlowRule6 RULE = new FlowRule6(new FlowKey6(0, RELAY, SERVER, 50000, 3478), Owner.CONFIG);

    @RegisterExtension
    final PinRootPerTest pins = PinRootPerTest.withDatapath(4096);

    private Rules6Map rules6() {
        return pins.datapath().rules6();
    }

    @Test
    void slotsComeFromTheBitmapBothFamiliesShareAndCountersFollowTheRule() {
        pins.datapath().rules().put(FlowKey.of(3, "10.0.0.1", 1, "10.0.0.2", 2),
                new FlowRule(FlowKey.of(0, "10.0.0.2", 3, "10.0.0.3", 4), Owner.CONFIG));
        rules6().put(KEY, RULE);
        int slot = rules6().slotOf(KEY);
        assertTrue(slot > 0, "a slot");
        assertNotEquals(pins.datapath().rules().slotOf(FlowKey.of(3, "10.0.0.1", 1, "10.0.0.2", 2)), slot, "not the IPv4 rule's");
        assertEquals(2, pins.datapath().rules().slotsInUse(), "one bitmap: both rules hold a slot in it");
        assertEquals(Map.of(KEY, RULE), rules6().readAll());

        try (BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP))) {
            OtherLayouts.setCounters(counters, slot, new FlowCounters(7, 700));
        }
        assertEquals(new FlowCounters(7, 700), rules6().counters(KEY));
        assertEquals(new FlowCounters(7, 700), rules6().countersAt(slot), "read by the slot alone");
        FlowRule6 moved = new FlowRule6(new FlowKey6(0, RELAY, SERVER, 50001, 3478), Owner.CONFIG);
        rules6().put(KEY, moved);
        assertEquals(slot, rules6().slotOf(KEY), "a replacement keeps its slot");
        assertEquals(new FlowCounters(7, 700), rules6().counters(KEY), "and its counters");
        assertEquals(Map.of(KEY, new FlowCounters(7, 700)), rules6().readAllCounters());

        assertTrue(rules6().remove(KEY));
        assertFalse(rules6().remove(KEY));
        assertEquals(1, pins.datapath().rules().slotsInUse(), "the slot is released");
        try (BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP))) {
            byte[] value = new byte[counters.valueSize()];
            counters.lookup(Abi.u32Bytes(slot), value);
            assertEquals(FlowCounters.ZERO, Abi.sumCounters(value, BpfMap.possibleCpus(), counters.slotSize()), "zeroed");
        }
    }

    @Test
    void aSessionNeitherOverwritesNorRemovesTheConfigsRule() {
        rules6().put(KEY, RULE);
        FlowRule6 session = new FlowRule6(new FlowKey6(0, RELAY, SERVER, 60000, 3478), Owner.SESSION);
        assertFalse(rules6().putUnlessOwnedByOther(KEY, session));
        assertFalse(rules6().removeIfOwnedBy(KEY, Owner.SESSION));
        assertEquals(RULE, rules6().get(KEY).orElseThrow());
        FlowKey6 other = new FlowKey6(3, v6("2001:db8:2::11"), RELAY, 40000, 3478);
        assertTrue(rules6().putUnlessOwnedByOther(other, session));
        assertTrue(rules6().putUnlessOwnedByOther(other, session), "its own rule it replaces");
        assertEquals(java.util.List.of(other), rules6().keysOwnedBy(Owner.SESSION));
        assertTrue(rules6().removeIfOwnedBy(other, Owner.SESSION));
        assertEquals(Map.of(KEY, RULE), rules6().readAll());
    }

    @Test
    void localIpv6AddressesAreKeptWithTheirCounters() {
        assertTrue(pins.datapath().localIps6().add(RELAY));
        assertFalse(pins.datapath().localIps6().add(RELAY), "already there");
        try (BpfMap map = BpfMap.openPinned(pins.path().resolve(Datapath.LOCAL_IPS6_MAP))) {
            byte[] key = new byte[Abi.IP6_SIZE];
            byte[] value = new byte[map.valueSize()];
            assertTrue(map.lookup(rawAddress(RELAY, key), value), "keyed by the 16 bytes in network order");
            value[0] = 5; // the counter, host order (little-endian here)
            map.update(key, value, UpdateMode.ANY);
        }
        assertEquals(Map.of(RELAY, 5L), pins.datapath().localIps6().readAll());
        assertTrue(pins.datapath().localIps6().remove(RELAY));
        assertEquals(Map.of(), pins.datapath().localIps6().readAll());
    }

    private static byte[] rawAddress(IpAddress.V6 ip, byte[] into) {
        for (int i = 0; i < 8; i++) {
            into[i] = (byte) (ip.high() >>> (56 - 8 * i));
            into[8 + i] = (byte) (ip.low() >>> (56 - 8 * i));
        }
        return into;
    }

    private static IpAddress.V6 v6(String text) {
        long[] bits = Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }
}
