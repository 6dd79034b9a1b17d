package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * One ethdev port: configure, queue setup, start/stop/close, and RX/TX bursts.
 *
 * <p>Bursts do what the header inlines {@code rte_eth_rx_burst}/{@code rte_eth_tx_burst} do, without a
 * C shim: read the port's entry of the exported array {@code rte_eth_fp_ops[RTE_MAX_ETHPORTS]} on
 * every burst (the PMD may change it, e.g. on stop), take the queue's data pointer and call the
 * burst function pointer. The downcall handle is cached per function-pointer value. Layout of one
 * entry in 22.11 (verified with {@code offsetof}; 128 bytes per port, 32 ports):
 *
 * <pre>
 *   0 rx_pkt_burst  uint16_t (*)(void *rxq, struct rte_mbuf **pkts, uint16_t n)
 *   8 rx_queue_count, 16 rx_descriptor_status
 *  24 rxq.data      void **   (one per queue)
 *  32 rxq.clbk
 *  64 tx_pkt_burst  uint16_t (*)(void *txq, struct rte_mbuf **pkts, uint16_t n)
 *  72 tx_pkt_prepare, 80 tx_descriptor_status
 *  88 txq.data      void **
 * </pre>
 *
 * RX/TX callbacks ({@code rte_eth_add_rx_callback}) are not run: nothing here installs any.
 * Not thread-safe: one polling thread per queue, as in DPDK.
 */
public final class EthPort implements AutoCloseable {
    /** {@code RTE_MAX_ETHPORTS} of Debian's 22.11 build. */
    public static final int MAX_PORTS = 32;
    /** {@code RTE_MAX_QUEUES_PER_PORT} of Debian's 22.11 build: the length of {@code rxq.data}/{@code txq.data}. */
    public static final int MAX_QUEUES = 1024;
    static final long FP_OPS_SIZE = 128;
    static final long FP_RX_BURST = 0;
    static final long FP_RXQ_DATA = 24;
    static final long FP_TX_BURST = 64;
    static final long FP_TXQ_DATA = 88;
    /** sizeof(struct rte_eth_conf) in 22.11; all zero is a valid default configuration. */
    static final long ETH_CONF_SIZE = 2272;
    /** sizeof(struct rte_eth_stats) in 22.11; the first eight u64 are the counters read here. */
    static final long ETH_STATS_SIZE = 704;

    private static final FunctionDescriptor BURST =
            FunctionDescriptor.of(ValueLayout.JAVA_SHORT, Rte.PTR_AS_LONG, Rte.PTR_AS_LONG, ValueLayout.JAVA_SHORT);
    private static final MemorySegment FP_OPS =
            Native.dpdkSymbol("rte_eth_fp_ops").reinterpret(FP_OPS_SIZE * MAX_PORTS);

