package io.xdprecon.dataplane.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The {@link Mbuf} flyweight and {@link MbufBurst} over hand-built mbufs laid out as 22.11's {@code struct rte_mbuf}. */
class MbufTest {
    @Test
    void readsAndWritesThePacketDataInNetworkOrder() {
        try (Arena arena = Arena.ofConfined()) {
            byte[] data = {0x08, 0x00, 0x45, 0x00, 0x12, 0x34, 0x56, 0x78};
            MemorySegment raw = FakeMbuf.of(arena, data);
            Mbuf mbuf = new Mbuf().wrap(raw.address());
            assertEquals(8, mbuf.dataLength());
            assertEquals(8, mbuf.packetLength());
            assertEquals(128, mbuf.dataOffset());
            assertEquals(2048, mbuf.capacity());
            assertEquals(3, mbuf.port());
            assertEquals(raw.get(ValueLayout.JAVA_LONG, 0) + 128, mbuf.dataAddress());
            assertEquals(0x0800, mbuf.getU16(0));
            assertEquals(0x45, mbuf.getByte(2));
            assertEquals(0x12345678, mbuf.getInt(4));
            mbuf.setU16(0, 0x86dd);
            mbuf.setInt(4, 0xcafebabe);
            byte[] copy = new byte[8];
            mbuf.copyTo(0, copy, 0, 8);
            assertArrayEquals(new byte[] {(byte) 0x86, (byte) 0xdd, 0x45, 0x00, (byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe}, copy);
        }
    }

    @Test
    void lengthsAndBoundsAreChecked() {
        try (Arena arena = Arena.ofConfined()) {
            Mbuf mbuf = new Mbuf().wrap(FakeMbuf.of(arena, new byte[60]).address());
            assertThrows(IndexOutOfBoundsException.class, () -> mbuf.getByte(60));
            assertThrows(IndexOutOfBoundsException.class, () -> mbuf.getInt(58));
            assertThrows(IndexOutOfBoundsException.class, () -> mbuf.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> mbuf.setByte(2048, 0));
            mbuf.copyFrom(new byte[] {1, 2, 3}, 0, 60, 3); // within capacity, beyond the data
            mbuf.setLength(63);
            assertEquals(63, mbuf.dataLength());
            assertEquals(63, mbuf.packetLength());
            assertEquals(3, mbuf.getByte(62));
            assertThrows(IndexOutOfBoundsException.class, () -> mbuf.setLength(2049));
            assertThrows(IllegalArgumentException.class, () -> mbuf.wrap(0));
        }
    }

    @Test
    void aBurstAddsTakesAndCompactsWithoutFreeing() {
        MbufBurst burst = new MbufBurst(4);
        burst.add(0x1000);
        burst.add(0x2000);
        burst.add(0x3000);
        assertEquals(0x1000, burst.take(0));
        assertEquals(2, burst.count());
        assertEquals(0x2000, burst.address(0), "the rest keep their order");
        assertEquals(0x3000, burst.address(1));
        burst.dropFirst(1);
        assertEquals(1, burst.count());
        assertEquals(0x3000, burst.address(0));
        assertThrows(IndexOutOfBoundsException.class, () -> burst.address(1));
        burst.add(0x4000);
        burst.add(0x5000);
        burst.add(0x6000);
        assertThrows(IllegalStateException.class, () -> burst.add(0x7000));
        burst.dropFirst(4);
        assertEquals(0, burst.count());
        burst.freeAll(); // empty: no native call
        assertThrows(IllegalArgumentException.class, () -> new MbufBurst(0));
    }
}
