package io.xdprecon.dataplane.systemd;

import io.xdprecon.dataplane.ffm.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What systemd's manager does with {@code NOTIFY_SOCKET}: an AF_UNIX datagram socket bound to a path,
 * read with a timeout. Java's NIO has no AF_UNIX datagram sockets, so this binds one with FFM.
 */
final class NotifySocketListener implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int EAGAIN = 11;
    private static final int SUN_PATH_MAX = 108;

    private static final MethodHandle SOCKET = Native.libcWithErrno("socket",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.C_INT, Native.C_INT));
    private static final MethodHandle BIND = Native.libcWithErrno("bind",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.POINTER, Native.C_INT));
    private static final MethodHandle SETSOCKOPT = Native.libcWithErrno("setsockopt",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.C_INT, Native.C_INT, Native.POINTER, Native.C_INT));
    private static final MethodHandle RECV = Native.libcWithErrno("recv",
            FunctionDescriptor.of(Native.C_LONG, Native.C_INT, Native.POINTER, Native.C_LONG, Native.C_INT));
    private static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = Native.callState(arena);
    private final MemorySegment buffer = arena.allocate(4096);
    private final Path path;
    private final int fd;
    private Duration timeout = Duration.ZERO;

    NotifySocketListener(Path path) {
        this.path = path;
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path too long for sun_path: " + path);
        }
        try {
            fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            check(fd, "socket(AF_UNIX, SOCK_DGRAM)");
            MemorySegment addr = arena.allocate(2 + SUN_PATH_MAX); // struct sockaddr_un, zero-filled
            addr.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, addr, java.lang.foreign.ValueLayout.JAVA_BYTE, 2, name.length);
            check((int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize()), "bind(" + path + ")");
        } catch (Throwable t) {
            arena.close();
            throw Native.rethrow(t);
        }
    }

    Path path() {
        return path;
    }

    /** The next datagram, or empty if none arrives within {@code timeout}. */
    Optional<String> receive(Duration timeout) {
        try {
            if (!timeout.equals(this.timeout)) {
                MemorySegment tv = arena.allocate(16, 8); // struct timeval { time_t tv_sec; suseconds_t tv_usec; }
                long micros = Math.max(1, timeout.toNanos() / 1000);
                tv.set(Native.C_LONG, 0, micros / 1_000_000);
                tv.set(Native.C_LONG, 8, micros % 1_000_000);
                check((int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16), "setsockopt(SO_RCVTIMEO)");
                this.timeout = timeout;
            }
            long n = (long) RECV.invokeExact(state, fd, buffer, buffer.byteSize(), 0);
            if (n < 0) {
                if (Native.errno(state) == EAGAIN) {
                    return Optional.empty();
                }
                check((int) n, "recv");
            }
            return Optional.of(new String(buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    StandardCharsets.UTF_8));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private void check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + " failed: errno " + Native.errno(state));
        }
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            arena.close();
            Files.deleteIfExists(path);
        }
    }
}