    private static final MethodHandle BY_NAME = Native.dpdk("rte_eth_dev_get_port_by_name",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CONFIGURE = Native.dpdk("rte_eth_dev_configure",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT,
                    ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    private static final MethodHandle RX_QUEUE_SETUP = Native.dpdk("rte_eth_rx_queue_setup",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT,
                    ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle TX_QUEUE_SETUP = Native.dpdk("rte_eth_tx_queue_setup",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT,
                    ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle START = Native.dpdk("rte_eth_dev_start",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    private static final MethodHandle STOP = Native.dpdk("rte_eth_dev_stop",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    private static final MethodHandle CLOSE = Native.dpdk("rte_eth_dev_close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    private static final MethodHandle MAC = Native.dpdk("rte_eth_macaddr_get",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    private static final MethodHandle STATS = Native.dpdk("rte_eth_stats_get",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));

    /** Port counters ({@code struct rte_eth_stats}, first fields). */
    public record Stats(long rxPackets, long txPackets, long rxBytes, long txBytes, long rxMissed, long rxErrors,
            long txErrors, long rxNoMbuf) {}

    private final int port;
    private final String name;
    private long rxFn;
    private MethodHandle rxHandle;
    private long txFn;
    private MethodHandle txHandle;
    private boolean started;
    private boolean closed;

    private EthPort(int port, String name) {
        this.port = port;
        this.name = name;
    }

    /** The port of device {@code name}, e.g. {@code "net_af_xdp0"} for a {@code --vdev net_af_xdp0,...}. */
    public static EthPort byName(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(ValueLayout.JAVA_SHORT);
            int rc = (int) BY_NAME.invokeExact(arena.allocateFrom(name), id);
            DpdkException.check(rc, "rte_eth_dev_get_port_by_name " + name);
            int port = Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0));
            if (port >= MAX_PORTS) {
                throw new IllegalStateException("port " + port + " beyond RTE_MAX_ETHPORTS " + MAX_PORTS);
            }
            return new EthPort(port, name);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public int id() {
        return port;
    }

    public String name() {
        return name;
    }

    /** {@code rte_eth_dev_configure} with the default (all-zero) {@code rte_eth_conf}. */
    public EthPort configure(int rxQueues, int txQueues) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment conf = arena.allocate(ETH_CONF_SIZE, 8);
            int rc = (int) CONFIGURE.invokeExact((short) port, (short) rxQueues, (short) txQueues, conf);
            DpdkException.check(rc, "rte_eth_dev_configure " + name + " rx=" + rxQueues + " tx=" + txQueues);
            return this;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code rte_eth_rx_queue_setup} with the PMD's default rxconf, mbufs from {@code pool}. */
    public EthPort rxQueueSetup(int queue, int descriptors, Mempool pool) {
        try {
            int rc = (int) RX_QUEUE_SETUP.invokeExact((short) port, (short) queue, (short) descriptors,
                    Mempool.ANY_SOCKET, MemorySegment.NULL, pool.segment());
            DpdkException.check(rc, "rte_eth_rx_queue_setup " + name + " queue " + queue);
            return this;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code rte_eth_tx_queue_setup} with the PMD's default txconf. */
    public EthPort txQueueSetup(int queue, int descriptors) {
        try {
            int rc = (int) TX_QUEUE_SETUP.invokeExact((short) port, (short) queue, (short) descriptors,
                    Mempool.ANY_SOCKET, MemorySegment.NULL);
            DpdkException.check(rc, "rte_eth_tx_queue_setup " + name + " queue " + queue);
            return this;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public EthPort start() {
        call(START, "rte_eth_dev_start");
        started = true;
        return this;
    }

    public void stop() {
        if (started) {
            started = false;
            call(STOP, "rte_eth_dev_stop");
        }
    }

    /** Stops (if started) and closes the port; the AF_XDP PMD detaches its XDP program here. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            call(CLOSE, "rte_eth_dev_close");
        }
    }

    private void call(MethodHandle handle, String what) {
        try {
            DpdkException.check((int) handle.invokeExact((short) port), what + " " + name);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The port's MAC address as 6 bytes. */
    public byte[] macAddress() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mac = arena.allocate(6);
            DpdkException.check((int) MAC.invokeExact((short) port, mac), "rte_eth_macaddr_get " + name);
            return mac.toArray(ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public Stats stats() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ETH_STATS_SIZE, 8);
            DpdkException.check((int) STATS.invokeExact((short) port, s), "rte_eth_stats_get " + name);
            long[] v = s.asSlice(0, 64).toArray(ValueLayout.JAVA_LONG);
            return new Stats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Receives up to {@code burst.capacity()} packets from {@code queue} into {@code burst} (which must be
     * empty); returns how many. The caller owns the received mbufs.
     */
    public int rxBurst(int queue, MbufBurst burst) {
        if (burst.count() != 0) {
            throw new IllegalStateException("RX into a burst that still holds " + burst.count() + " mbufs");
        }
        long entry = (long) port * FP_OPS_SIZE;
        long fn = FP_OPS.get(ValueLayout.JAVA_LONG, entry + FP_RX_BURST);
        long queueData = queueData(FP_OPS.get(ValueLayout.JAVA_LONG, entry + FP_RXQ_DATA), queue, "rx");
        if (fn != rxFn) {
            rxHandle = Native.functionPointer(MemorySegment.ofAddress(fn), BURST);
            rxFn = fn;
        }
        int n;
        try {
            n = Short.toUnsignedInt((short) rxHandle.invokeExact(queueData, burst.base(), (short) burst.capacity()));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        burst.count(n);
        return n;
    }

    /**
     * Hands the mbufs of {@code burst} to {@code queue}; returns how many were taken. Sent mbufs leave
     * the burst (the PMD frees them); the unsent stay in it, moved to the front, still owned by the caller.
     */
    public int txBurst(int queue, MbufBurst burst) {
        int n = burst.count();
        if (n == 0) {
            return 0;
        }
        long entry = (long) port * FP_OPS_SIZE;
        long fn = FP_OPS.get(ValueLayout.JAVA_LONG, entry + FP_TX_BURST);
        long queueData = queueData(FP_OPS.get(ValueLayout.JAVA_LONG, entry + FP_TXQ_DATA), queue, "tx");
        if (fn != txFn) {
            txHandle = Native.functionPointer(MemorySegment.ofAddress(fn), BURST);
            txFn = fn;
        }
        int sent;
        try {
            sent = Short.toUnsignedInt((short) txHandle.invokeExact(queueData, burst.base(), (short) n));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        burst.dropFirst(sent);
        return sent;
    }

    private long queueData(long array, int queue, String direction) {
        if (array == 0 || queue < 0 || queue >= MAX_QUEUES) {
            throw new IllegalStateException(direction + " queue " + queue + " of " + name + " is not set up");
        }
        long data = Rte.ALL.get(ValueLayout.JAVA_LONG, array + (long) queue * 8);
        if (data == 0) {
            throw new IllegalStateException(direction + " queue " + queue + " of " + name + " is not set up");
        }
        return data;
    }
}
