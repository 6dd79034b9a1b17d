package io.xdprecon.dataplane.netns;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs code inside a named network namespace ({@code /run/netns/NAME}, as {@code ip netns add}
 * makes) by moving a fresh platform thread into it with {@code setns(2)}. Only the network namespace
 * changes: unlike {@code ip netns exec}, the mount namespace, and so the bpffs and its pins, stay
 * shared with the rest of the process. Sockets opened by the task belong to that namespace for
 * their whole life; netlink calls (XDP attach) and interface names resolve there.
 */
public final class NetNs {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final Path RUN_NETNS = Path.of("/run/netns");

    private static final MethodHandle OPEN = Native.libcWithErrno("open",
            FunctionDescriptor.of(Native.C_INT, Native.POINTER, Native.C_INT));
    private static final MethodHandle SETNS = Native.libcWithErrno("setns",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.C_INT));
    private static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));
    private static final MethodHandle IF_NAMETOINDEX = Native.libcWithErrno("if_nametoindex",
            FunctionDescriptor.of(Native.C_INT, Native.POINTER));

    private NetNs() {}

    /** Runs {@code task} on a new thread inside namespace {@code name}; returns its result or rethrows. */
    public static <T> T call(String name, Callable<T> task) {
        FutureTask<T> future = new FutureTask<>(() -> {
            enter(name);
            return task.call();
        });
        Thread thread = Thread.ofPlatform().name("netns-" + name).unstarted(future);
        thread.start();
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running in netns " + name, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("in netns " + name + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    public static void run(String name, Task task) {
        call(name, () -> {
            task.run();
            return null;
        });
    }

    /** Moves the calling thread into namespace {@code name} for good: use on a thread you own. */
    public static void enter(String name) {
        Path path = RUN_NETNS.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw BpfException.of("open network namespace", path.toString(), Native.errno(state));
            }
            try {
                int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
                if (rc < 0) {
                    throw BpfException.of("enter network namespace", path.toString(), Native.errno(state));
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The index of interface {@code ifname} in the calling thread's network namespace. */
    public static int ifindex(String ifname) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int index = (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(ifname));
            if (index == 0) {
                throw BpfException.of("find interface", ifname, Native.errno(state));
            }
            return index;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
