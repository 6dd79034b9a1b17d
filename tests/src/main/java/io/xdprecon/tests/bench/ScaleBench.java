package io.xdprecon.tests.bench;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.daemon.admin.AdminServer;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.transport.RefSpec;

/**
 * The control plane at fleet scale as a user meets it: {@code xdprecon validate} of a generated config, and
 * {@code xdprecon run} — cold start (empty maps) until every rule is in the kernel's map, then a one-flow edit until
 * the edited rule is, then (one file, file source) an edit of every flow until the daemon reports it applied — each
 * build through its launcher with the JVM options its shipped unit gives it
 * ({@code XDPRECON_JAVA_OPTS} of its systemd/xdprecon.env), side by side for several builds (this checkout and a
 * baseline checkout), at several sizes, with two sources:
 * <ul>
 *   <li>{@code file}: the daemon watches a file (or directory); an edit replaces the file that holds the flow, as
 *       editors and config tools do, and is timed from the replacement;</li>
 *   <li>{@code git}: the daemon follows a branch of a real bare repository the bench creates, served by
 *       {@code git daemon} ({@code git://}) in the lab's proxy namespace, as a Git host serves it: the server's pack
 *       writing is its own process, not the daemon's CPU (over {@code file://} JGit runs upload-pack inside the
 *       daemon's JVM; {@code -Dxdprecon.bench.gitProtocol=file} measures that); an edit is a commit in a working
 *       clone, timed from the start of its push, then the signed webhook a Git host would POST to the daemon's admin
 *       endpoint (the poll interval is 10 minutes, so only the webhook wakes it). The cold start includes the
 *       daemon's clone.</li>
 * </ul>
 * Each build runs in a lab of its own (namespaces and a pin root) whose datapath is the build's own layout: this
 * build's, or the frozen copy of an older one ({@code bpf/legacy}, object {@code xdp_fwd_layoutN}) for a baseline of
 * that layout — a daemon refuses another build's newer pins as a downgrade. The effect is read from the pinned rules
 * map, not from the daemon's log (a layout's rule starts with the same rewrite and owner in every layout).
 *
 * <p>Usage: {@code ScaleBench FLOWS[,FLOWS...] KEYS NAME=CHECKOUT[@JAVA_OPTS] ...}; needs root. System properties:
 * {@code xdprecon.bench.files} (default 1) lists the layouts: 1 is one file, N a directory of a base file and N flow
 * files (a one-flow edit replaces the one file that holds the flow); {@code xdprecon.bench.sources} (default
 * {@code file}) lists the sources ({@code file}, {@code git}). KEYS is one of {@link FleetConfigs.Keys} (even, random,
 * one-client, one-server). A build without {@code @JAVA_OPTS} runs with its own unit's options.
 * {@code xdprecon.bench.threads=true} prints each daemon's CPU per thread at its cold start.
 */
public final class ScaleBench {
    private static final long SEED = 20261203;
    private static final int EDITS = 3;
    private static final Duration COLD_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration EDIT_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long after the last edit the daemon's memory is read: at rest. */
    private static final Duration REST = Duration.ofSeconds(15);
    /** The admin endpoint in the lab's proxy namespace (a namespace of the bench's own: the port is free). */
    private static final int ADMIN_PORT = 9477;
    /** Where {@code git daemon} listens in the lab's proxy namespace. */
    private static final int GIT_PORT = 9418;
    private static final String WEBHOOK_SECRET = "scale-bench-secret";
    /**
     * Deliveries closer than the daemon's webhook gap (2 s) are deferred to its end: a Git host's pushes are further
     * apart than that, so the bench spaces its own so that none is.
     */
    private static final Duration WEBHOOK_SPACING = Duration.ofMillis(2_100);
    /** The bytes of a rule every layout starts with the same way: the rewrite and the owner (the slot differs). */
    private static final int RULE_REWRITE_AND_OWNER = Abi.FLOW_KEY_SIZE + 4;

    /** A build to measure: its checkout (whose launcher is run), the JVM options it runs with, its maps' layout. */
    public record Build(String name, Path checkout, String javaOptions, int layout) {
        /** {@code checkout}'s build as the shipped unit runs it: with the JVM options of its systemd/xdprecon.env. */
        public static Build asItsUnitRunsIt(String name, Path checkout) throws IOException {
            return new Build(name, checkout, DaemonUnderTest.unitJavaOptions(checkout), layoutOf(checkout));
        }

