package io.xdprecon.dataplane.link;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The libc calls a netlink question takes (socket, send, recv, close), bound once for this package's readers. */
final class NetlinkCalls {
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;

    static final MethodHandle SOCKET = Native.libcWithErrno("socket",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.C_INT, Native.C_INT));
    static final MethodHandle SEND = Native.libcWithErrno("send",
            FunctionDescriptor.of(Native.C_LONG, Native.C_INT, Native.POINTER, Native.C_LONG, Native.C_INT));
    static final MethodHandle RECV = Native.libcWithErrno("recv",
            FunctionDescriptor.of(Native.C_LONG, Native.C_INT, Native.POINTER, Native.C_LONG, Native.C_INT));
    static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

    private NetlinkCalls() {}

    /** A raw netlink socket of {@code protocol}, or a negative value with errno in {@code state}. */
    static int open(MemorySegment state, int protocol) throws Throwable {
        return (int) SOCKET.invokeExact(state, AF_NETLINK, SOCK_RAW_CLOEXEC, protocol);
    }
}
