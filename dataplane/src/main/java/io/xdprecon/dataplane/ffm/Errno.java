package io.xdprecon.dataplane.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux errno values the dataplane reacts to, and how any errno reads: its name and text come from libc
 * ({@code strerrorname_np}, {@code strerror}), the one table there is — no list of names is kept here.
 * {@link BpfException#of} turns the values callers branch on into types.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
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
    /** glibc ≥ 2.32: the errno's symbolic name, NULL for an unknown value. */
    private static final MethodHandle STRERRORNAME =
            Native.libc("strerrorname_np", FunctionDescriptor.of(Native.POINTER, Native.C_INT));

    private Errno() {}

    /** libc's text for {@code errno}, e.g. {@code No such file or directory}. */
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

    /** The symbolic name of {@code errno}, e.g. {@code ENOENT}; {@code errno N} for a value libc does not name. */
    public static String name(int errno) {
        if (errno == ENOTSUPP) {
            return "ENOTSUPP";
        }
        try {
            MemorySegment name = (MemorySegment) STRERRORNAME.invokeExact(errno);
            return name.equals(MemorySegment.NULL) ? "errno " + errno : name.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** How an error message names {@code errno}: text, name and number, e.g. {@code No such file or directory (ENOENT, errno 2)}. */
    public static String explain(int errno) {
        String name = name(errno);
        return describe(errno) + (name.startsWith("errno ") ? " (" : " (" + name + ", ") + "errno " + errno + ")";
    }
}
