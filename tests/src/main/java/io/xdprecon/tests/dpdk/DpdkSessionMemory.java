package io.xdprecon.tests.dpdk;

import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A daemon in dpdk mode holding many live sessions, as the unit runs it (its launcher, its JVM options), in a
 * {@link DpdkPair} of the measurement's own: how much memory the whole process takes beside the DPDK memory it
 * configures. The daemon runs in the pair's DPDK namespace with the pair's pins over {@code /sys/fs/bpf} (the PMD
 * pins by name there), its config two services on dp0 — one session per client address:port, and one egress port
 * each, so two egress addresses for more than a port range holds — and clients in the peer namespace each send one
 * first datagram from a port of their own: a socket bound, one datagram, closed. The backend's address is on no
 * interface: what the loop forwards to it is dropped by the peer's kernel without an answer. Rounds resend to
 * every client until the loop holds them all (a first datagram the AF_XDP ring dropped is sent again; one that
 * meets a session is forwarded by XDP), paced at {@code rate} a second.
 */
public final class DpdkSessionMemory {
    static final String SECOND_LOCAL_IP = "10.211.0.5";
    /** On no interface: the peer's kernel (not forwarding) drops what the loop forwards there. */
    static final String BACKEND = "10.211.0.3";
    static final String PEER_MAC = "02:78:72:00:01:02";
    static final int ADMIN_PORT = 9477;
    static final int FIRST_CLIENT_PORT = 10_000;
    static final int CLIENTS_PER_ADDRESS = 50_000;
    static final int FIRST_LISTEN_PORT = 3478;
    /** EAL memory the daemon configures for its loop ({@code -m}: DpdkLoop.Settings.of). */
    public static final int EAL_MEMORY_MB = 256;
    private static final int MAX_ROUNDS = 5;
    private static final Pattern MAPPING = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    /**
     * What was measured.
     *
     * @param idleKb      RSS once the loop ran, before any session
     * @param rssKb       RSS with every session live, right after the last was set up
     * @param restKb      RSS at rest, {@code rest} after that
     * @param peakKb      VmHWM: the process's peak
     * @param mappings    the process's mappings holding 16 MB or more, as "size MB rss MB name"
     */
    public record Result(int sessions, List<Round> rounds, double seconds, long idleKb, long rssKb, long restKb, long peakKb,
                         List<String> mappings, String log) {}

    /** One round: how long sending every client's datagram took, and the sessions live once the loop settled. */
    public record Round(double sendSeconds, int live) {}

    private DpdkSessionMemory() {}