        public Path launcher() {
            return checkout.resolve("xdprecon");
        }
    }

    /** Where the daemon reads its config from, and what the user does to edit it. */
    enum Source {
        FILE, GIT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One build at one size, layout and source. A stage that failed holds its reason, and the later ones are not run. */
    record Row(Build build, Source source, int flows, int files, Stage validate, Stage cold, Stage edit, double pushSeconds,
               long editCpuMs, long rssKb, long peakKb, long coldCpuMs, Stage every, long everyCpuMs, long everyPeakKb) {
        Row(Build build, Source source, int flows, int files, Stage validate, Stage cold, Stage edit, double pushSeconds,
                long editCpuMs, long rssKb, long peakKb, long coldCpuMs) {
            this(build, source, flows, files, validate, cold, edit, pushSeconds, editCpuMs, rssKb, peakKb, coldCpuMs,
                    Stage.failed("-"), -1, -1);
        }

        static Row failed(Build build, Source source, int flows, int files, Stage validate, Stage cold, Stage edit,
                long rssKb, long peakKb, long coldCpuMs) {
            return new Row(build, source, flows, files, validate, cold, edit, Double.NaN, -1, rssKb, peakKb, coldCpuMs);
        }

        /** This row with the every-flow edit measured after it. */
        Row withEvery(Stage stage, long cpuMs, long everyPeak) {
            return new Row(build, source, flows, files, validate, cold, edit, pushSeconds, editCpuMs, rssKb, peakKb,
                    coldCpuMs, stage, cpuMs, everyPeak);
        }
    }

    /** Seconds, or why there are none (OOM, died, timeout). */
    record Stage(double seconds, String failure, long peakKb) {
        static Stage failed(String why) {
            return new Stage(Double.NaN, why, -1);
        }

        String cell() {
            return failure != null ? failure : "%.2f".formatted(seconds);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ScaleBench FLOWS[,FLOWS...] KEYS NAME=CHECKOUT[@JAVA_OPTS] ...");
            System.exit(2);
        }
        List<Integer> sizes = Arrays.stream(args[0].split(",")).map(String::trim).map(Integer::parseInt).toList();
        FleetConfigs.Keys keys = FleetConfigs.Keys.valueOf(args[1].toUpperCase(Locale.ROOT).replace('-', '_'));
        List<Integer> layouts = Arrays.stream(System.getProperty("xdprecon.bench.files", "1").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        List<Source> sources = Arrays.stream(System.getProperty("xdprecon.bench.sources", "file").split(","))
                .map(String::trim).map(s -> Source.valueOf(s.toUpperCase(Locale.ROOT))).toList();
        List<Build> builds = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] nameAndRest = args[i].split("=", 2);
            String[] checkoutAndOptions = nameAndRest[1].split("@", 2);
            Path checkout = Path.of(checkoutAndOptions[0]).toAbsolutePath().normalize();
            String options = checkoutAndOptions.length > 1 ? checkoutAndOptions[1] : DaemonUnderTest.unitJavaOptions(checkout);
            builds.add(new Build(nameAndRest[0], checkout, options, layoutOf(checkout)));
        }
        warm(builds);
        String loadBefore = load();
        List<Row> rows = new ArrayList<>();
        Path work = Files.createTempDirectory("xdprecon-scale-bench");
        try {
            for (int flows : sizes) {
                for (int files : layouts) {
                    Map<Build, Stage> validated = new HashMap<>();
                    for (Source source : sources) {
                        for (Build build : builds) {
                            Path root = Files.createDirectories(work.resolve("run-" + rows.size()));
                            try {
                                Layout layout = new Layout(root.resolve("config"), flows, files, keys, maxRules(flows));
                                System.err.printf("%,d flows (%s keys), %s source, %s: %s (%s)%n", flows, keys.label(),
                                        source.label(), build.name(), layout.describe(), load());
                                Row row = measure(build, layout, source, validated, root);
                                rows.add(row);
                                System.err.println(row);
                            } finally {
                                Lab.deleteRecursively(root);
                            }
                        }
                    }
                }
            }
            if (!Boolean.getBoolean("xdprecon.bench.noscan")) {
                Path file = work.resolve("flows.yaml");
                FleetConfigs.writeFile(file, sizes.getLast(), keys, SEED);
                io.xdprecon.config.YamlScanBench.print(file, 5);
            }
        } finally {
            Lab.deleteRecursively(work);
        }
        print(rows, builds, keys, loadBefore, load());
    }

