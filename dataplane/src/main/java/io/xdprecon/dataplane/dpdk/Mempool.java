package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** A packet mbuf pool ({@code rte_pktmbuf_pool_create}); free it after the ports using it are closed. */
public final class Mempool implements AutoCloseable {
    /** {@code RTE_MBUF_DEFAULT_BUF_SIZE} of 22.11: 2048 bytes of data after the 128-byte headroom. */
    public static final int DEFAULT_DATA_ROOM = 2176;
    /** {@code SOCKET_ID_ANY}. */
    public static final int ANY_SOCKET = -1;

    private static final MethodHandle CREATE = Native.dpdk("rte_pktmbuf_pool_create",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT));
    private static final MethodHandle FREE = Native.dpdk("rte_mempool_free",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private final String name;
    private final MemorySegment pool;
    private boolean closed;

    private Mempool(String name, MemorySegment pool) {
        this.name = name;
        this.pool = pool;
    }

    /**
     * {@code size} mbufs (best as 2^q − 1) of {@code dataRoom} bytes each, a per-lcore cache of
     * {@code cacheSize}, on {@code socket}; {@code name} must be unique in the process.
     */
    public static Mempool create(String name, int size, int cacheSize, int dataRoom, int socket) {
        MemorySegment pool;
        try (Arena arena = Arena.ofConfined()) {
            pool = (MemorySegment) CREATE.invokeExact(arena.allocateFrom(name), size, cacheSize, (short) 0,
                    (short) dataRoom, socket);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (pool.equals(MemorySegment.NULL)) {
            int errno = Rte.errno();
            throw new DpdkException("rte_pktmbuf_pool_create " + name + " (" + size + " x " + dataRoom + " bytes) failed: "
                    + Rte.strerror(errno) + " (rte_errno " + errno + ")", errno);
        }
        return new Mempool(name, pool);
    }

    public String name() {
        return name;
    }

    MemorySegment segment() {
        return pool;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            FREE.invokeExact(pool);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
