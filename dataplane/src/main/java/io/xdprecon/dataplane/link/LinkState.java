package io.xdprecon.dataplane.link;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Whether a device is up and has a carrier, read with {@code ioctl(SIOCGIFFLAGS)} on a socket of the calling
 * thread's network namespace (sysfs would show the namespace that mounted it, not this one).
 *
 * @param up      administratively up ({@code IFF_UP}: {@code ip link set DEV up})
 * @param running up with a carrier ({@code IFF_RUNNING}): what {@code ip link} shows as state UP
 */
public record LinkState(boolean up, boolean running) {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final short IFF_UP = 0x1;
    private static final short IFF_RUNNING = 0x40;

    private static final MethodHandle SOCKET = Native.libcWithErrno("socket",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.C_INT, Native.C_INT));
    private static final MethodHandle IOCTL = Native.libcVariadicWithErrno("ioctl",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.C_LONG, Native.POINTER), 2);
    private static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

    /**
     * The state of device {@code name}.
     *
     * @throws BpfException when the kernel refuses the question (no such device: ENODEV)
     */
    public static LinkState of(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("not a device name (at most 15 characters): " + name);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int fd = (int) SOCKET.invokeExact(state, AF_INET, SOCK_DGRAM_CLOEXEC, 0);
            if (fd < 0) {
                throw BpfException.of("open a socket to ask about", name, Native.errno(state));
            }
            try {
                MemorySegment request = arena.allocate(IFREQ_SIZE);
                request.copyFrom(MemorySegment.ofArray(java.util.Arrays.copyOf(bytes, IFREQ_SIZE)));
                int rc = (int) IOCTL.invokeExact(state, fd, SIOCGIFFLAGS, request);
                if (rc < 0) {
                    throw BpfException.of("read the flags of device", name, Native.errno(state));
                }
                short flags = request.get(ValueLayout.JAVA_SHORT_UNALIGNED, IFNAMSIZ);
                return new LinkState((flags & IFF_UP) != 0, (flags & IFF_RUNNING) != 0);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