    /** The launcher makes its AOT cache on first use (an installed package ships one): not in a measurement. */
    static void warm(List<Build> builds) throws IOException, InterruptedException {
        for (Build build : builds) {
            Process warm = new ProcessBuilder(build.launcher().toString(), "validate",
                    build.checkout().resolve("examples/flows.yaml").toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (warm.waitFor() != 0) {
                throw new IllegalStateException(build.launcher() + " validate examples/flows.yaml failed");
            }
        }
    }

    /** {@code XDPRECON_ABI_VERSION} of a checkout's datapath header: the layout of the maps its daemon pins. */
    static int layoutOf(Path checkout) throws IOException {
        Matcher m = Pattern.compile("#define XDPRECON_ABI_VERSION (\\d+)").matcher(Files.readString(checkout.resolve("bpf/xdprecon.h")));
        if (!m.find()) {
            throw new IllegalStateException(checkout + "/bpf/xdprecon.h defines no XDPRECON_ABI_VERSION");
        }
        return Integer.parseInt(m.group(1));
    }

    /** A lab whose datapath is {@code build}'s layout: this build's object, or the frozen copy of an older layout. */
    private static Lab labFor(Build build) {
        if (build.layout() == Abi.VERSION) {
            return Lab.start();
        }
        if (build.layout() > Abi.VERSION) {
            throw new IllegalArgumentException(build.name() + " pins layout " + build.layout() + ", newer than this build's "
                    + Abi.VERSION + ": run the bench from the newest checkout");
        }
        return Lab.startWith("xdp_fwd_layout" + build.layout());
    }

    /**
     * The rules map of a config of {@code flows}: {@code xdprecon.bench.maxRules} when larger than the loader's default
     * ({@link FleetConfigs#maxRules}) — an edit of every flow moves every flow's reverse rule, and make before break
     * needs room for one new rule per flow beside the old ones.
     */
    static int maxRules(int flows) {
        return Math.max(Integer.getInteger("xdprecon.bench.maxRules", 0), FleetConfigs.maxRules(flows));
    }

    /**
     * The config: one file, or a directory of a base file and {@code files} flow files (flow i in file i % files); one
     * file declares a map of {@code maxRules} (a directory the default).
     */
    record Layout(Path root, int flows, int files, FleetConfigs.Keys keys, int maxRules) {
        /** The path inside {@link #root()}: what {@code --git-path} names. */
        String relative() {
            return files == 1 ? "flows.yaml" : "fleet";
        }

        Path path() {
            return root.resolve(relative());
        }

        void write() throws IOException {
            Files.createDirectories(root);
            if (files == 1) {
                FleetConfigs.writeFile(path(), flows, maxRules, keys, SEED, i -> 0);
            } else {
                FleetConfigs.writeDirectory(path(), flows, files, keys, SEED);
            }
        }

        /** Flow {@code flow} in {@code variant}, the file (or the directory's one file that holds it) replaced. */
        void edit(int flow, int variant) {
            if (files == 1) {
                FleetConfigs.writeFile(path(), flows, maxRules, keys, SEED, i -> i == flow ? variant : 0);
            } else {
                FleetConfigs.editDirectory(path(), flows, files, keys, SEED, flow, variant);
            }
        }

        String describe() {
            try {
                return files == 1 ? "one file, %,d bytes".formatted(Files.size(path()))
                        : "%d flow files and a base file".formatted(files);
            } catch (IOException e) {
                return files == 1 ? "one file" : files + " flow files and a base file";
            }
        }
    }

    /**
     * A bare repository on branch {@code main} and a working clone of it, as an operator's machine and a Git host
     * hold them; the daemon clones the bare one over {@code file://}.
     */
    static final class ConfigRepository implements AutoCloseable {
        final Path bare;
        final Git clone;
        private Process server;

        ConfigRepository(Path dir) throws GitAPIException {
            bare = dir.resolve("flows.git");
            Git.init().setBare(true).setInitialBranch("main").setDirectory(bare.toFile()).call().close();
            clone = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(dir.resolve("clone").toFile()).call();
        }

        Path tree() {
            return clone.getRepository().getWorkTree().toPath();
        }

        /** Stages every change in the tree and commits it; returns the commit id. */
        String commit(String message) throws GitAPIException {
            clone.add().addFilepattern(".").call();
            return clone.commit().setMessage(message).setAuthor("bench", "bench@xdprecon.invalid")
                    .setCommitter("bench", "bench@xdprecon.invalid").call().getName();
        }

        /**
         * Makes {@code state} an empty mirror of the bare repository, as the daemon's first start does: its first fetch
         * then brings every object, as a clone does. Builds before 9533cd0 refuse a fresh state directory once their
         * admin endpoint has written its token there; made for every build alike, the cold starts compare.
         */
        void emptyMirror(Path state, String url) throws GitAPIException, IOException {
            try (Git mirror = Git.init().setBare(true).setDirectory(state.toFile()).setInitialBranch("xdprecon-unused").call()) {
                org.eclipse.jgit.lib.StoredConfig config = mirror.getRepository().getConfig();
                config.setString("remote", "origin", "url", url);
                config.setBoolean("gc", null, "autoDetach", false);
                config.save();
            }
        }

        void push() throws GitAPIException {
            clone.push().setRemote("origin").setRefSpecs(new RefSpec("HEAD:refs/heads/main")).call();
        }

        /**
         * The URL the daemon fetches from: {@code git daemon} serving the bare repository in the lab's proxy namespace
         * (the daemon's), or with {@code -Dxdprecon.bench.gitProtocol=file} the bare repository itself.
         */
        String serve(Lab lab) {
            if ("file".equals(System.getProperty("xdprecon.bench.gitProtocol", "git"))) {
                return bare.toUri().toString();
            }
            List<String> command = List.of("git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                    "--port=" + GIT_PORT, "--base-path=" + bare.getParent(), bare.getParent().toString());
            server = NetNs.call(lab.proxyNs(), () -> new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(bare.resolveSibling("git-daemon.log").toFile()).start());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!NetNs.call(lab.proxyNs(), () -> listening(GIT_PORT))) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("git daemon does not listen on port " + GIT_PORT);
                }
                Thread.onSpinWait(); // awaiting the port: there is nothing to wait on
            }
            return "git://127.0.0.1:" + GIT_PORT + "/" + bare.getFileName();
        }

