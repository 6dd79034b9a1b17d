package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Waiting for the runs of a replaced BPF program to end. XDP and tc programs run inside RCU read-side
 * sections (a NAPI poll, softirq), and replacing one (XDP REPLACE, tc replace) only swaps a pointer: runs that
 * started before the swap may still be going on other CPUs. {@link #synchronize()} returns once a grace period
 * has passed, that is once every such run has finished: {@code membarrier(MEMBARRIER_CMD_GLOBAL)}, which the
 * kernel implements with {@code synchronize_rcu()}.
 */
public final class Rcu {
    private static final long SYS_MEMBARRIER = 324; // x86-64
    private static final int MEMBARRIER_CMD_GLOBAL = 1;
    private static final MethodHandle SYSCALL = Native.libcVariadic("syscall",
            FunctionDescriptor.of(Native.C_LONG, Native.C_LONG, Native.C_INT, Native.C_INT, Native.C_INT), 1);

    private Rcu() {}

    /**
     * Waits for an RCU grace period; false when the kernel cannot (a {@code nohz_full} kernel refuses the global
     * membarrier): the caller must then await the effect it needs another way.
     */
    public static boolean synchronize() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment state = Native.callState(scratch);
            long rc = (long) SYSCALL.invokeExact(state, SYS_MEMBARRIER, MEMBARRIER_CMD_GLOBAL, 0, 0);
            return rc == 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
