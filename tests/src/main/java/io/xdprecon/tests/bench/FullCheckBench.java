package io.xdprecon.tests.bench;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import io.xdprecon.state.DesiredRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

/**
 * What reads the whole live map costs at fleet scale, each build through its launcher with its unit's JVM options, in
 * a lab: (1) {@code xdprecon plan} and {@code apply} of a one-flow edit on a node in {@code datapath.mode: dpdk} whose
 * map of {@value #MAX_RULES} holds a config's FLOWS flows and {@code sessions} sessions' rules (both read the whole map:
 * the full plan, then apply's staleness check); (2) the daemon applying an edit of every flow in the same revision as a
 * resize of its map (a plan that migrates the datapath gets apply's full staleness check, and the migration leaves the
 * deleted rules behind): from the file replaced until the apply is reported. Wall time, CPU (the daemon's), and peak
 * RSS (the CLI's by {@code /usr/bin/time}, the daemon's VmHWM); a failure says why (OOM).
 */
public final class FullCheckBench {
    /** The map the dpdk node holds, the size the product claims room for. */
    public static final int MAX_RULES = 1_048_576;
    /** The daemon's map after the resize: room for every flow's rules moved (make before break). */
    static final int RESIZED = 786_432;
    private static final long SEED = 9;
    private static final Duration TIMEOUT = Duration.ofMinutes(6);

    private FullCheckBench() {}

    /** One command's result: exit code, output (stdout and stderr), wall seconds and peak RSS (-1 when not measured). */
    public record Run(int exit, String output, double seconds, long peakKb) {
        String cell() {
            if (output.contains("OutOfMemoryError")) {
                return "OOM";
            }
            return exit != 0 ? "exit " + exit : "%.2f".formatted(seconds);
        }
    }

    /** The fleet file of {@code flows} flows in {@code variantOf(i)}, in dpdk mode with a map of {@link #MAX_RULES}. */
    public static void writeDpdkFile(Path file, int flows, IntUnaryOperator variantOf) throws IOException {
        writeDpdkFile(file, flows, MAX_RULES, variantOf);
    }

    /** {@link #writeDpdkFile(Path, int, IntUnaryOperator)} with a map of {@code maxRules}. */
    public static void writeDpdkFile(Path file, int flows, int maxRules, IntUnaryOperator variantOf) throws IOException {
        FleetConfigs.writeFile(file, flows, maxRules, FleetConfigs.Keys.RANDOM, SEED, variantOf);
        Files.writeString(file, Files.readString(file).replace("mode: xdp, attachMode: native", "mode: dpdk"));
    }

    /**
     * New maps of {@link #MAX_RULES} pinned in place of the lab's (a dpdk node: DPDK's PMD runs the program, none of
     * ours is attached to them), filled as an apply of {@code file} left them (every rule, the local IP), beside
     * {@code sessions} rules of clients a DPDK loop took (10.64.0.0/10, to the lab's server). The lab unpins them.
     */
    public static void fillDpdkNode(Lab lab, Path file, int sessions) throws IOException {
        fillDpdkNode(lab, file, MAX_RULES, sessions);
    }

    /** {@link #fillDpdkNode(Lab, Path, int)} with maps of {@code maxRules}. */
    public static void fillDpdkNode(Lab lab, Path file, int maxRules, int sessions) throws IOException {
        Map<String, Integer> devices = devices(lab);
        Datapath.unpin(lab.pinRoot());
        try (Datapath datapath = Datapath.load(lab.pinRoot(), maxRules)) {
            Map<FlowKey, DesiredRule> applied = ConfigLoader.load(file).forNode("lab", InterfaceResolver.of(devices)).rules();
            datapath.rules().putAll(applied.entrySet(), Map.Entry::getKey, e -> e.getValue().rule());
            datapath.localIps().add(Ipv4.parse(Lab.VIP));
            addSessions(lab, datapath, sessions);
        }
    }

