package io.xdprecon.dataplane.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place where native symbols are found and bound. Libraries are looked up once; each binding
 * is a {@link MethodHandle} built from a {@link FunctionDescriptor} that mirrors the C prototype.
 *
 * <p>libbpf 1.x returns {@code -errno} from its low-level calls, so most bindings need no errno
 * capture; calls that return a pointer (NULL on failure) or libc calls bind with
 * {@link #withErrno}, whose first argument is a {@link #callState} segment.
 */
public final class Native {
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout POINTER = ValueLayout.ADDRESS;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final SymbolLookup LIBBPF = load("libbpf.so.1", "install libbpf1 (apt-get install libbpf1)");
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private Native() {}

    private static SymbolLookup load(String library, String hint) {
        try {
            return SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError("cannot load " + library + ": " + hint);
        }
    }

    public static MethodHandle libbpf(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(LIBBPF, "libbpf", name), descriptor);
    }

    public static MethodHandle libbpfWithErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(LIBBPF, "libbpf", name), descriptor, CAPTURE_ERRNO);
    }

    /**
     * A binding from libsystemd.so.0 (sd_notify and friends). The library is loaded on first use, so a
     * process that never talks to systemd does not need it.
     */
    public static MethodHandle libsystemd(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(Libsystemd.LOOKUP, "libsystemd", name), descriptor);
    }

    private static final class Libsystemd {
        static final SymbolLookup LOOKUP = load("libsystemd.so.0", "install libsystemd0 (apt-get install libsystemd0)");
    }

    /**
     * A binding from DPDK 22.11's shared libraries (EAL, ethdev, mbuf, mempool), loaded on first use,
     * so a process that never runs the DPDK loop does not need them.
     */
    public static MethodHandle dpdk(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(dpdkSymbol(name), descriptor);
    }

    /**
     * The address of DPDK symbol {@code name} as {@code dlsym} resolves it on the calling thread: for a
     * thread-local variable ({@code per_lcore__rte_errno}) that is the calling thread's instance.
     */
    public static MemorySegment dpdkSymbol(String name) {
        return find(Dpdk.LOOKUP, "DPDK", name);
    }

    /** A binding to a C function pointer read from memory (DPDK's per-port burst functions). */
    public static MethodHandle functionPointer(MemorySegment function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(function, descriptor);
    }

    private static final class Dpdk {
        static final String HINT = "install DPDK 22.11 (apt-get install dpdk libdpdk-dev)";
        static final SymbolLookup LOOKUP = load("librte_eal.so.23", HINT)
                .or(load("librte_ethdev.so.23", HINT))
                .or(load("librte_mbuf.so.23", HINT))
                .or(load("librte_mempool.so.23", HINT));
    }

    public static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(LIBC, "libc", name), descriptor);
    }

    /** A variadic libc function; the arguments from {@code firstVariadic} on are the variadic ones. */
    public static MethodHandle libcVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(find(LIBC, "libc", name), descriptor, Linker.Option.firstVariadicArg(firstVariadic),
                CAPTURE_ERRNO);
    }

    public static MethodHandle libcWithErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(LIBC, "libc", name), descriptor, CAPTURE_ERRNO);
    }

    /** A variadic libc function ({@code ioctl}) with errno capture; {@code fixed} is how many arguments precede the "...". */
    public static MethodHandle libcVariadicWithErrno(String name, FunctionDescriptor descriptor, int fixed) {
        return LINKER.downcallHandle(find(LIBC, "libc", name), descriptor, CAPTURE_ERRNO,
                Linker.Option.firstVariadicArg(fixed));
    }

    private static MemorySegment find(SymbolLookup lookup, String library, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError(library + " has no symbol " + name));
    }

    /** A segment to pass as the first argument of a {@code ...WithErrno} binding. */
    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** Rethrows what a downcall can only throw as {@link Throwable}: nothing checked is expected. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