        private static boolean listening(int port) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            if (server != null) {
                server.destroy();
                try {
                    server.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            clone.close();
        }
    }

    private static Row measure(Build build, Layout layout, Source source, Map<Build, Stage> validated, Path root) throws Exception {
        int flows = layout.flows();
        int files = layout.files();
        FleetConfigs.Keys keys = layout.keys();
        ConfigRepository repository = source == Source.GIT ? new ConfigRepository(root.resolve("git")) : null;
        try (AutoCloseable closeRepository = repository != null ? repository : () -> { }) {
            Layout config = repository != null ? new Layout(repository.tree(), flows, files, keys, layout.maxRules()) : layout;
            config.write();
            String sourceArgument = "file:" + config.path();
            List<String> extra = List.of();
            if (repository != null) {
                repository.commit("%,d flows".formatted(flows));
                repository.push();
                Path secret = root.resolve("webhook.secret");
                Files.writeString(secret, WEBHOOK_SECRET + "\n");
                extra = List.of("--ref", "main", "--git-path", config.relative(), "--admin", "127.0.0.1:" + ADMIN_PORT,
                        "--webhook-secret-file", secret.toString());
            }
            Stage validate = validated.containsKey(build) ? Stage.failed("-") : validate(build, config.path(), root);
            validated.putIfAbsent(build, validate);
            try (Lab lab = labFor(build)) {
                PinnedRules rules = new PinnedRules(lab.pinRoot().resolve(Datapath.RULES_MAP));
                Path state = Files.createDirectories(root.resolve("state"));
                if (repository != null) {
                    String url = repository.serve(lab);
                    repository.emptyMirror(state, url);
                    sourceArgument = "git:" + url;
                }
                Path log = root.resolve("daemon.log");
                Map<String, Integer> devices = Map.of("pc", lab.pc().ifindex(), "ps", lab.ps().ifindex());
                Map<FlowKey, FlowRule> sample = new HashMap<>();
                for (int flow : new int[] {0, flows / 2, flows - 1}) {
                    sample.putAll(rulesOf(root, flow, keys, 0, devices));
                }
                int edited = flows / 3;
                try (DaemonUnderTest daemon = DaemonUnderTest.start(lab, build.launcher(), build.javaOptions(),
                        sourceArgument, state, log, extra)) {
                    Stage cold;
                    try {
                        long at = daemon.await("every rule applied", COLD_TIMEOUT, POLL,
                                () -> rules.holds(sample) && rules.countEntries() >= 2 * flows || stopped(daemon));
                        if (!rules.holds(sample)) {
                            return Row.failed(build, source, flows, files, validate, Stage.failed(failure(daemon)),
                                    Stage.failed("-"), -1, -1, -1);
                        }
                        cold = new Stage((at - daemon.startedNanos()) / 1e9, null, -1);
                    } catch (IllegalStateException e) {
                        return Row.failed(build, source, flows, files, validate, Stage.failed(failure(daemon)),
                                Stage.failed("-"), -1, -1, -1);
                    }
                    long coldCpu = daemon.cpuMillis();
                    if (Boolean.getBoolean("xdprecon.bench.threads")) {
                        System.err.printf("%s, %s, %d files: CPU ms by thread at the cold start: %s%n", build.name(),
                                source.label(), files, daemon.threadCpuMillis());
                    }
                    // The apply is done once the daemon says so: only then is an edit a new revision after it.
                    daemon.await("the apply reported", Duration.ofMinutes(1), POLL, () -> daemon.count("applied revision") >= 1);
                    if (Boolean.getBoolean("xdprecon.bench.threads")) {
                        System.err.printf("%s, %s, %d files: the daemon's log to its first apply:%n%s%n", build.name(),
                                source.label(), files, daemon.log().lines().takeWhile(line -> !line.contains("applied revision"))
                                        .collect(java.util.stream.Collectors.joining("\n")) + "\n" + daemon.log().lines()
                                        .filter(line -> line.contains("applied revision")).findFirst().orElse(""));
                    }
                    double[] edits = new double[EDITS];
                    double[] pushes = new double[EDITS];
                    double[] cpu = new double[EDITS];
                    long lastWebhook = System.nanoTime();
                    for (int e = 0; e < EDITS; e++) {
                        Map<FlowKey, FlowRule> wanted = rulesOf(root, edited, keys, e + 1, devices);
                        int appliedBefore = daemon.count("applied revision");
                        long cpuBefore = daemon.cpuMillis();
                        config.edit(edited, e + 1);
                        long saved;
                        if (repository != null) {
                            String commit = repository.commit("flow %d, variant %d".formatted(edited, e + 1));
                            long spaced = lastWebhook + WEBHOOK_SPACING.toNanos() - System.nanoTime();
                            if (spaced > 0) {
                                Thread.sleep(spaced / 1_000_000 + 1); // the user's pace, not a synchronisation
                            }
                            saved = System.nanoTime();
                            repository.push();
                            pushes[e] = (System.nanoTime() - saved) / 1e9;
                            int status = webhook(lab, commit);
                            lastWebhook = System.nanoTime();
                            if (status != 202) {
                                throw new IllegalStateException("the webhook was answered " + status + ":\n" + daemon.tail());
                            }
                        } else {
                            saved = System.nanoTime();
                        }
                        try {
                            long at = daemon.await("the edit applied", EDIT_TIMEOUT, POLL,
                                    () -> rules.holds(wanted) || stopped(daemon));
                            if (!rules.holds(wanted)) {
                                throw new IllegalStateException("out of memory");
                            }
                            edits[e] = (at - saved) / 1e9;
                            daemon.await("the apply reported", Duration.ofMinutes(1), POLL,
                                    () -> daemon.count("applied revision") > appliedBefore);
                            cpu[e] = daemon.cpuMillis() - cpuBefore;
                        } catch (IllegalStateException failed) {
                            Map<String, Long> memory = daemon.process().isAlive() ? daemon.memory() : Map.of();
                            return Row.failed(build, source, flows, files, validate, cold, Stage.failed(failure(daemon)),
                                    memory.getOrDefault("VmRSS", -1L), memory.getOrDefault("VmHWM", -1L), coldCpu);
                        }
                    }
                    double push = repository != null ? median(pushes) : Double.NaN;
                    // The daemon at rest, as it spends most of its life: past the unit's idle collection (every 5 s when idle).
                    Thread.sleep(REST.toMillis());
                    Map<String, Long> memory = daemon.memory();
                    Row rested = new Row(build, source, flows, files, validate, cold, new Stage(median(edits), null, -1), push,
                            (long) median(cpu), memory.get("VmRSS"), memory.get("VmHWM"), coldCpu);
                    return files == 1 && source == Source.FILE ? everyFlowEdit(rested, daemon, config, rules, root, devices)
                            : rested;
                }
            }
        }
    }