    /** Runs the daemon of {@code launcher} with {@code javaOptions}, sets up {@code sessions} sessions, reads its memory. */
    public static Result measure(Path launcher, String javaOptions, int sessions, int rate, Duration rest) throws Exception {
        if (sessions > 2 * CLIENTS_PER_ADDRESS) {
            throw new IllegalArgumentException("at most " + 2 * CLIENTS_PER_ADDRESS + " sessions");
        }
        Path work = Files.createTempDirectory("xdprecon-dpdk-sessions");
        Process daemon = null;
        try (DpdkPair pair = DpdkPair.start()) {
            List<String> clients = List.of("10.211.0.10", "10.211.0.11");
            Lab.ip("-n", pair.dpdkNs, "addr", "add", SECOND_LOCAL_IP + "/24", "dev", "dp0");
            for (String peer : List.of(BACKEND, clients.get(0), clients.get(1))) {
                Lab.ip("-n", pair.dpdkNs, "neigh", "replace", peer, "lladdr", PEER_MAC, "dev", "dp0", "nud", "permanent");
            }
            for (String client : clients) {
                Lab.ip("-n", pair.peerNs, "addr", "add", client + "/24", "dev", "dp1");
            }
            Path config = work.resolve("flows.yaml");
            Files.writeString(config, config(sessions));
            Path log = work.resolve("daemon.log");
            daemon = start(pair, launcher, javaOptions, config, work.resolve("state"), log);
            awaitLog(daemon, log, "the DPDK loop runs on", Duration.ofMinutes(3));
            awaitMetric(daemon, pair, log, "xdprecon_sessions", v -> v == 0, Duration.ofMinutes(1));
            long idle = status(daemon).get("VmRSS");

            long start = System.nanoTime();
            List<Round> rounds = new ArrayList<>();
            double live = 0;
            while (live < sessions && rounds.size() < MAX_ROUNDS) {
                long sending = System.nanoTime();
                send(pair, clients, sessions, rate);
                double sent = (System.nanoTime() - sending) / 1e9;
                live = settled(daemon, pair, log);
                rounds.add(new Round(sent, (int) live));
                System.err.printf("round %d: sent in %.1f s, %,.0f sessions live%n", rounds.size(), sent, live);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> memory = status(daemon);
            List<String> mappings = bigMappings(daemon.pid());
            Thread.sleep(rest.toMillis()); // at rest: past the unit's idle collection
            long restKb = status(daemon).get("VmRSS");
            long peak = status(daemon).get("VmHWM");
            return new Result((int) live, rounds, seconds, idle, memory.get("VmRSS"), restKb, peak, mappings, tail(log));
        } finally {
            if (daemon != null) {
                daemon.destroy(); // SIGTERM: the daemon hands over to the tc bridge and closes its ports
                if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            Lab.deleteRecursively(work);
        }
    }

    /** Two services on dp0, each with a port range of its own egress address, sessions idle for 10 minutes before expiry. */
    static String config(int sessions) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: xdprecon.io/v1
                interfaces:
                  lan: { device: dp0 }
                localIps: [%s, %s]
                datapath: { mode: dpdk }
                services:
                """.formatted(DpdkPair.LOCAL_IP, SECOND_LOCAL_IP));
        List<String> egress = List.of(DpdkPair.LOCAL_IP, SECOND_LOCAL_IP);
        for (int s = 0; s < 2; s++) {
            yaml.append("""
                      - name: relay-%d
                        listen: { interface: lan, address: %s, port: %d }
                        backends: [%s:7001]
                        egress: { interface: lan, address: %s, ports: 10000-60999 }
                        idleTimeout: 600000ms
                    """.formatted(s, DpdkPair.LOCAL_IP, FIRST_LISTEN_PORT + s, BACKEND, egress.get(s)));
        }
        return yaml.toString();
    }

    /**
     * {@code launcher run} in the DPDK namespace, in a private mount namespace with the pair's pins over
     * {@code /sys/fs/bpf} and a tmpfs over {@code /run/dpdk} (see {@link DpdkPair}); no fork on the way, so the
     * process is the JVM.
     */
    private static Process start(DpdkPair pair, Path launcher, String javaOptions, Path config, Path state, Path log)
            throws IOException {
        String script = "mount --bind \"$0\" /sys/fs/bpf && mkdir -p /run/dpdk"
                + " && mount -t tmpfs -o mode=0700 xdprecon-dpdk /run/dpdk && exec \"$@\"";
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + pair.dpdkNs,
                "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, pair.pinRoot.toString(),
                launcher.toString(), "run", "--source", "file:" + config, "--node", "lab", "--state-dir", state.toString(),
                "--interval", "10m", "--admin", "127.0.0.1:" + ADMIN_PORT));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("XDPRECON_JAVA_OPTS", javaOptions);
        return builder.start();
    }

    /** One datagram from each client address:port, {@code rate} a second; client i is service i % 2's. */
    private static void send(DpdkPair pair, List<String> clients, int sessions, int rate) {
        NetNs.run(pair.peerNs, () -> {
            ByteBuffer payload = ByteBuffer.wrap("first".getBytes(StandardCharsets.US_ASCII));
            List<InetAddress> from = new ArrayList<>();
            for (String c : clients) {
                from.add(InetAddress.getByName(c));
            }
            InetAddress vip = InetAddress.getByName(DpdkPair.LOCAL_IP);
            long start = System.nanoTime();
            for (int i = 0; i < sessions; i++) {
                int service = i % 2;
                try (DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET)) {
                    channel.bind(new InetSocketAddress(from.get(service), FIRST_CLIENT_PORT + i / 2));
                    channel.send(payload.rewind(), new InetSocketAddress(vip, FIRST_LISTEN_PORT + service));
                }
                long due = start + (long) ((i + 1) * 1e9 / rate);
                long early = due - System.nanoTime();
                if (early > 1_000_000) {
                    Thread.sleep(early / 1_000_000); // the pace of the clients, not a synchronisation
                }
            }
        });
    }

    /** Waits until the live sessions stop growing (the loop has taken what reached it); returns how many. */
    private static double settled(Process daemon, DpdkPair pair, Path log) throws InterruptedException {
        double last = -1;
        int still = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            double now = metric(daemon, pair, log, "xdprecon_sessions");
            still = now == last ? still + 1 : 0;
            if (still >= 3) {
                return now;
            }
            last = now;
            Thread.sleep(300); // the loop has nothing to wait on for "no more sessions": polled
        }
        return last;
    }

    private static void awaitMetric(Process daemon, DpdkPair pair, Path log, String name,
            java.util.function.DoublePredicate ready, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (ready.test(metric(daemon, pair, log, name))) {
                    return;
                }
            } catch (IllegalStateException | UncheckedIOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no ready " + name + " within " + timeout + ":\n" + tail(log));
            }
            Thread.sleep(200);
        }
    }

    private static double metric(Process daemon, DpdkPair pair, Path log, String name) {
        if (!daemon.isAlive()) {
            throw new IllegalStateException("the daemon exited " + daemon.exitValue() + ":\n" + tail(log));
        }
        String body = get(pair.dpdkNs, "/metrics");
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in /metrics");
        }
        return Double.parseDouble(m.group(1));
    }

    private static String get(String ns, String path) {
        return NetNs.call(ns, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ADMIN_PORT), 1000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    private static void awaitLog(Process daemon, Path log, String text, Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no '" + text + "' from the daemon:\n" + tail(log));
            }
            Thread.sleep(200);
        }
    }

    /** VmRSS and VmHWM of {@code process}, in kB. */
    static Map<String, Long> status(Process process) throws IOException {
        Map<String, Long> kb = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            for (String key : List.of("VmRSS", "VmHWM")) {
                if (line.startsWith(key + ":")) {
                    kb.put(key, Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        }
        return kb;
    }

    /** The mappings of {@code pid} with 16 MB or more resident: size, resident, name (anonymous: "[anon]"). */
    static List<String> bigMappings(long pid) throws IOException {
        List<String> big = new ArrayList<>();
        String header = null;
        long sizeKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            if (MAPPING.matcher(line).lookingAt()) {
                header = line;
            } else if (line.startsWith("Size:")) {
                sizeKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("Rss:") && header != null) {
                long rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                if (rss >= 16 * 1024) {
                    String[] fields = header.trim().split("\\s+", 6);
                    big.add("%d MB mapped, %d MB resident: %s".formatted(sizeKb / 1024, rss / 1024,
                            fields.length > 5 ? fields[5] : "[anon]"));
                }
            }
        }
        return big;
    }

    private static String tail(Path log) {
        try {
            String all = Files.exists(log) ? Files.readString(log) : "";
            return all.length() > 4000 ? "..." + all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
