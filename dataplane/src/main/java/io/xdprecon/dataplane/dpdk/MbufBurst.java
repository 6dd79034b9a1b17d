package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A reusable {@code struct rte_mbuf *[capacity]} for RX and TX bursts, allocated once (native memory of its own,
 * freed with the burst by the garbage collector): a burst fills it and sets {@link #count()}; nothing is
 * allocated per packet. The mbufs in it are owned by the caller until transmitted or {@link #freeAll() freed}.
 */
public final class MbufBurst {
    private static final MethodHandle FREE_BULK = Native.dpdk("rte_pktmbuf_free_bulk",
            FunctionDescriptor.ofVoid(Rte.PTR_AS_LONG, ValueLayout.JAVA_INT));

    private final MemorySegment pointers;
    private final long base;
    private final int capacity;
    private int count;

    public MbufBurst(int capacity) {
        if (capacity <= 0 || capacity > 0xFFFF) {
            throw new IllegalArgumentException("burst capacity " + capacity + " outside 1..65535");
        }
        this.pointers = Arena.ofAuto().allocate(ValueLayout.ADDRESS, capacity);
        this.base = pointers.address();
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    public int count() {
        return count;
    }

    void count(int count) {
        this.count = count;
    }

    long base() {
        return base;
    }

    /** The address of mbuf {@code i} ({@code 0 <= i < count}). */
    public long address(int i) {
        return pointers.getAtIndex(ValueLayout.JAVA_LONG, java.util.Objects.checkIndex(i, count));
    }

    /** Points {@code flyweight} at mbuf {@code i}; returns it. */
    public Mbuf mbuf(int i, Mbuf flyweight) {
        return flyweight.wrap(address(i));
    }

    /** Appends an mbuf (for TX); the burst owns it until sent or freed. */
    public void add(long mbuf) {
        if (count == capacity) {
            throw new IllegalStateException("burst full (" + capacity + ")");
        }
        pointers.setAtIndex(ValueLayout.JAVA_LONG, count++, mbuf);
    }

    /**
     * Removes mbuf {@code i} from the burst without freeing it, the later ones moving up one place so the burst
     * keeps its order (a flow's packets must leave in the order they came); returns its address.
     */
    public long take(int i) {
        long mbuf = address(i);
        int later = count - 1 - i;
        if (later > 0) {
            MemorySegment.copy(pointers, (long) (i + 1) * 8, pointers, (long) i * 8, (long) later * 8);
        }
        count--;
        return mbuf;
    }

    /** Returns every mbuf of the burst to its pool ({@code rte_pktmbuf_free_bulk}) and empties it. */
    public void freeAll() {
        freeFrom(0);
    }

    /** Frees mbufs {@code from..count-1} and keeps the first {@code from}. */
    void freeFrom(int from) {
        if (count > from) {
            try {
                FREE_BULK.invokeExact(base + (long) from * ValueLayout.ADDRESS.byteSize(), count - from);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        }
        count = Math.min(count, from);
    }

    /** After a TX burst sent the first {@code sent}: moves the unsent ones to the front. */
    void dropFirst(int sent) {
        int left = count - sent;
        if (sent > 0 && left > 0) {
            MemorySegment.copy(pointers, (long) sent * 8, pointers, 0, (long) left * 8);
        }
        count = left;
    }
}
