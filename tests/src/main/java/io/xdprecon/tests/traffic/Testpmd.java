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
 *   <li>{@link #replay}: the frames of a pcap file replayed forever ({@code net_pcap} with
 *       {@code infinite_rx=1}, {@code --forward-mode=io} into the AF_XDP port), for traffic over more flows than
 *       txonly's {@code --txonly-multi-flow} makes (it varies one byte of the source address: 256 flows).</li>
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

    /**
     * The replay ring keeps every frame of the file in an mbuf of the one pool the AF_XDP port also uses; with
     * more than a quarter of a 65,536-mbuf pool held there (or a larger pool, whose umem --no-huge cannot keep in
     * one piece) the PMD transmits descriptors the kernel never delivers: measured, 16,384 frames work, 32,768 not.
     */
    public static final int MAX_REPLAY_FRAMES = 16_384;

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

    /** Replays the {@code frames} frames of {@code pcap} forever out of {@code iface} in namespace {@code ns}. */
    public static Testpmd replay(String ns, String iface, Path pcap, int frames, int queues) {
        List<String> eal = List.of("--vdev", "net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1", "--vdev", afXdp(iface, queues));
        // Port 0 (pcap) receives, port 1 (AF_XDP) sends; nothing comes back the other way.
        if (frames > MAX_REPLAY_FRAMES) {
            throw new IllegalArgumentException("a replay of " + frames + " frames: at most " + MAX_REPLAY_FRAMES);
        }
        return start(ns, eal, List.of("--forward-mode=io", "--port-topology=chained"), queues, 65_536);
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
