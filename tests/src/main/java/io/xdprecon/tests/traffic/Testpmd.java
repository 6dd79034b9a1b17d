package io.xdprecon.tests.traffic;

import io.xdprecon.lab.Lab;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code dpdk-testpmd} (Debian's {@code dpdk-dev}) as a line-rate UDP generator on one end of a veth, in a
 * network namespace the caller created: the AF_XDP PMD on the veth (copy mode: veth has no zero-copy), 64-byte
 * frames, bounded by {@link #close()}. Two shapes:
 * <ul>
 *   <li>{@link #txonly}: testpmd's own txonly engine, one flow ({@code --tx-ip}, {@code --tx-udp}) toward
 *       {@code --eth-peer};</li>
 *   <li>{@link #replay}: any one frame (an IPv6 datagram) replayed from a capture through {@code net_pcap};</li>
 *   <li>{@link #flowgen}: many flows round-robin ({@code --forward-mode=flowgen}), for lookups spread over a
 *       big map (txonly's {@code --txonly-multi-flow} varies one byte of the source: 256 flows; a pcap replay
 *       through {@code net_pcap} shares the AF_XDP port's mempool and, with --no-huge, loses frames).</li>
 * </ul>
 * One forwarding lcore drives each TX queue (by default queue 0 from CPU 1; the main lcore, which only prints
 * statistics, on CPU 0). EAL runs without huge pages under its own {@code --file-prefix}, whose
 * runtime directory is removed on close. The child is entered into the namespace with {@code nsenter --net}
 * (not {@code ip netns exec}, which would remount /sys).
 */
public final class Testpmd implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/bin/dpdk-testpmd");
    private static final Path RUNTIME = Path.of("/var/run/dpdk");

    /** testpmd's flowgen: source address (host order) and ports, and the first destination address. */
    public static final String FLOWGEN_SOURCE = "10.254.0.0";
    public static final int FLOWGEN_SOURCE_PORT = 1000;
    public static final String FLOWGEN_DESTINATION = "10.253.0.0";
    public static final int FLOWGEN_DESTINATION_PORT = 1001;

    /** One UDP flow as txonly sends it: addresses, ports, and the destination MAC of every frame. */
    public record Flow(String srcIp, int srcPort, String dstIp, int dstPort, String dstMac) {}

    private final Process process;
    private final List<String> command;
    private final String prefix;
    private final Path log;

    private Testpmd(List<String> command, String prefix) {
        this.prefix = prefix;
        this.command = command;
        try {
            this.log = Files.createTempFile("xdprecon-testpmd-", ".log");
            this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /** True when the generator can run here: root and Debian's dpdk-dev installed. */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** txonly: {@code flow} at line rate out of {@code iface} (its queue 0) in namespace {@code ns}, from CPU 1. */
    public static Testpmd txonly(String ns, String iface, Flow flow) {
        return txonly(ns, iface, flow, 1);
    }

    /**
     * txonly out of the first {@code queues} TX queues of {@code iface}, queue q from CPU q (one CPU: from CPU 1).
     * One AF_XDP port per queue in one process: the PMD opens several queues of one port only on a device with
     * combined channels, which a veth has not, and a second process could not share the interface's XDP program.
     */
    public static Testpmd txonly(String ns, String iface, Flow flow, int queues) {
        List<String> args = new ArrayList<>(List.of("--forward-mode=txonly", "--tx-ip=" + flow.srcIp() + "," + flow.dstIp(),
                "--tx-udp=" + flow.srcPort() + "," + flow.dstPort(), "--txpkts=64", "--port-topology=loop"));
        for (int q = 0; q < queues; q++) {
            args.add("--eth-peer=" + q + "," + flow.dstMac());
        }
        return start(ns, iface, queues, args);
    }

    /**
     * flowgen: {@code flows} flows round-robin at line rate out of {@code iface} in namespace {@code ns}, to
     * {@code dstMac}. testpmd 22.11 fixes their shape: {@link #FLOWGEN_SOURCE}:{@link #FLOWGEN_SOURCE_PORT} to
     * {@link #FLOWGEN_DESTINATION} + i : {@link #FLOWGEN_DESTINATION_PORT} for flow i.
     */
    public static Testpmd flowgen(String ns, String iface, int flows, String dstMac) {
        return start(ns, iface, 1, List.of("--forward-mode=flowgen", "--flowgen-flows=" + flows, "--eth-peer=0," + dstMac,
                "--txpkts=64"));
    }

    /**
     * Replays {@code frame} at line rate out of {@code iface} in namespace {@code ns}: testpmd's io forwarding from a
     * {@code net_pcap} port reading a capture of that one frame in a loop ({@code infinite_rx}) to the AF_XDP port. For
     * frames txonly cannot make (IPv6); the same generator for every row it feeds, so rows compare with each other, not
     * with txonly's rows (the pcap port shares the mempool and drops frames of its own under pressure).
     */
    public static Testpmd replay(String ns, String iface, byte[] frame) {
        Path capture;
        try {
            capture = Files.createTempFile("xdprecon-replay-", ".pcap");
            capture.toFile().deleteOnExit();
            java.nio.ByteBuffer pcap = java.nio.ByteBuffer.allocate(24 + 16 + frame.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            pcap.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1); // Ethernet
            pcap.putInt(0).putInt(0).putInt(frame.length).putInt(frame.length).put(frame);
            Files.write(capture, pcap.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the replay capture", e);
        }
        return start(ns, iface, 1, List.of("--vdev", "net_pcap0,rx_pcap=" + capture + ",tx_pcap=/dev/null,infinite_rx=1"),
                List.of("--forward-mode=io", "--port-topology=paired"));
    }

    private static Testpmd start(String ns, String iface, int queues, List<String> forwarding) {
        return start(ns, iface, queues, List.of(), forwarding);
    }

    private static Testpmd start(String ns, String iface, int queues, List<String> firstDevices, List<String> forwarding) {
        if (!available()) {
            throw new IllegalStateException(BINARY + " is missing: apt-get install dpdk-dev (scripts/setup.sh does)");
        }
        String prefix = "xdprecon-testpmd-" + Lab.newId();
        int cpus = Runtime.getRuntime().availableProcessors();
        // The main lcore only prints statistics (CPU 0); forwarding lcore q+1 spins on CPU q, or CPU 1 alone.
        StringBuilder lcores = new StringBuilder("0@0");
        for (int q = 0; q < queues; q++) {
            lcores.append(',').append(q + 1).append('@').append(queues == 1 ? Math.min(1, cpus - 1) : q % cpus);
        }
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + ns, BINARY.toString(),
                "--lcores=" + lcores, "--no-huge", "-m", Integer.toString(256 + 64 * queues), "--no-pci", "--file-prefix", prefix,
                "--log-level=lib.eal:warning"));
        command.addAll(firstDevices);
        for (int q = 0; q < queues; q++) {
            command.addAll(List.of("--vdev", "net_af_xdp" + q + ",iface=" + iface + ",start_queue=" + q + ",queue_count=1"));
        }
        command.addAll(List.of("--", "--total-num-mbufs=" + 16_384 * queues, "--nb-cores=" + queues, "--rxq=1", "--txq=1",
                "--auto-start", "--stats-period=1"));
        command.addAll(forwarding);
        return new Testpmd(command, prefix);
    }

    /** Fails with testpmd's output if it has exited (it should run until closed). */
    public void requireRunning() {
        if (!process.isAlive()) {
            throw new IllegalStateException("dpdk-testpmd exited with " + process.exitValue() + ": " + String.join(" ", command)
                    + "\n" + output());
        }
    }

    /** What testpmd printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Stops the generator (SIGTERM: testpmd closes its port, which detaches its XDP program), then cleans up. */
    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            Lab.deleteRecursively(RUNTIME.resolve(prefix));
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file: the OS cleans it up
            }
        }
    }
}
