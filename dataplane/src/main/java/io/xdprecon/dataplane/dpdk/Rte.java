package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The DPDK 22.11 bindings, all through {@link Native#dpdk}. Pointer arguments on the burst path are
 * bound as {@code long} (a C pointer and a 64-bit integer are passed alike on LP64), so a burst builds
 * no {@link MemorySegment} per call.
 */
final class Rte {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong PTR_AS_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout PTR = ValueLayout.ADDRESS;

    /** Every address of the process: the base of the flyweights' absolute accesses. */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    static final MethodHandle VERSION = Native.dpdk("rte_version", FunctionDescriptor.of(PTR));
    static final MethodHandle STRERROR = Native.dpdk("rte_strerror", FunctionDescriptor.of(PTR, INT));

    private Rte() {}

    static String strerror(int errnum) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errnum);
            return text.equals(MemorySegment.NULL) ? "error " + errnum : text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code rte_errno} of the calling thread. It is the thread-local {@code per_lcore__rte_errno} of
     * librte_eal: {@code dlsym} (which {@link Native#dpdkSymbol} calls each time) resolves a TLS symbol to
     * the calling thread's instance, so the address is looked up here, on the thread that made the
     * failing call, and never cached. Only calls that report failure by a NULL or -1 need it; the
     * others return {@code -errno}.
     */
    static int errno() {
        return Native.dpdkSymbol("per_lcore__rte_errno").reinterpret(4).get(ValueLayout.JAVA_INT, 0);
    }

    static String version() {
        try {
            MemorySegment text = (MemorySegment) VERSION.invokeExact();
            return text.reinterpret(128).getString(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
