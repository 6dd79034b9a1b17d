package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Who holds which counter slot of {@code xdp_flow_ctrs}: the bitmap {@code xdp_flow_slots}, pinned beside the
 * rules and mapped into this process, bit {@code s} of word {@code s / 64} set while slot {@code s} belongs to a
 * rule. Bits are claimed and released with compare-and-swap on the shared mapping, so every writer (the applier,
 * the DPDK session table, a CLI {@code apply} in another process) can hand out slots and none shares one; the
 * state lives in the kernel's map, so a restarted process adopts it as it adopts the rules.
 *
 * <pre>
 * word 0: bit 0 = slot 0 (never handed out: a rule without a slot counts there), bit 1 = slot 1, ...
 * word w: slots 64w .. 64w+63; slots past the last one (the map's tail) are never handed out
 * </pre>
 *
 * Slots are handed out next-fit from a cursor that only moves forward, so a slot just released is reused only
 * after the cursor has gone round: a packet that found the old rule an instant before its removal lands in the
 * old slot's counters long before anyone else owns it. A process that dies between claiming a slot and writing
 * its rule leaks the slot (capacity, never exactness). One instance per thread; instances may share a map.
 */
public final class FlowSlots {
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment words;
    private final int slots;
    private int cursor = 1;

    /** {@code slots}: slot 0 and one per rule, as many as {@code xdp_flow_ctrs} has entries. */
    public FlowSlots(BpfMap bitmap, int slots, Arena arena) {
        if ((long) bitmap.maxEntries() * 64 < slots || bitmap.valueSize() != 8) {
            throw new IllegalArgumentException(bitmap + " cannot hold " + slots + " slot bits");
        }
        this.words = bitmap.mmap(arena);
        this.slots = slots;
        claim(0); // slot 0 is nobody's; setting it again is harmless
    }

    /** Slots including slot 0. */
    public int size() {
        return slots;
    }

    /** Claims a free slot and returns it; {@link BpfException.CapacityExceeded} when every slot is taken. */
    public int allocate() {
        int wordsInUse = (slots + 63) / 64;
        int start = cursor / 64;
        for (int n = 0; n <= wordsInUse; n++) {
            int w = (start + n) % wordsInUse;
            long offset = (long) w * 8;
            while (true) {
                long word = (long) WORD.getVolatile(words, offset);
                long free = ~word & validBits(w);
                if (free == 0) {
                    break;
                }
                int bit = Long.numberOfTrailingZeros(free);
                if (WORD.compareAndSet(words, offset, word, word | (1L << bit))) {
                    int slot = w * 64 + bit;
                    cursor = slot + 1 < slots ? slot + 1 : 1;
                    return slot;
                }
            }
        }
        throw BpfException.of("allocate a counter slot in", "xdp_flow_slots (" + (slots - 1) + " slots)", Errno.E2BIG);
    }

    /** Releases {@code slot}; the caller has zeroed its counters and no rule names it any more. */
    public void release(int slot) {
        if (slot <= 0 || slot >= slots) {
            return; // slot 0, or none: nothing was claimed
        }
        long offset = (long) (slot / 64) * 8;
        long bit = 1L << (slot % 64);
        while (true) {
            long word = (long) WORD.getVolatile(words, offset);
            if ((word & bit) == 0 || WORD.compareAndSet(words, offset, word, word & ~bit)) {
                return;
            }
        }
    }

    /** True while {@code slot} is claimed. */
    public boolean inUse(int slot) {
        long word = (long) WORD.getVolatile(words, (long) (slot / 64) * 8);
        return (word & (1L << (slot % 64))) != 0;
    }

    /** Slots claimed, slot 0 not counted. */
    public int used() {
        int used = 0;
        for (int w = 0, n = (slots + 63) / 64; w < n; w++) {
            used += Long.bitCount((long) WORD.getVolatile(words, (long) w * 8) & validBits(w));
        }
        return used - 1;
    }

    private void claim(int slot) {
        long offset = (long) (slot / 64) * 8;
        while (true) {
            long word = (long) WORD.getVolatile(words, offset);
            if ((word & (1L << slot % 64)) != 0 || WORD.compareAndSet(words, offset, word, word | (1L << slot % 64))) {
                return;
            }
        }
    }

    /** The bits of word {@code w} that stand for real slots. */
    private long validBits(int w) {
        int last = slots - w * 64;
        return last >= 64 ? -1L : (1L << last) - 1;
    }
}