    /**
     * A revision that edits every flow (each flow's server port moves: every forward rule changes, every reverse rule
     * moves to another key), the file replaced: timed until the daemon reports the apply, the map then holding the
     * sampled flows' new rules and no more rules than before; with the daemon's CPU and its peak RSS since it started.
     */
    private static Row everyFlowEdit(Row rested, DaemonUnderTest daemon, Layout config, PinnedRules rules, Path root,
            Map<String, Integer> devices) throws IOException {
        int flows = config.flows();
        if (3L * flows > config.maxRules()) {
            return rested.withEvery(Stage.failed("no room"), -1, -1); // set xdprecon.bench.maxRules (MAX_RULES)
        }
        int variant = EDITS + 1;
        Map<FlowKey, FlowRule> wanted = new HashMap<>();
        for (int flow : new int[] {0, flows / 2, flows - 1}) {
            wanted.putAll(rulesOf(root, flow, config.keys(), variant, devices));
        }
        int appliedBefore = daemon.count("applied revision");
        long cpuBefore = daemon.cpuMillis();
        FleetConfigs.writeFile(config.path(), flows, config.maxRules(), config.keys(), SEED, i -> variant);
        long saved = System.nanoTime();
        try {
            long at = daemon.await("every flow's edit applied", COLD_TIMEOUT, POLL,
                    () -> daemon.count("applied revision") > appliedBefore || stopped(daemon));
            if (!rules.holds(wanted) || rules.countEntries() != 2 * flows) {
                return rested.withEvery(Stage.failed(failure(daemon)), -1, peak(daemon));
            }
            return rested.withEvery(new Stage((at - saved) / 1e9, null, -1), daemon.cpuMillis() - cpuBefore, peak(daemon));
        } catch (IllegalStateException failed) {
            return rested.withEvery(Stage.failed(failure(daemon)), -1, peak(daemon));
        }
    }

