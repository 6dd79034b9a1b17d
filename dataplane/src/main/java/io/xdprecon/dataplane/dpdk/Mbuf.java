package io.xdprecon.dataplane.dpdk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A flyweight over one {@code struct rte_mbuf} of DPDK 22.11, moved from mbuf to mbuf with
 * {@link #wrap}: no allocation per packet. Offsets verified with {@code offsetof} against the 22.11
 * headers (128-byte struct, two cache lines):
 *
 * <pre>
 *   0 buf_addr   (void *)     start of the buffer; data starts at buf_addr + data_off
 *   8 buf_iova
 *  16 data_off   (u16)        headroom in front of the data (128 by default)
 *  18 refcnt     (u16)
 *  20 nb_segs    (u16)        this flyweight handles single-segment mbufs only
 *  22 port       (u16)        input port
 *  24 ol_flags   (u64)
 *  32 packet_type (u32)
 *  36 pkt_len    (u32)        sum of data_len over the chain
 *  40 data_len   (u16)        bytes in this segment
 *  42 vlan_tci   (u16) ... 54 buf_len (u16), 56 pool, 64 next
 * </pre>
 *
 * Data accessors take offsets from the start of the packet data and check them against
 * {@link #dataLength()} (or {@link #capacity()} for writes), so a bad offset throws instead of
 * touching another packet.
 */
public final class Mbuf {
    public static final int SIZE = 128;
    static final long BUF_ADDR = 0;
    static final long DATA_OFF = 16;
    static final long NB_SEGS = 20;
    static final long PORT = 22;
    static final long PKT_LEN = 36;
    static final long DATA_LEN = 40;
    static final long BUF_LEN = 54;

    private static final MemorySegment ALL = Rte.ALL;
    private static final ValueLayout.OfShort U16_NET = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32_NET = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64_NET = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private long address;

    /** Points this flyweight at the mbuf at {@code address}; returns it. */
    public Mbuf wrap(long address) {
        if (address == 0) {
            throw new IllegalArgumentException("NULL mbuf");
        }
        this.address = address;
        return this;
    }

    public long address() {
        return address;
    }

    /** Address of the first data byte: {@code buf_addr + data_off}. */
    public long dataAddress() {
        return ALL.get(ValueLayout.JAVA_LONG, address + BUF_ADDR) + dataOffset();
    }

    public int dataOffset() {
        return Short.toUnsignedInt(ALL.get(ValueLayout.JAVA_SHORT, address + DATA_OFF));
    }

    public int dataLength() {
        return Short.toUnsignedInt(ALL.get(ValueLayout.JAVA_SHORT, address + DATA_LEN));
    }

    public int packetLength() {
        return ALL.get(ValueLayout.JAVA_INT, address + PKT_LEN);
    }

    public int segments() {
        return Short.toUnsignedInt(ALL.get(ValueLayout.JAVA_SHORT, address + NB_SEGS));
    }

    public int port() {
        return Short.toUnsignedInt(ALL.get(ValueLayout.JAVA_SHORT, address + PORT));
    }

    /** Bytes the data may grow to: {@code buf_len - data_off}. */
    public int capacity() {
        return Short.toUnsignedInt(ALL.get(ValueLayout.JAVA_SHORT, address + BUF_LEN)) - dataOffset();
    }

    /** Sets {@code data_len} and {@code pkt_len} of a single-segment mbuf. */
    public void setLength(int length) {
        if (segments() != 1) {
            throw new IllegalStateException("chained mbufs (" + segments() + " segments) are not supported");
        }
        if (length < 0 || length > capacity()) {
            throw new IndexOutOfBoundsException("length " + length + " outside 0.." + capacity());
        }
        ALL.set(ValueLayout.JAVA_SHORT, address + DATA_LEN, (short) length);
        ALL.set(ValueLayout.JAVA_INT, address + PKT_LEN, length);
    }

    public int getByte(int offset) {
        return Byte.toUnsignedInt(ALL.get(ValueLayout.JAVA_BYTE, read(offset, 1)));
    }

    /** A big-endian (network order) u16. */
    public int getU16(int offset) {
        return Short.toUnsignedInt(ALL.get(U16_NET, read(offset, 2)));
    }

    /** A big-endian (network order) 32-bit value. */
    public int getInt(int offset) {
        return ALL.get(U32_NET, read(offset, 4));
    }

    /** A big-endian (network order) 64-bit value: half of an IPv6 address. */
    public long getLong(int offset) {
        return ALL.get(U64_NET, read(offset, 8));
    }

    public void setLong(int offset, long value) {
        ALL.set(U64_NET, write(offset, 8), value);
    }

    public void setByte(int offset, int value) {
        ALL.set(ValueLayout.JAVA_BYTE, write(offset, 1), (byte) value);
    }

    public void setU16(int offset, int value) {
        ALL.set(U16_NET, write(offset, 2), (short) value);
    }

    public void setInt(int offset, int value) {
        ALL.set(U32_NET, write(offset, 4), value);
    }

    /** Copies {@code length} data bytes from {@code offset} into {@code dst} at {@code dstOffset}. */
    public void copyTo(int offset, byte[] dst, int dstOffset, int length) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_BYTE, read(offset, length), dst, dstOffset, length);
    }

    /** Copies {@code length} bytes of {@code src} into the data at {@code offset} (within {@link #capacity()}). */
    public void copyFrom(byte[] src, int srcOffset, int offset, int length) {
        MemorySegment.copy(src, srcOffset, ALL, ValueLayout.JAVA_BYTE, write(offset, length), length);
    }

    /** Moves {@code length} data bytes from {@code from} to {@code to} (overlap allowed). */
    public void move(int from, int to, int length) {
        MemorySegment.copy(ALL, read(from, length), ALL, write(to, length), length);
    }

    private long read(int offset, int size) {
        if (offset < 0 || size < 0 || offset + size > dataLength()) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + size + " outside data of " + dataLength());
        }
        return dataAddress() + offset;
    }

    private long write(int offset, int size) {
        if (offset < 0 || size < 0 || offset + size > capacity()) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + size + " outside capacity " + capacity());
        }
        return dataAddress() + offset;
    }
}
