package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * tc BPF filters on a device's {@code clsact} qdisc through libbpf's netlink calls
 * ({@code bpf_tc_hook_create}, {@code bpf_tc_attach}, {@code bpf_tc_detach}, {@code bpf_tc_query}), in
 * direct-action mode. A filter holds its program in the kernel: it outlives the process that attached
 * it, until someone detaches it or the device goes. Like {@link Xdp}, the calls act on the network
 * namespace of the calling thread.
 *
 * <pre>
 * struct bpf_tc_hook (24 bytes)          struct bpf_tc_opts (32 bytes)
 *   0 size_t sz                            0 size_t sz
 *   8 int ifindex                          8 int prog_fd
 *  12 enum attach_point                   12 __u32 flags      (BPF_TC_F_REPLACE = 1)
 *  16 __u32 parent                        16 __u32 prog_id    (filled by attach and query)
 *                                         20 __u32 handle
 *                                         24 __u32 priority
 * </pre>
 */
public final class Tc {
    private static final long HOOK_SIZE = 24;
    private static final long OPTS_SIZE = 32;
    private static final int F_REPLACE = 1;

    private Tc() {}

    /** Which side of the {@code clsact} qdisc ({@code enum bpf_tc_attach_point}). */
    public enum Direction {
        INGRESS(1), EGRESS(2);

        final int attachPoint;

        Direction(int attachPoint) {
            this.attachPoint = attachPoint;
        }
    }

    /** Where one filter sits: device, direction, and the handle and priority that name it (both &gt; 0). */
    public record Filter(int ifindex, Direction direction, int handle, int priority) {
        public Filter {
            if (ifindex <= 0 || handle <= 0 || priority <= 0 || priority > 0xffff) {
                throw new IllegalArgumentException("tc filter needs ifindex, handle > 0 and priority 1..65535: ifindex "
                        + ifindex + " handle " + handle + " priority " + priority);
            }
        }

        @Override
        public String toString() {
            return "tc " + direction.name().toLowerCase(java.util.Locale.ROOT) + " filter handle " + handle + " prio "
                    + priority + " on ifindex " + ifindex;
        }
    }

    /** A filter and the program it runs. */
    public record Attachment(Filter filter, int programId) {}

    /**
     * Adds the {@code clsact} qdisc the filter hooks need; returns false when the device had one
     * already (it is shared with whatever else filters there, and never removed here).
     */
    public static boolean ensureClsact(int ifindex, Direction direction) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment hook = hook(scratch, ifindex, direction);
            int rc = BpfMap.call(() -> (int) Libbpf.TC_HOOK_CREATE.invokeExact(hook));
            if (rc == -Errno.EEXIST) {
                return false;
            }
            BpfException.check(rc, "add clsact qdisc to", "ifindex " + ifindex);
            return true;
        }
    }

    /**
     * Attaches {@code program} as {@code filter} (adding the {@code clsact} qdisc when missing); fails
     * with {@link BpfException.AlreadyExists} when that filter exists, unless {@code replace}, which
     * swaps its program in one step.
     */
    public static Attachment attach(Filter filter, BpfProgram program, boolean replace) {
        ensureClsact(filter.ifindex(), filter.direction());
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment hook = hook(scratch, filter.ifindex(), filter.direction());
            MemorySegment opts = opts(scratch, filter);
            opts.set(ValueLayout.JAVA_INT, 8, program.fd());
            opts.set(ValueLayout.JAVA_INT, 12, replace ? F_REPLACE : 0);
            int rc = BpfMap.call(() -> (int) Libbpf.TC_ATTACH.invokeExact(hook, opts));
            BpfException.check(rc, "attach program " + program.name() + " as", filter.toString());
            return new Attachment(filter, opts.get(ValueLayout.JAVA_INT, 16));
        }
    }

    /** Removes {@code filter}; {@link BpfException.NotFound} when there is none. */
    public static void detach(Filter filter) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment hook = hook(scratch, filter.ifindex(), filter.direction());
            MemorySegment opts = opts(scratch, filter);
            int rc = BpfMap.call(() -> (int) Libbpf.TC_DETACH.invokeExact(hook, opts));
            BpfException.check(rc, "detach", filter.toString());
        }
    }

    /** The program {@code filter} runs; empty when there is no such filter (or no {@code clsact} qdisc). */
    public static Optional<Attachment> query(Filter filter) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment hook = hook(scratch, filter.ifindex(), filter.direction());
            MemorySegment opts = opts(scratch, filter);
            int rc = BpfMap.call(() -> (int) Libbpf.TC_QUERY.invokeExact(hook, opts));
            // libbpf answers ENOENT for a missing filter, EINVAL when the device has no clsact qdisc.
            if (rc == -Errno.ENOENT || rc == -Errno.EINVAL) {
                return Optional.empty();
            }
            BpfException.check(rc, "query", filter.toString());
            return Optional.of(new Attachment(filter, opts.get(ValueLayout.JAVA_INT, 16)));
        }
    }

    private static MemorySegment hook(Arena scratch, int ifindex, Direction direction) {
        MemorySegment hook = scratch.allocate(HOOK_SIZE, 8);
        hook.set(ValueLayout.JAVA_LONG, 0, HOOK_SIZE);
        hook.set(ValueLayout.JAVA_INT, 8, ifindex);
        hook.set(ValueLayout.JAVA_INT, 12, direction.attachPoint);
        return hook;
    }

    private static MemorySegment opts(Arena scratch, Filter filter) {
        MemorySegment opts = scratch.allocate(OPTS_SIZE, 8);
        opts.set(ValueLayout.JAVA_LONG, 0, OPTS_SIZE);
        opts.set(ValueLayout.JAVA_INT, 20, filter.handle());
        opts.set(ValueLayout.JAVA_INT, 24, filter.priority());
        return opts;
    }
}