    private static long peak(DaemonUnderTest daemon) {
        return daemon.process().isAlive() ? daemon.memory().getOrDefault("VmHWM", -1L) : -1;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static int deliveries;

    /**
     * The push event a Git host POSTs, signed with the daemon's secret, sent to its admin endpoint in the lab's proxy
     * namespace; returns the HTTP status. Each delivery's body differs (the daemon drops a replayed body).
     */
    private static int webhook(Lab lab, String commit) {
        byte[] body = ("{\"ref\":\"refs/heads/main\",\"after\":\"" + commit + "\",\"delivery\":" + ++deliveries + "}")
                .getBytes(StandardCharsets.UTF_8);
        String head = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:" + ADMIN_PORT + "\r\nContent-Type: application/json\r\n"
                + AdminServer.SIGNATURE_HEADER + ": " + AdminServer.sign(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), body)
                + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        return NetNs.call(lab.proxyNs(), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ADMIN_PORT), 5_000);
                s.setSoTimeout(30_000);
                s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                Matcher status = Pattern.compile("^HTTP/1\\.[01] (\\d{3})").matcher(answer);
                if (!status.find()) {
                    throw new IllegalStateException("no HTTP status from the webhook: " + answer);
                }
                return Integer.parseInt(status.group(1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** {@code xdprecon validate FILE} in a new JVM with the build's options: wall time and peak RSS. */
    private static Stage validate(Build build, Path file, Path work) throws IOException, InterruptedException {
        Path peak = work.resolve("validate-peak");
        Path output = work.resolve("validate-output");
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/time", "-o", peak.toString(), "-f", "%M",
                build.launcher().toString(), "validate", file.toString()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("XDPRECON_JAVA_OPTS", build.javaOptions());
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String[] lines = Files.readString(peak).strip().split("\n");
        long peakKb = Long.parseLong(lines[lines.length - 1].strip());
        if (exit != 0) {
            String out = Files.readString(output);
            return new Stage(seconds, out.contains("OutOfMemoryError") ? "OOM" : "exit " + exit, peakKb);
        }
        return new Stage(seconds, null, peakKb);
    }

    private static Map<FlowKey, FlowRule> rulesOf(Path work, int flow, FleetConfigs.Keys keys, int variant,
            Map<String, Integer> devices) throws IOException {
        return rulesOf(work, flow, keys, SEED, variant, devices);
    }

    /** The rules flow {@code flow} in {@code variant} gives, derived by the loader from a one-flow config. */
    public static Map<FlowKey, FlowRule> rulesOf(Path work, int flow, FleetConfigs.Keys keys, long seed, int variant,
            Map<String, Integer> devices) throws IOException {
        Path one = work.resolve("one-flow.yaml");
        Files.writeString(one, FleetConfigs.base(FleetConfigs.maxRules(1), true) + FleetConfigs.flow(flow, keys, seed, variant));
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        ConfigLoader.load(one).forNode("lab", InterfaceResolver.of(devices)).rules()
                .forEach((key, rule) -> rules.put(key, rule.rule()));
        return rules;
    }

    /**
     * The pinned rules map, opened at each look: a config whose {@code maxRules} differs from the lab's map has the
     * daemon migrate it onto a new one at its cold start, and a map opened before would be the old one.
     */
    record PinnedRules(Path pin) {
        /** Whether it holds every wanted rule: the same rewrite and owner, in any layout. */
        boolean holds(Map<FlowKey, FlowRule> wanted) {
            try (BpfMap rules = BpfMap.openPinned(pin)) {
                byte[] value = new byte[rules.valueSize()];
                for (Map.Entry<FlowKey, FlowRule> e : wanted.entrySet()) {
                    if (!rules.lookup(Abi.keyBytes(e.getKey()), value) || !Arrays.equals(value, 0, RULE_REWRITE_AND_OWNER,
                            Abi.ruleBytes(e.getValue(), 0), 0, RULE_REWRITE_AND_OWNER)) {
                        return false;
                    }
                }
                return true;
            }
        }

        int countEntries() {
            try (BpfMap rules = BpfMap.openPinned(pin)) {
                return rules.countEntries();
            }
        }
    }

    private static int polls;

    /**
     * Whether the daemon's log reports an OutOfMemoryError or a source it cannot read (an older build given a
     * directory of several files): read every 50th poll, the rest cost a map lookup.
     */
    private static boolean stopped(DaemonUnderTest daemon) {
        if (++polls % 50 != 0) {
            return false;
        }
        String log = daemon.log();
        return log.contains("OutOfMemoryError") || log.contains("cannot read ") || log.contains("a downgrade");
    }

    /** Why the daemon stopped short: an OOM, its death, or a timeout. */
    private static String failure(DaemonUnderTest daemon) {
        String log = daemon.log();
        System.err.println("the daemon's log ends:\n" + daemon.tail());
        if (log.contains("OutOfMemoryError")) {
            return "OOM";
        }
        if (log.contains("cannot read ") || log.contains("a downgrade")) {
            return "refused";
        }
        if (log.contains("applied revision")) {
            return "partial";
        }
        return daemon.process().isAlive() ? "timeout" : "died";
    }

    /** The load average as {@code uptime} shows it (1, 5, 15 minutes). */
    static String load() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "load " + fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "load ?";
        }
    }

