package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * DPDK's Environment Abstraction Layer, initialised from the JVM. EAL runs once per process (a second
 * {@code rte_eal_init} fails even after cleanup), so a process that needs it again must be a new one.
 *
 * <p>The thread that calls {@link #init} becomes EAL's main lcore: DPDK pins it to the first core of
 * {@code -l} and its mempool caches are per lcore, so make every later DPDK call on that thread.
 *
 * <p>Only DPDK 22.11 is accepted: the burst path reads {@code rte_eth_fp_ops}, whose layout changes
 * between releases ({@link EthPort}).
 */
public final class Eal implements AutoCloseable {
    /** The release whose {@code rte_eth_fp_ops}, {@code rte_mbuf} and {@code rte_eth_conf} layouts this package mirrors. */
    public static final String SUPPORTED = "22.11";

    private static final MethodHandle INIT = Native.dpdk("rte_eal_init",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle CLEANUP = Native.dpdk("rte_eal_cleanup", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private final List<String> args;
    private boolean closed;

    private Eal(List<String> args) {
        this.args = args;
    }

    /** {@code rte_version()} of the loaded libraries, e.g. {@code "DPDK 22.11.11"}. */
    public static String version() {
        return Rte.version();
    }

    /** Throws unless {@code version} (as {@code rte_version()} prints it) is a 22.11 release. */
    public static void requireSupported(String version) {
        String number = version.startsWith("DPDK ") ? version.substring(5) : version;
        if (!(number.equals(SUPPORTED) || number.startsWith(SUPPORTED + "."))) {
            throw new UnsupportedOperationException("DPDK " + SUPPORTED + " is required, found \"" + version
                    + "\": the burst path reads rte_eth_fp_ops, whose layout is specific to each DPDK release");
        }
    }

    /**
     * Checks the version, then runs {@code rte_eal_init} with {@code args} ({@code argv[0]} is added):
     * e.g. {@link #afXdpArgs}. Throws {@link DpdkException} with {@code rte_errno} when EAL refuses,
     * {@link IllegalStateException} when EAL already ran in this process.
     */
    public static Eal init(List<String> args) {
        requireSupported(version());
        if (!STARTED.compareAndSet(false, true)) {
            throw new IllegalStateException("EAL already initialised in this process (once per process)");
        }
        List<String> argv = new ArrayList<>(args.size() + 1);
        argv.add("xdprecon");
        argv.addAll(args);
        // EAL keeps pointers into argv (and may permute it): it lives as long as the process.
        Arena global = Arena.global();
        MemorySegment array = global.allocate(ValueLayout.ADDRESS, argv.size() + 1);
        for (int i = 0; i < argv.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, global.allocateFrom(argv.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, argv.size(), MemorySegment.NULL);
        int rc;
        try {
            rc = (int) INIT.invokeExact(argv.size(), array);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc < 0) {
            int errno = Rte.errno();
            throw new DpdkException("rte_eal_init " + args + " failed: " + Rte.strerror(errno) + " (rte_errno " + errno
                    + "; EAL logged the cause above)", errno);
        }
        return new Eal(List.copyOf(args));
    }

    /**
     * EAL arguments for one AF_XDP port on {@code iface} (queue 0) with our XDP object attached by the PMD,
     * on core 0 without hugepages or PCI, no shared config files (--no-shconf), no telemetry.
     */
    public static List<String> afXdpArgs(String iface, String xdpProgPath, int memoryMb) {
        long pid = ProcessHandle.current().pid();
        return List.of("-l", "0", "--no-huge", "-m", Integer.toString(memoryMb), "--no-pci", "--no-shconf",
                "--file-prefix", "xdprecon-" + pid, "--no-telemetry",
                "--vdev", afXdpVdev(0, iface, xdpProgPath));
    }

    /** The devargs of AF_XDP vdev {@code net_af_xdpN}: queue 0 only, no busy polling, {@code xdp_prog=} when not null. */
    public static String afXdpVdev(int n, String iface, String xdpProgPath) {
        String vdev = "net_af_xdp" + n + ",iface=" + iface + ",start_queue=0,queue_count=1,busy_budget=0";
        return xdpProgPath == null ? vdev : vdev + ",xdp_prog=" + xdpProgPath;
    }

    public List<String> args() {
        return args;
    }

    /** {@code rte_eal_cleanup}: after every port is closed and every pool freed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            DpdkException.check((int) CLEANUP.invokeExact(), "rte_eal_cleanup");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
