package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * Attaching XDP programs to devices through libbpf's netlink calls. They act on the network
 * namespace of the calling thread: call them inside {@code NetNs} for a device in another namespace.
 */
public final class Xdp {
    private static final int FLAGS_UPDATE_IF_NOEXIST = 1;
    private static final int FLAGS_REPLACE = 1 << 4;
    private static final long ATTACH_OPTS_SIZE = 16; // struct bpf_xdp_attach_opts
    private static final long QUERY_OPTS_SIZE = 32;  // struct bpf_xdp_query_opts

    private Xdp() {}

    /** What is attached to a device. */
    public record Attachment(int ifindex, int programId, XdpMode mode) {}

    /** Attaches {@code program}; fails with {@link BpfException.Busy}/{@code AlreadyExists} if one is there. */
    public static void attach(int ifindex, BpfProgram program, XdpMode mode) {
        int flags = FLAGS_UPDATE_IF_NOEXIST | mode.flag;
        int rc = BpfMap.call(() -> (int) Libbpf.XDP_ATTACH.invokeExact(ifindex, program.fd(), flags, MemorySegment.NULL));
        BpfException.check(rc, "attach XDP program " + program.name() + " to", "ifindex " + ifindex);
    }

    /**
     * Atomically swaps the attached program for {@code program}: the kernel replaces it in one step,
     * so no packet meets a device without a program. Fails (changing nothing) when the program
     * attached is not {@code expectedProgramId} any more.
     */
    public static void replace(int ifindex, int expectedProgramId, BpfProgram program, XdpMode mode) {
        int oldFd = BpfMap.call(() -> (int) Libbpf.PROG_GET_FD_BY_ID.invokeExact(expectedProgramId));
        BpfException.check(oldFd, "open attached program", "id " + expectedProgramId);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment opts = scratch.allocate(ATTACH_OPTS_SIZE, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, ATTACH_OPTS_SIZE);
            opts.set(ValueLayout.JAVA_INT, 8, oldFd);
            int flags = FLAGS_REPLACE | mode.flag;
            int rc = BpfMap.call(() -> (int) Libbpf.XDP_ATTACH.invokeExact(ifindex, program.fd(), flags, opts));
            BpfException.check(rc, "replace XDP program id " + expectedProgramId + " with " + program.name() + " on",
                    "ifindex " + ifindex);
        } finally {
            Libbpf.closeFd(oldFd);
        }
    }

    /** Detaches whatever program is attached in {@code mode}; a device without one is left as it is. */
    public static void detach(int ifindex, XdpMode mode) {
        int rc = BpfMap.call(() -> (int) Libbpf.XDP_DETACH.invokeExact(ifindex, mode.flag, MemorySegment.NULL));
        BpfException.check(rc, "detach XDP program from", "ifindex " + ifindex);
    }

    public static Optional<Attachment> query(int ifindex) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment opts = scratch.allocate(QUERY_OPTS_SIZE, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, QUERY_OPTS_SIZE);
            int rc = BpfMap.call(() -> (int) Libbpf.XDP_QUERY.invokeExact(ifindex, 0, opts));
            BpfException.check(rc, "query XDP program of", "ifindex " + ifindex);
            int mode = opts.get(ValueLayout.JAVA_BYTE, 24);
            int progId = 0;
            // prog_id, then drv/hw/skb ids: a device in MULTI mode reports only the per-mode ones.
            for (long offset = 8; offset <= 20 && progId == 0; offset += 4) {
                progId = opts.get(ValueLayout.JAVA_INT, offset);
            }
            if (progId == 0) {
                return Optional.empty();
            }
            return Optional.of(new Attachment(ifindex, progId, XdpMode.ofAttached(mode)));
        }
    }
}