    private static void print(List<Row> rows, List<Build> builds, FleetConfigs.Keys keys, String loadBefore, String loadAfter) {
        System.out.printf("%nxdprecon at fleet scale (%s keys): validate, and `run` — cold start until every rule is in the"
                + " map, one-flow edit until the edited rule is (median of %d; git: from the push, then the webhook; edit CPU:"
                + " the daemon's, until it reports the apply; load-proof where wall times are not; every edit: one file, file"
                + " source, every flow's server port moved, until the apply is reported, peak = VmHWM after it); each build"
                + " through its launcher, in a lab of its own layout; %s before, %s after%n", keys.label(), EDITS,
                loadBefore, loadAfter);
        for (Build build : builds) {
            System.out.printf("  %s: %s (layout %d), XDPRECON_JAVA_OPTS=%s%n", build.name(), build.checkout(), build.layout(),
                    build.javaOptions());
        }
        System.out.printf("| %-8s | %-6s | %7s | %5s | %11s | %9s | %12s | %10s | %6s | %11s | %10s | %9s | %10s | %12s | %12s |"
                + " %13s |%n", "build", "source", "flows", "files", "validate s", "valid. MB", "cold start s", "one edit s",
                "push s", "edit CPU ms", "daemon MB", "peak MB", "cold µs/fl", "every edit s", "every CPU ms", "every peak MB");
        System.out.println("|----------|--------|---------|-------|-------------|-----------|--------------|------------|--------|"
                + "-------------|------------|-----------|------------|--------------|--------------|---------------|");
        for (Row r : rows) {
            System.out.printf("| %-8s | %-6s | %7d | %5d | %11s | %9s | %12s | %10s | %6s | %11s | %10s | %9s | %10s | %12s |"
                    + " %12s | %13s |%n",
                    r.build().name(), r.source().label(), r.flows(), r.files(), r.validate().cell(), mb(r.validate().peakKb()),
                    r.cold().cell(), r.edit().cell(), Double.isNaN(r.pushSeconds()) ? "-" : "%.2f".formatted(r.pushSeconds()),
                    r.editCpuMs() < 0 ? "-" : Long.toString(r.editCpuMs()), mb(r.rssKb()), mb(r.peakKb()),
                    r.coldCpuMs() < 0 ? "-" : Long.toString(r.coldCpuMs() * 1000 / r.flows()), r.every().cell(),
                    r.everyCpuMs() < 0 ? "-" : Long.toString(r.everyCpuMs()), mb(r.everyPeakKb()));
        }
        if (builds.size() < 2) {
            return;
        }
        Build mine = builds.getFirst();
        System.out.printf("%nratios other build / %s (>1: %s is faster or smaller)%n", mine.name(), mine.name());
        System.out.printf("| %-8s | %-6s | %7s | %5s | %10s | %9s | %12s | %10s | %11s | %10s | %10s | %9s | %10s | %9s |"
                + " %10s |%n", "build", "source", "flows", "files", "validate", "valid. MB", "cold start", "one edit", "edit CPU",
                "cold CPU", "daemon MB", "peak MB", "every edit", "every CPU", "every peak");
        System.out.println("|----------|--------|---------|-------|------------|-----------|--------------|------------|-------------|"
                + "------------|------------|-----------|------------|-----------|------------|");
        for (Row r : rows) {
            if (r.build() == mine) {
                continue;
            }
            Row m = rows.stream().filter(x -> x.build() == mine && x.source() == r.source() && x.flows() == r.flows()
                    && x.files() == r.files()).findFirst().orElse(null);
            if (m == null) {
                continue;
            }
            System.out.printf("| %-8s | %-6s | %7d | %5d | %10s | %9s | %12s | %10s | %11s | %10s | %10s | %9s | %10s | %9s |"
                    + " %10s |%n",
                    r.build().name(), r.source().label(), r.flows(), r.files(), ratio(r.validate(), m.validate()),
                    ratio(r.validate().peakKb(), m.validate().peakKb()), ratio(r.cold(), m.cold()), ratio(r.edit(), m.edit()),
                    ratio(r.editCpuMs(), m.editCpuMs()), ratio(r.coldCpuMs(), m.coldCpuMs()), ratio(r.rssKb(), m.rssKb()),
                    ratio(r.peakKb(), m.peakKb()), ratio(r.every(), m.every()), ratio(r.everyCpuMs(), m.everyCpuMs()),
                    ratio(r.everyPeakKb(), m.everyPeakKb()));
        }
    }

    private static String ratio(Stage other, Stage mine) {
        if (other.failure() != null || mine.failure() != null) {
            return other.failure() != null ? other.failure() : "-";
        }
        return "%.1fx".formatted(other.seconds() / mine.seconds());
    }

    private static String ratio(long other, long mine) {
        return other <= 0 || mine <= 0 ? "-" : "%.1fx".formatted((double) other / mine);
    }

    private static String mb(long kb) {
        return kb < 0 ? "-" : Long.toString(kb / 1024);
    }
}
