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
 *   <li>{@link #flowgen}: many flows round-robin ({@code --forward-mode=flowgen}), for lookups spread over a
 *       big map (txonly's {@code --txonly-multi-flow} varies one byte of the source: 256 flows; a pcap replay
 *       through {@code net_pcap} shares the AF_XDP port's mempool and, with --no-huge, loses frames).</li>
 * </ul>
 * With {@code queues} above 1 the AF_XDP port opens that many queues and testpmd runs one forwarding lcore per
 * queue, lcore {@code q} on CPU {@code q mod CPUs}; with one queue the forwarding lcore runs on CPU 1. The main
 * lcore (stats only) shares CPU 0. EAL runs without huge pages under its own {@code --file-prefix}, whose
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
    private final String prefix;
    private final Path log;

    private Testpmd(List<String> command, String prefix) {
        this.prefix = prefix;
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

    /** txonly: {@code flow} at line rate out of {@code iface} in namespace {@code ns}. */
    public static Testpmd txonly(String ns, String iface, Flow flow, int queues) {
        List<String> args = new ArrayList<>(List.of("--forward-mode=txonly",
                "--tx-ip=" + flow.srcIp() + "," + flow.dstIp(), "--tx-udp=" + flow.srcPort() + "," + flow.dstPort(),
                "--eth-peer=0," + flow.dstMac(), "--txpkts=64"));
        return start(ns, List.of("--vdev", afXdp(iface, queues)), args, queues, 16_384);
    }

    /**
     * flowgen: {@code flows} flows round-robin at line rate out of {@code iface} in namespace {@code ns}, to
     * {@code dstMac}. testpmd 22.11 fixes their shape: {@link #FLOWGEN_SOURCE}:{@link #FLOWGEN_SOURCE_PORT} to
     * {@link #FLOWGEN_DESTINATION} + i : {@link #FLOWGEN_DESTINATION_PORT} for flow i.
     */
    public static Testpmd flowgen(String ns, String iface, int flows, String dstMac, int queues) {
        return start(ns, List.of("--vdev", afXdp(iface, queues)), List.of("--forward-mode=flowgen", "--flowgen-flows=" + flows,
                "--eth-peer=0," + dstMac, "--txpkts=64"), queues, 16_384);
    }

    private static String afXdp(String iface, int queues) {
        return "net_af_xdp0,iface=" + iface + ",start_queue=0,queue_count=" + queues;
    }

    private static Testpmd start(String ns, List<String> vdevs, List<String> forwarding, int queues, int mbufs) {
        if (!available()) {
            throw new IllegalStateException(BINARY + " is missing: apt-get install dpdk-dev (scripts/setup.sh does)");
        }
        String prefix = "xdprecon-testpmd-" + Lab.newId();
        int cpus = Runtime.getRuntime().availableProcessors();
        StringBuilder lcores = new StringBuilder("0@0");
        for (int q = 0; q < queues; q++) {
            lcores.append(',').append(q + 1).append('@').append(queues == 1 ? Math.min(1, cpus - 1) : q % cpus);
        }
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + ns, BINARY.toString(),
                "--lcores=" + lcores, "--no-huge", "-m", Integer.toString(256 + mbufs / 256), "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:warning"));
        command.addAll(vdevs);
        command.add("--");
        command.addAll(List.of("--total-num-mbufs=" + mbufs, "--nb-cores=" + queues, "--rxq=" + queues, "--txq=" + queues,
                "--auto-start", "--stats-period=1"));
        command.addAll(forwarding);
        return new Testpmd(command, prefix);
    }

    /** Fails with testpmd's output if it has exited (it should run until closed). */
    public void requireRunning() {
        if (!process.isAlive()) {
            throw new IllegalStateException("dpdk-testpmd exited with " + process.exitValue() + ":\n" + output());
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
