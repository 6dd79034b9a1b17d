package io.xdprecon.tests.dpdk;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Two namespaces joined by a veth for the DPDK tests, and the child JVM that runs DPDK on one end.
 *
 * <pre>
 *   xr-ID-d                                   xr-ID-e
 *   dp0 10.211.0.1/24 (AF_XDP, DPDK)  ─veth─  dp1 10.211.0.2/24 (UDP sockets)
 *       2001:db8:211::1/64 (dual stack)           2001:db8:211::2/64
 * </pre>
 *
 * IPv6 is off in the namespaces unless the pair is {@link #startDualStack() dual stack}: then both ends have an
 * IPv6 address too (no duplicate address detection, so it is usable at once) and dp1 a permanent neighbour for dp0's.
 *
 * Pins: the PMD opens the object with libbpf's defaults, so {@code LIBBPF_PIN_BY_NAME} maps go to
 * {@code /sys/fs/bpf/NAME}. The child therefore runs in a private mount namespace in which this
 * pair's pin directory {@code /sys/fs/bpf/xdprecon-test-ID} is bind-mounted over {@code /sys/fs/bpf}:
 * the PMD adopts the maps pinned there, nothing lands in the real default root, and concurrent tests
 * never share pins. A tmpfs over {@code /run/dpdk} in the same mount namespace swallows EAL's runtime
 * directory ({@code --no-huge} rules out {@code --in-memory}). {@link #close()} kills a child still
 * running and removes namespaces, pins and the extracted object, whatever happened before.
 */
final class DpdkPair implements AutoCloseable {
    static final String LOCAL_IP = "10.211.0.1";
    static final String PEER_IP = "10.211.0.2";
    static final String DP0_MAC = "02:78:72:00:01:01";
    static final String LOCAL_IP6 = "2001:db8:211::1";
    static final String PEER_IP6 = "2001:db8:211::2";

    final String id = Lab.newId();
    final String dpdkNs = Lab.NS_PREFIX + id + "-d";
    final String peerNs = Lab.NS_PREFIX + id + "-e";
    final Path pinRoot = Lab.BPFFS.resolve(Lab.PIN_PREFIX + id);
    private final List<String> namespaces = new ArrayList<>();
    private final List<DatagramSocket> sockets = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();
    /** Our XDP object extracted for the PMD's {@code xdp_prog=}. */
    Path object;
    int dp0;
    private final boolean dualStack;

    private DpdkPair(boolean dualStack) {
        this.dualStack = dualStack;
    }

    static DpdkPair start() {
        return start(false);
    }

    /** A pair with IPv6 addresses beside the IPv4 ones. */
    static DpdkPair startDualStack() {
        return start(true);
    }

    private static DpdkPair start(boolean dualStack) {
        DpdkPair pair = new DpdkPair(dualStack);
        try {
            pair.build();
            return pair;
        } catch (RuntimeException | Error e) {
            try {
                pair.close();
            } catch (RuntimeException | Error teardown) {
                e.addSuppressed(teardown);
            }
            throw e;
        }
    }

    private void build() {
        createNamespace(dpdkNs);
        createNamespace(peerNs);
        Lab.ip("-n", dpdkNs, "link", "add", "dp0", "address", DP0_MAC, "type", "veth",
                "peer", "name", "dp1", "address", "02:78:72:00:01:02", "netns", peerNs);
        Lab.ip("-n", dpdkNs, "addr", "add", LOCAL_IP + "/24", "dev", "dp0");
        Lab.ip("-n", peerNs, "addr", "add", PEER_IP + "/24", "dev", "dp1");
        Lab.inNs(peerNs, "ethtool", "-K", "dp1", "tx", "off");
        // GRO keeps dp0's NAPI, and the frames queued in its XDP ring, when the PMD detaches XDP at a port close: without
        // it the veth deletes its NAPI and frees the ring (veth_disable_xdp -> veth_napi_del -> ptr_ring_cleanup). On a
        // starved machine that ring holds ~40 ms of the restart tests' streams (CI lost 72 + 90 datagrams that way).
        Lab.inNs(dpdkNs, "ethtool", "-K", "dp0", "gro", "on");
        Lab.ip("-n", dpdkNs, "link", "set", "dp0", "up");
        Lab.ip("-n", peerNs, "link", "set", "dp1", "up");
        Lab.ip("-n", peerNs, "neigh", "replace", LOCAL_IP, "lladdr", DP0_MAC, "dev", "dp1", "nud", "permanent");
        if (dualStack) {
            Lab.ip("-n", dpdkNs, "addr", "add", LOCAL_IP6 + "/64", "dev", "dp0", "nodad");
            Lab.ip("-n", peerNs, "addr", "add", PEER_IP6 + "/64", "dev", "dp1", "nodad");
            Lab.ip("-n", peerNs, "neigh", "replace", LOCAL_IP6, "lladdr", DP0_MAC, "dev", "dp1", "nud", "permanent");
        }
        dp0 = NetNs.call(dpdkNs, () -> NetNs.ifindex("dp0"));
        try {
            Files.createDirectories(pinRoot);
            object = Files.createTempFile("xdprecon-xdp_fwd-", ".o");
            Files.write(object, BpfObject.bundledElf(Datapath.OBJECT));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One more namespace {@code xr-ID-SUFFIX} for a test's own topology, deleted with the pair. */
    String addNamespace(String suffix) {
        String ns = Lab.NS_PREFIX + id + "-" + suffix;
        createNamespace(ns);
        return ns;
    }

    private void createNamespace(String ns) {
        Lab.ip("netns", "add", ns);
        namespaces.add(ns);
        if (!dualStack) {
            Lab.inNs(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        }
        Lab.ip("-n", ns, "link", "set", "lo", "up");
    }

    /** A UDP socket bound in the peer namespace with a receive timeout. */
    DatagramSocket peerSocket(int port, int timeoutMillis) {
        DatagramSocket socket = NetNs.call(peerNs, () -> {
            DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.bind(new InetSocketAddress(InetAddress.getByName(PEER_IP), port));
            DatagramSocket s = channel.socket();
            s.setSoTimeout(timeoutMillis);
            return s;
        });
        sockets.add(socket);
        return socket;
    }

    /** Starts {@link DpdkEchoMain} on dp0 in a new JVM (see the class comment for its namespaces). */
    Child startChild(int count, int timeoutMillis) throws IOException {
        return startJava(DpdkEchoMain.class.getName(), "dp0", object.toString(), Integer.toString(count),
                Integer.toString(timeoutMillis));
    }

    /**
     * Starts {@code mainClass} with this JVM's class path in a new JVM in the DPDK namespace, with this pair's
     * pins bind-mounted over {@code /sys/fs/bpf} and a tmpfs over {@code /run/dpdk} (see the class comment).
     * {@link #close()} kills it if it still runs.
     */
    Child startJava(String mainClass, String... args) throws IOException {
        String script = "mount --bind \"$0\" /sys/fs/bpf && mkdir -p /run/dpdk"
                + " && mount -t tmpfs -o mode=0700 xdprecon-dpdk /run/dpdk && exec \"$@\"";
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + dpdkNs,
                "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, pinRoot.toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        children.add(process);
        return new Child(process);
    }

    /** The child JVM and its output, one line at a time. */
    static final class Child {
        static final String EOF = "<EOF>";
        final Process process;
        final List<String> output = Collections.synchronizedList(new ArrayList<>());
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Thread reader;

        Child(Process process) {
            this.process = process;
            this.reader = Thread.ofPlatform().daemon().name("dpdk-child-" + process.pid()).start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                } finally {
                    lines.add(EOF);
                }
            });
        }

        /** Consumes output until a line starting with {@code prefix}; fails on timeout, or on FAIL/EOF first (unless {@code prefix} is one). */
        String await(String prefix, long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMs * 1_000_000;
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("no '" + prefix + "' from the DPDK child within " + timeoutMs + " ms:\n" + text());
                }
                if (!line.equals(EOF)) {
                    output.add(line);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                if (line.startsWith("FAIL") || line.equals(EOF)) {
                    throw new AssertionError("DPDK child stopped before '" + prefix + "':\n" + text());
                }
            }
        }

        /** Reads the rest of the output and waits for the exit; returns the exit status. */
        int finish(long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMs * 1_000_000;
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("the DPDK child did not end within " + timeoutMs + " ms:\n" + text());
                }
                if (line.equals(EOF)) {
                    break;
                }
                output.add(line);
            }
            reader.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (!process.waitFor(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the DPDK child closed its output but did not exit:\n" + text());
            }
            return process.exitValue();
        }

        List<String> lines(String prefix) {
            synchronized (output) {
                return output.stream().filter(l -> l.startsWith(prefix)).toList();
            }
        }

        /** The {@code key=value} counters of the first line starting with {@code prefix} (its other words skipped). */
        Map<String, Long> counters(String prefix) {
            List<String> found = lines(prefix);
            if (found.isEmpty()) {
                throw new AssertionError("no " + prefix + " line from the DPDK child:\n" + text());
            }
            Map<String, Long> counters = new LinkedHashMap<>();
            for (String word : found.getFirst().split(" ")) {
                int eq = word.indexOf('=');
                if (eq > 0) {
                    counters.put(word.substring(0, eq), Long.parseLong(word.substring(eq + 1)));
                }
            }
            return counters;
        }

        String text() {
            synchronized (output) {
                return String.join("\n", output);
            }
        }
    }

    @Override
    public void close() {
        List<Throwable> errors = new ArrayList<>();
        for (Process child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
                try {
                    if (!child.waitFor(10, TimeUnit.SECONDS)) {
                        errors.add(new IllegalStateException("DPDK child " + child.pid() + " did not die"));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    errors.add(e);
                }
            }
        }
        sockets.forEach(DatagramSocket::close);
        for (String ns : namespaces.reversed()) {
            step(errors, () -> Lab.ip("netns", "delete", ns));
        }
        step(errors, () -> Datapath.unpin(pinRoot));
        step(errors, () -> Lab.deleteRecursively(pinRoot));
        if (object != null) {
            step(errors, () -> Files.deleteIfExists(object));
        }
        if (!errors.isEmpty()) {
            IllegalStateException e = new IllegalStateException("DPDK pair " + id + " teardown incomplete: " + errors.getFirst(),
                    errors.getFirst());
            errors.subList(1, errors.size()).forEach(e::addSuppressed);
            throw e;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void step(List<Throwable> errors, Step step) {
        try {
            step.run();
        } catch (Exception | Error e) {
            errors.add(e);
        }
    }
}
