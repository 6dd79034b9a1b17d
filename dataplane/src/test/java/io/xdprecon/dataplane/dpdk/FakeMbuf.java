package io.xdprecon.dataplane.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Hand-built mbufs laid out as 22.11's {@code struct rte_mbuf}, for tests without EAL. */
final class FakeMbuf {
    private FakeMbuf() {
    }

    /** A single-segment mbuf with a 128-byte headroom in a 2176-byte buffer and {@code data} as its data. */
    static MemorySegment of(Arena arena, byte[] data) {
        MemorySegment mbuf = arena.allocate(Mbuf.SIZE, 64);
        MemorySegment buffer = arena.allocate(2176, 64);
        mbuf.set(ValueLayout.JAVA_LONG, Mbuf.BUF_ADDR, buffer.address());
        mbuf.set(ValueLayout.JAVA_SHORT, Mbuf.DATA_OFF, (short) 128);
        mbuf.set(ValueLayout.JAVA_SHORT, Mbuf.NB_SEGS, (short) 1);
        mbuf.set(ValueLayout.JAVA_SHORT, Mbuf.PORT, (short) 3);
        mbuf.set(ValueLayout.JAVA_INT, Mbuf.PKT_LEN, data.length);
        mbuf.set(ValueLayout.JAVA_SHORT, Mbuf.DATA_LEN, (short) data.length);
        mbuf.set(ValueLayout.JAVA_SHORT, Mbuf.BUF_LEN, (short) 2176);
        MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 128, data.length);
        return mbuf;
    }

    /** The mbuf's data as bytes. */
    static byte[] data(Mbuf mbuf) {
        byte[] out = new byte[mbuf.dataLength()];
        mbuf.copyTo(0, out, 0, out.length);
        return out;
    }
}