    /**
     * Writes {@code sessions} rules as a DPDK loop takes clients (10.64.0.0/10, to the lab's server), session-owned, into
     * the lab's pinned maps: what another writer does beside the config's.
     */
    public static void addSessions(Lab lab, Datapath datapath, int sessions) {
        Map<String, Integer> devices = devices(lab);
        int vip = Ipv4.parse(Lab.VIP);
        int server = Ipv4.parse(Lab.SERVER_IP);
        datapath.rules().putAll(IntStream.range(0, sessions).boxed().toList(),
                i -> new FlowKey(devices.get("pc"), 0x0a400000 + (i >>> 4), vip, 1024 + (i & 15), 40000),
                i -> new FlowRule(new FlowKey(devices.get("ps"), vip, server, 40000 + (i & 0x3fff), 5004), Owner.SESSION));
    }

    public static Map<String, Integer> devices(Lab lab) {
        return Map.of("pc", lab.pc().ifindex(), "ps", lab.ps().ifindex());
    }

    /**
     * {@code LAUNCHER ARGS --node lab --pin-root LAB} started in the lab's proxy namespace (by this thread's namespace,
     * not {@code ip netns exec}, which mounts another /sys without the bpffs), with {@code javaOptions}, under
     * {@code /usr/bin/time} for its peak RSS.
     */
    public static Run cli(Lab lab, Path launcher, String javaOptions, String... args) throws Exception {
        Path peak = Files.createTempFile("xdprecon-cli-peak", ".txt");
        try {
            List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-o", peak.toString(), "-f", "%M",
                    launcher.toString()));
            command.addAll(List.of(args));
            command.addAll(List.of("--node", "lab", "--pin-root", lab.pinRoot().toString()));
            long start = System.nanoTime();
            Process process = NetNs.call(lab.proxyNs(), () -> {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                builder.environment().put("XDPRECON_JAVA_OPTS", javaOptions);
                return builder.start();
            });
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + TIMEOUT);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String[] lines = Files.readString(peak).strip().split("\n");
            long peakKb = lines[lines.length - 1].strip().matches("\\d+") ? Long.parseLong(lines[lines.length - 1].strip()) : -1;
            return new Run(process.exitValue(), output.join(), seconds, peakKb);
        } finally {
            Files.deleteIfExists(peak);
        }
    }

    /** The CLI on the dpdk node: plan, then apply, of one flow edited among {@code flows}. */
    private static List<Run> cliOnAFullNode(ScaleBench.Build build, int flows, int sessions, Path work) throws Exception {
        Path file = work.resolve("dpdk-flows.yaml");
        writeDpdkFile(file, flows, i -> 0);
        try (Lab lab = Lab.start()) {
            fillDpdkNode(lab, file, sessions);
            int edited = flows / 3;
            writeDpdkFile(file, flows, i -> i == edited ? 1 : 0);
            Run plan = cli(lab, build.launcher(), build.javaOptions(), "plan", "-c", file.toString());
            Run apply = cli(lab, build.launcher(), build.javaOptions(), "apply", "-c", file.toString());
            return List.of(plan, apply);
        }
    }

    /** The daemon: cold start of {@code flows} flows, then every flow edited with the map resized to {@link #RESIZED}. */
    private static Run everyFlowWithAResize(ScaleBench.Build build, int flows, Path work) throws Exception {
        Path file = work.resolve("flows.yaml");
        FleetConfigs.writeFile(file, flows, MAX_RULES, FleetConfigs.Keys.RANDOM, SEED, i -> 0);
        try (Lab lab = Lab.start();
                DaemonUnderTest daemon = DaemonUnderTest.start(lab, build.launcher(), build.javaOptions(), "file:" + file,
                        Files.createDirectories(work.resolve("state")), work.resolve("daemon.log"), List.of())) {
            daemon.await("every rule applied", TIMEOUT, Duration.ofMillis(50),
                    () -> daemon.count("applied revision") == 1 || stopped(daemon));
            if (stopped(daemon)) {
                return new Run(1, daemon.log(), -1, -1);
            }
            long cpuBefore = daemon.cpuMillis();
            FleetConfigs.writeFile(file, flows, RESIZED, FleetConfigs.Keys.RANDOM, SEED, i -> 1);
            long saved = System.nanoTime();
            long at = daemon.await("every flow's edit with the resize applied", TIMEOUT, Duration.ofMillis(50),
                    () -> daemon.count("applied revision") == 2 || stopped(daemon));
            long peakKb = daemon.process().isAlive() ? daemon.memory().getOrDefault("VmHWM", -1L) : -1;
            if (stopped(daemon)) {
                return new Run(1, daemon.log(), (at - saved) / 1e9, peakKb);
            }
            System.err.printf("  daemon CPU for the edit: %d ms%n", daemon.cpuMillis() - cpuBefore);
            return new Run(0, "cpu " + (daemon.cpuMillis() - cpuBefore), (at - saved) / 1e9, peakKb);
        }
    }

    private static boolean stopped(DaemonUnderTest daemon) {
        return !daemon.process().isAlive() || daemon.log().contains("OutOfMemoryError");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: FullCheckBench FLOWS SESSIONS NAME=CHECKOUT ...");
            System.exit(2);
        }
        int flows = Integer.parseInt(args[0]);
        int sessions = Integer.parseInt(args[1]);
        List<ScaleBench.Build> builds = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] nameAndCheckout = args[i].split("=", 2);
            Path checkout = Path.of(nameAndCheckout[1]).toAbsolutePath().normalize();
            builds.add(ScaleBench.Build.asItsUnitRunsIt(nameAndCheckout[0], checkout));
        }
        ScaleBench.warm(builds);
        String loadBefore = ScaleBench.load();
        Path work = Files.createTempDirectory("xdprecon-fullcheck-bench");
        List<String> rows = new ArrayList<>();
        try {
            for (ScaleBench.Build build : builds) {
                System.err.printf("%s: CLI on a dpdk node (%s)%n", build.name(), ScaleBench.load());
                List<Run> cli = cliOnAFullNode(build, flows, sessions, Files.createDirectories(work.resolve(build.name() + "-cli")));
                System.err.printf("%s: daemon, every flow edited with a resize (%s)%n", build.name(), ScaleBench.load());
                Run every = everyFlowWithAResize(build, flows, Files.createDirectories(work.resolve(build.name() + "-daemon")));
                rows.add("| %-8s | %10s | %10s | %10s | %10s | %15s | %15s | %15s |".formatted(build.name(),
                        cli.get(0).cell(), mb(cli.get(0).peakKb()), cli.get(1).cell(), mb(cli.get(1).peakKb()),
                        every.cell(), every.exit() == 0 ? every.output().substring(4) : "-", mb(every.peakKb())));
            }
        } finally {
            Lab.deleteRecursively(work);
        }
        System.out.printf("%nWhole-map reads at %,d flows, each build's launcher and unit options; %s before, %s after%n"
                + "  CLI: dpdk node, map of %,d holding the config's rules and %,d sessions' rules; one flow edited: plan,"
                + " then apply (s wall, peak RSS MB by /usr/bin/time)%n"
                + "  daemon: every flow's server port moved in the same revision as a resize of the map %,d -> %,d: from"
                + " the file replaced until the apply is reported (s wall, daemon CPU ms, VmHWM MB since its start)%n",
                flows, loadBefore, ScaleBench.load(), MAX_RULES, sessions, MAX_RULES, RESIZED);
        for (ScaleBench.Build build : builds) {
            System.out.printf("  %s: %s, XDPRECON_JAVA_OPTS=%s%n", build.name(), build.checkout(), build.javaOptions());
        }
        System.out.printf("| %-8s | %10s | %10s | %10s | %10s | %15s | %15s | %15s |%n", "build", "plan s", "plan MB",
                "apply s", "apply MB", "every+resize s", "every CPU ms", "every peak MB");
        System.out.println("|----------|------------|------------|------------|------------|-----------------|"
                + "-----------------|-----------------|");
        rows.forEach(System.out::println);
    }

    private static String mb(long kb) {
        return kb < 0 ? "-" : Long.toString(kb / 1024);
    }
}
