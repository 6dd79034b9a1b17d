package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.bpf.XdpTestRun;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Adds counts to a live {@code xdp_flow_ctrs} without losing an increment of the datapath counting there:
 * {@code bpf/flow_carry.c}, run with {@code BPF_PROG_TEST_RUN}, adds each one in a single instruction to the
 * copy of the CPU it runs on (see the program for why that is exact and a lookup-then-update is not). Counts
 * are queued with {@link #add} and handed over {@link #PAGE} at a time. Not thread-safe.
 */
final class FlowCarry implements AutoCloseable {
    static final String OBJECT = "flow_carry";
    private static final String PROGRAM = "flow_carry";
    private static final String PAGE_MAP = "carry_page";
    /** {@code CARRY_PAGE} in the program. */
    static final int PAGE = 8192;
    private static final int ENTRY = 24; // struct flow_carry
    private static final int XDP_PASS = 2;

    private final BpfObject object;
    private final BpfMap page;
    private final XdpTestRun run;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment keys = arena.allocate((long) PAGE * 4, 8);
    private final MemorySegment entries = arena.allocate((long) PAGE * ENTRY, 8);
    private final byte[] frame = new byte[64];
    private int queued;
    private long packets;

    /** Loads the program against {@code counters}, the array to add to. */
    FlowCarry(BpfMap counters) {
        object = BpfObject.openBundled(OBJECT, null);
        try {
            object.maxEntries(Datapath.FLOW_COUNTERS_MAP, counters.maxEntries());
            object.reuseMap(Datapath.FLOW_COUNTERS_MAP, counters);
            object.load();
            page = object.map(PAGE_MAP);
            run = new XdpTestRun(object.program(PROGRAM), frame.length);
        } catch (RuntimeException e) {
            object.close();
            arena.close();
            throw e;
        }
        for (int i = 0; i < PAGE; i++) {
            keys.set(ValueLayout.JAVA_INT, (long) i * 4, i);
        }
    }

    /** Queues {@code packets} and {@code bytes} for {@code slot}; added at the next {@link #flush} at the latest. */
    void add(int slot, long packets, long bytes) {
        long at = (long) queued * ENTRY;
        entries.set(ValueLayout.JAVA_INT, at, slot);
        entries.set(ValueLayout.JAVA_LONG, at + 8, packets);
        entries.set(ValueLayout.JAVA_LONG, at + 16, bytes);
        this.packets += packets;
        if (++queued == PAGE) {
            flush();
        }
    }

    /** Adds what is queued. */
    void flush() {
        if (queued == 0) {
            return;
        }
        page.updateBatch(keys, entries, queued, UpdateMode.ANY);
        MemorySegment.ofArray(frame).set(ValueLayout.JAVA_INT_UNALIGNED, 0, queued);
        int action = run.run(frame, 0, 0);
        if (action != XDP_PASS) {
            throw new IllegalStateException(PROGRAM + " refused a page of " + queued + " counts (action " + action + ")");
        }
        queued = 0;
    }

    /** Packets queued so far, added or not. */
    long packets() {
        return packets;
    }

    @Override
    public void close() {
        run.close();
        object.close();
        arena.close();
    }
}
