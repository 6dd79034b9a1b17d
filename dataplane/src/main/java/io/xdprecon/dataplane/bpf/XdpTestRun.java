package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs an XDP program on a frame in the kernel with {@code BPF_PROG_TEST_RUN}, without a network:
 * the verdict, the frame as the program left it, and the average run time for {@code repeat > 1}.
 * Native buffers are allocated once and reused for every run. {@link #ofTc} runs a tc (sched_cls)
 * program the same way, on an skb the kernel builds from the frame: the verdict is then a
 * {@code TC_ACT_*} code.
 *
 * <p>The kernel refuses frames shorter than an Ethernet header (EINVAL). With an ingress ifindex the
 * device must exist in the calling thread's network namespace and, for XDP, have XDP rx-queue info
 * registered (a veth does once an XDP program is attached to it).
 */
public final class XdpTestRun implements AutoCloseable {
    private static final long OPTS_SIZE = 80;   // struct bpf_test_run_opts
    private static final long XDP_MD_SIZE = 24; // struct xdp_md
    /** struct __sk_buff up to ifindex (@40) and the zero tc_index after it: the fields a test run may set. */
    private static final long SKB_CTX_SIZE = 48;

    private final BpfProgram program;
    private final boolean skb;
    private final int maxFrame;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment opts = arena.allocate(OPTS_SIZE, 8);
    private final MemorySegment ctx = arena.allocate(Math.max(XDP_MD_SIZE, SKB_CTX_SIZE), 8);
    private final MemorySegment in;
    private final MemorySegment out;
    private int outLength;
    private long durationNs;

    public XdpTestRun(BpfProgram program, int maxFrame) {
        this(program, maxFrame, false);
    }

    private XdpTestRun(BpfProgram program, int maxFrame, boolean skb) {
        this.program = program;
        this.skb = skb;
        this.maxFrame = maxFrame;
        this.in = arena.allocate(maxFrame, 64);
        this.out = arena.allocate(maxFrame + 256L, 64); // the program may grow the frame
    }

    /** Runs a tc program: the ingress ifindex becomes the skb's device and {@code ingress_ifindex}; no rx queue. */
    public static XdpTestRun ofTc(BpfProgram program, int maxFrame) {
        return new XdpTestRun(program, maxFrame, true);
    }

    /** Runs once on {@code frame}; returns the XDP action code (the {@code TC_ACT_*} code for {@link #ofTc}). */
    public int run(byte[] frame, int ingressIfindex, int rxQueue) {
        return run(frame, frame.length, ingressIfindex, rxQueue, 1);
    }

    /** Runs {@code repeat} times on the first {@code length} bytes; returns the action of the last run. */
    public int run(byte[] frame, int length, int ingressIfindex, int rxQueue, int repeat) {
        if (length > maxFrame) {
            throw new IllegalArgumentException("frame of " + length + " bytes exceeds " + maxFrame);
        }
        MemorySegment.copy(frame, 0, in, ValueLayout.JAVA_BYTE, 0, length);
        opts.fill((byte) 0);
        opts.set(ValueLayout.JAVA_LONG, 0, OPTS_SIZE);
        opts.set(ValueLayout.ADDRESS, 8, in);
        opts.set(ValueLayout.ADDRESS, 16, out);
        opts.set(ValueLayout.JAVA_INT, 24, length);
        opts.set(ValueLayout.JAVA_INT, 28, (int) out.byteSize());
        if (ingressIfindex != 0 && skb) {
            ctx.fill((byte) 0);
            ctx.set(ValueLayout.JAVA_INT, 36, ingressIfindex); // ingress_ifindex
            ctx.set(ValueLayout.JAVA_INT, 40, ingressIfindex); // ifindex: the skb's device
            opts.set(ValueLayout.ADDRESS, 32, ctx);
            opts.set(ValueLayout.JAVA_INT, 48, (int) SKB_CTX_SIZE);
        } else if (ingressIfindex != 0) {
            ctx.fill((byte) 0);
            ctx.set(ValueLayout.JAVA_INT, 4, length);       // data_end: the kernel wants the frame length
            ctx.set(ValueLayout.JAVA_INT, 12, ingressIfindex);
            ctx.set(ValueLayout.JAVA_INT, 16, rxQueue);
            opts.set(ValueLayout.ADDRESS, 32, ctx);
            opts.set(ValueLayout.JAVA_INT, 48, (int) XDP_MD_SIZE);
        }
        opts.set(ValueLayout.JAVA_INT, 60, repeat);
        int rc;
        try {
            rc = (int) Libbpf.PROG_TEST_RUN_OPTS.invokeExact(program.fd(), opts);
        } catch (Throwable t) {
            throw io.xdprecon.dataplane.ffm.Native.rethrow(t);
        }
        BpfException.check(rc, "test-run program", program.name());
        outLength = opts.get(ValueLayout.JAVA_INT, 28);
        durationNs = Integer.toUnsignedLong(opts.get(ValueLayout.JAVA_INT, 64));
        return opts.get(ValueLayout.JAVA_INT, 56);
    }

    /** The frame as the last run left it. */
    public byte[] output() {
        return out.asSlice(0, outLength).toArray(ValueLayout.JAVA_BYTE);
    }

    public int outputLength() {
        return outLength;
    }

    /** Average nanoseconds per repetition of the last run, as the kernel measured it. */
    public long durationNs() {
        return durationNs;
    }

    @Override
    public void close() {
        arena.close();
    }
}
