package io.xdprecon.dataplane.maps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class AbiCodecTest {

    @Test
    void keyIsWrittenWithAddressesAndPortsInNetworkOrder() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(Abi.FLOW_KEY);
            FlowKey key = FlowKey.of(7, "10.0.1.50", 20000, "10.0.0.100", 30000);
            Abi.writeKey(segment, 0, key);
            byte[] bytes = segment.toArray(ValueLayout.JAVA_BYTE);
            byte[] ifindex = new byte[4];
            MemorySegment.ofArray(ifindex).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder()), 0, 7);
            byte[] expected = {ifindex[0], ifindex[1], ifindex[2], ifindex[3],
                10, 0, 1, 50, 10, 0, 0, 100, (byte) 0x4e, 0x20, 0x75, 0x30};
            assertArrayEquals(expected, bytes);
            assertArrayEquals(expected, Abi.keyBytes(key), "the bytes bpftool takes as key hex");
            assertEquals(key, Abi.readKey(segment, 0));
        }
    }

    @Test
    void perCpuCounterBytesPutEachCpusCountsInItsSlotAndSumBack() {
        byte[] value = Abi.perCpuCounterBytes(List.of(new FlowCounters(5, 500), new FlowCounters(7, 700)), 3, 16);
        assertEquals(48, value.length);
        ByteBuffer host = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        assertEquals(5, host.getLong(0));
        assertEquals(700, host.getLong(24));
        assertEquals(0, host.getLong(32), "the CPUs past the list count nothing");
        assertEquals(new FlowCounters(12, 1200), Abi.sumCounters(value, 3, 16));
        assertThrows(IllegalArgumentException.class,
                () -> Abi.perCpuCounterBytes(List.of(FlowCounters.ZERO, FlowCounters.ZERO), 1, 16));
        assertEquals(0x01020304, ByteBuffer.wrap(Abi.u32Bytes(0x01020304)).order(ByteOrder.nativeOrder()).getInt());
    }

    @Test
    void ruleRoundTripsAtAnUnalignedOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(3 + Abi.FLOW_RULE_SIZE);
            FlowRule rule = new FlowRule(FlowKey.of(4, "10.0.2.1", 40000, "10.0.2.2", 50000), Owner.SESSION);
            Abi.writeRule(segment, 3, rule, 77);
            assertEquals(rule, Abi.readRule(segment, 3));
            assertEquals(77, Abi.readSlot(segment, 3));
            assertArrayEquals(segment.asSlice(3, Abi.FLOW_RULE_SIZE).toArray(ValueLayout.JAVA_BYTE), Abi.ruleBytes(rule, 77));
        }
    }

    /** A rule written over a reused page buffer (which held another rule's cache) has an empty next-hop cache. */
    @Test
    void aWrittenRuleCarriesAnEmptyNextHopCache() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(Abi.FLOW_RULE_SIZE).fill((byte) 0x5A);
            Abi.writeRule(segment, 0, new FlowRule(FlowKey.of(4, "10.0.2.1", 40000, "10.0.2.2", 50000), Owner.CONFIG), 9);
            byte[] hop = segment.asSlice(Abi.RULE_CONTROL_SIZE).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(new byte[(int) Abi.NEXT_HOP.byteSize()], hop);
            assertEquals(NextHop.EMPTY, Abi.readNextHop(segment.toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(24, Abi.RULE_CONTROL_SIZE);
            assertEquals(Abi.RULE_CONTROL_SIZE + Abi.NEXT_HOP.byteSize(), Abi.FLOW_RULE_SIZE);
        }
    }

    /** Issue 10 case 3: a code this build does not know (0 from an all-zero value, 7) reads as UNKNOWN, keeping it. */
    @Test
    void anUnknownOwnerCodeIsReadKeepingTheCodeAndNeverWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(Abi.FLOW_RULE);
            FlowKey rewrite = FlowKey.of(4, "10.0.2.1", 40000, "10.0.2.2", 50000);
            Abi.writeRule(segment, 0, new FlowRule(rewrite, Owner.CONFIG), 5);
            for (int code : new int[] {0, 7, -1}) {
                segment.set(ValueLayout.JAVA_INT_UNALIGNED, Abi.FLOW_KEY_SIZE, code);
                FlowRule read = Abi.readRule(segment, 0);
                assertEquals(new FlowRule(rewrite, Owner.UNKNOWN, code), read);
                assertEquals("unknown owner code " + Integer.toUnsignedString(code), read.ownerName());
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> Abi.writeRule(segment, 0, read, 5));
                assertEquals("a rule of " + read.ownerName() + " is never written", refused.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> new FlowRule(rewrite, Owner.CONFIG, 2));
        }
    }

    @Test
    void portsAndAddressesCoverTheFullUnsignedRange() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(Abi.FLOW_KEY);
            FlowKey key = new FlowKey(1, Ipv4.parse("255.255.255.255"), Ipv4.parse("128.0.0.1"), 65535, 0);
            Abi.writeKey(segment, 0, key);
            assertEquals(key, Abi.readKey(segment, 0));
        }
    }

    @Test
    void badAddressesAndPortsAreRefusedWithTheValue() {
        IllegalArgumentException octet = assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("10.0.0.256"));
        assertEquals("not an IPv4 address: '10.0.0.256' (octet 256 > 255)", octet.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("10.0.0"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.parse("10.0.0.-1"));
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> new FlowKey(1, 0, 0, 70000, 1));
        assertEquals("source port out of range 0..65535: 70000", port.getMessage());
        assertEquals("10.0.1.50", Ipv4.format(Ipv4.parse("10.0.1.50")));
    }
}
