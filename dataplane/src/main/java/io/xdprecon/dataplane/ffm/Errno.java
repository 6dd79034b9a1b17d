package io.xdprecon.dataplane.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The Linux errno values the dataplane reacts to, and their text. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EOPNOTSUPP = 95;
    /** Kernel-internal "not supported", which the bpf syscall leaks for some map types. */
    public static final int ENOTSUPP = 524;

    private static final MethodHandle STRERROR =
            Native.libc("strerror", FunctionDescriptor.of(Native.POINTER, Native.C_INT));

    private Errno() {}

    public static String describe(int errno) {
        if (errno == ENOTSUPP) {
            return "Operation not supported by this map or kernel";
        }
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
