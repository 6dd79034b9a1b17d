package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.apply.Applier;
import io.xdprecon.cli.Main;
import io.xdprecon.config.Config;
import io.xdprecon.daemon.CompositeEvents;
import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.DaemonEvents;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.admin.AdminServer;
import io.xdprecon.daemon.admin.DaemonMetrics;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.source.FileSource;
import io.xdprecon.source.GitCredentials;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.Source;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.tests.traffic.SequencedStream;
import io.xdprecon.tests.traffic.UdpCounters;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon on the lab with a real Git repository (bare + a working clone, JGit): pushes are applied
 * on the poll interval and within a second of a signed webhook; a bad commit is rejected while the
 * last good config stays live (a numbered stream on it loses nothing) and the next good commit
 * applies; an unreachable remote keeps the state and recovers; metrics are scraped over HTTP.
 */
class DaemonEndToEndTest {
    private static final String SECRET = "s3cret";

    @TempDir
    Path dir;

    private Lab lab;
    private Path bare;
    private Git work;
    private Daemon daemon;
    private AdminServer admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws Exception {
        lab = Lab.start();
        bare = dir.resolve("flows.git");
        Git.init().setBare(true).setInitialBranch("main").setDirectory(bare.toFile()).call().close();
        work = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(dir.resolve("work").toFile()).call();
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
            assertTrue(daemon.awaitStopped(Duration.ofSeconds(30)), "the loop stopped");
        }
        if (admin != null) {
            admin.close();
        }
        if (work != null) {
            work.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private String push(String config, String message) throws Exception {
        Files.writeString(work.getRepository().getWorkTree().toPath().resolve("flows.yaml"), config);
        work.add().addFilepattern("flows.yaml").call();
        RevCommit commit = work.commit().setMessage(message).setAuthor("ops", "ops@example.org")
                .setCommitter("ops", "ops@example.org").setSign(false).call();
        work.push().setRemote("origin").setRefSpecs(new org.eclipse.jgit.transport.RefSpec("HEAD:refs/heads/main")).call();
        return commit.getName();
    }

    private static String config(String... flows) {
        return LabConfigs.document(List.of(Lab.VIP), flows);
    }

    private void startDaemon(Duration interval) throws Exception {
        startDaemon(interval, Daemon.DriftMode.ENFORCE);
    }

    private void startDaemon(Duration interval, Daemon.DriftMode drift) throws Exception {
        GitSource source = new GitSource(new GitSource.Settings(bare.toUri().toString(), "main", "flows.yaml",
                dir.resolve("state"), new GitCredentials.None(), Optional.empty(), Duration.ofSeconds(10)));
        startDaemon(source, interval, drift, new DaemonEvents() { });
    }

    private void startDaemon(Source source, Duration interval, Daemon.DriftMode drift, DaemonEvents events) throws Exception {
        startDaemon(source, interval, drift, events, Optional.empty());
    }

    /** A daemon as {@code xdprecon run} makes it: its source's prefetch, and its first revision's read, started first. */
    private void startDaemonReadingAhead(Source source) throws Exception {
        // Started in the lab's proxy namespace, where the loop runs: as run starts it on the thread that runs the loop.
        Daemon.FirstRead first = NetNs.call(lab.proxyNs(), () -> Daemon.prefetch(source, "lab"));
        startDaemon(source, Duration.ofMinutes(10), Daemon.DriftMode.ENFORCE, new DaemonEvents() { }, Optional.of(first));
    }

    private void startDaemon(Source source, Duration interval, Daemon.DriftMode drift, DaemonEvents events,
            Optional<Daemon.FirstRead> first) throws Exception {
        LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
        DaemonMetrics metrics = new DaemonMetrics();
        Daemon.Settings settings = new Daemon.Settings("lab", lab.pinRoot(), interval, 0, drift,
                Duration.ofSeconds(2), false, false, Duration.ofSeconds(1));
        Applier applier = new Applier(reader, setting -> { }, line -> { });
        CompositeEvents told = new CompositeEvents(List.of(metrics, events));
        daemon = first.map(read -> new Daemon(source, settings, reader, applier, io.xdprecon.daemon.SlowPath.KERNEL, told, read))
                .orElseGet(() -> new Daemon(source, settings, reader, applier, told));
        Daemon running = daemon;
        current = daemon;
        Thread.ofPlatform().name("daemon-in-" + lab.proxyNs()).start(() -> {
            NetNs.enter(lab.proxyNs()); // the config's devices pc and ps live there
            running.run();
        });
        admin = AdminServer.builder(new InetSocketAddress("127.0.0.1", 0)).registry(metrics.registry())
                .status(metrics::status).loopAlive(daemon::alive).webhookSecret(SECRET).onWebhook(daemon::trigger).start();
    }

    private FlowKey forward(int n) {
        return FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000 + n, Lab.VIP, 30000 + n);
    }

    private static Daemon current;

    private static String describeDaemon() {
        return current == null ? "" : "; daemon: alive " + current.alive() + ", " + current.status();
    }

    /** Waits until the condition holds; returns how long it took. */
    private static Duration await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what + describeDaemon());
            }
            Thread.sleep(10); // polling a kernel map: there is nothing to wait on
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private boolean hasRule(int n) {
        return lab.datapath().rules().get(forward(n)).isPresent();
    }

    private int deliveries;

    /** A push event: each one's body differs (a Git host's carries the new commit); an identical body is a replay. */
    private int webhook() throws Exception {
        byte[] body = ("{\"ref\":\"refs/heads/main\",\"delivery\":" + ++deliveries + "}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/webhook"))
                .header(AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET.getBytes(StandardCharsets.UTF_8), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private Map<String, Double> scrape() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/metrics")).build();
        String text = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        Pattern sample = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(text);
        Map<String, Double> samples = new java.util.HashMap<>();
        while (m.find()) {
            samples.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return samples;
    }

    @Test
    void aPushIsAppliedWithinThePollInterval() throws Exception {
        push(config(LabConfigs.flow("zero", 0, 50000)), "first flow");
        startDaemon(Duration.ofSeconds(1));
        await("the first revision is applied", Duration.ofSeconds(10), () -> hasRule(0));
        push(config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50001)), "second flow");
        Duration took = await("a push is applied on the next poll", Duration.ofSeconds(5), () -> hasRule(1));
        assertTrue(took.toMillis() < 3000, "applied " + took.toMillis() + " ms after the push, interval 1 s");
    }

    @Test
    void webhookBadCommitUnreachableRemoteAndMetrics() throws Exception {
        String v1 = push(config(LabConfigs.flow("steady", 0, 50000)), "steady flow");
        startDaemon(Duration.ofMinutes(10)); // only the first reconcile and webhooks move it
        await("v1 applied", Duration.ofSeconds(10), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v1)));

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 2_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS));

        String v2 = push(config(LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("two", 2, 50002)), "add two");
        assertEquals(202, webhook());
        Duration took = await("webhook push applied", Duration.ofSeconds(5), () -> hasRule(2));
        assertTrue(took.toMillis() < 1000, "applied " + took.toMillis() + " ms after the webhook");

        String bad = push(config(LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("two", 2, 70000)), "typo");
        assertEquals(202, webhook());
        await("the bad revision is attempted", Duration.ofSeconds(5),
                () -> daemon.status().lastAttemptedRevision().equals(Optional.of(bad)));
        DaemonStatus rejected = daemon.status();
        assertEquals(Optional.of(v2), rejected.lastAppliedRevision(), "the last good revision stays applied");
        String error = rejected.lastError().orElseThrow();
        assertTrue(error.contains("flows.yaml:") && error.contains("70000"), error);
        assertTrue(hasRule(2) && hasRule(0), "rules unchanged");

        String v3 = push(config(LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("two", 2, 50002),
                LabConfigs.flow("three", 3, 50003)), "fix and add three");
        assertEquals(202, webhook());
        await("the fixing revision applies", Duration.ofSeconds(5), () -> hasRule(3));
        await("status follows", Duration.ofSeconds(5), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v3)));
        assertEquals(Optional.empty(), daemon.status().lastError());

        Path moved = dir.resolve("moved.git");
        Files.move(bare, moved);
        assertEquals(202, webhook());
        await("the fetch failure is reported", Duration.ofSeconds(10),
                () -> daemon.status().lastError().filter(e -> e.startsWith("source:")).isPresent());
        assertEquals(Optional.of(v3), daemon.status().lastAppliedRevision());
        assertTrue(hasRule(3), "state kept while the remote is away");
        Files.move(moved, bare);
        String v4 = push(config(LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("two", 2, 50002),
                LabConfigs.flow("four", 4, 50004)), "swap three for four");
        assertEquals(202, webhook());
        await("recovers when the remote is back", Duration.ofSeconds(10), () -> hasRule(4) && !hasRule(3));
        await("status follows", Duration.ofSeconds(5), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v4)));

        SequencedStream.Report report = stream.stop();
        assertLossless("the steady flow through four revisions, a bad one and an outage", report);

        Map<String, Double> metrics = scrape();
        assertTrue(metrics.getOrDefault("xdprecon_reconciles_total{outcome=\"applied\"}", 0.0) >= 4, metrics.toString());
        assertTrue(metrics.getOrDefault("xdprecon_reconciles_total{outcome=\"rejected\"}", 0.0) >= 1, metrics.toString());
        assertTrue(metrics.getOrDefault("xdprecon_reconciles_total{outcome=\"source_failed\"}", 0.0) >= 1, metrics.toString());
        assertEquals(6.0, metrics.get("xdprecon_rules{owner=\"config\"}"), metrics.keySet().stream()
                .filter(k -> k.startsWith("xdprecon_rules")).collect(Collectors.joining(", ")));
        assertTrue(metrics.keySet().stream().anyMatch(k -> k.startsWith("xdprecon_revision_info") && k.contains(v4)),
                metrics.keySet().toString());
    }

    /**
     * Fails when the stream lost a datagram, saying how many of the losses the server's socket itself dropped
     * (RcvbufErrors: a receiver starved on a loaded machine, not the datapath).
     */
    private void assertLossless(String what, SequencedStream.Report report) {
        assertTrue(report.lossless(), what + ": " + report + "; UDP RcvbufErrors in the server's namespace: "
                + UdpCounters.of(lab.serverNs()).get("RcvbufErrors"));
    }

    /** Waits until the daemon has reconciled {@code n} more times. */
    /** Applies the daemon deferred because another writer moved the node under its plan. */
    private double deferrals() {
        try {
            return scrape().getOrDefault("xdprecon_reconciles_total{outcome=\"deferred\"}", 0.0);
        } catch (Exception e) {
            throw new IllegalStateException("scraping /metrics", e);
        }
    }

    private void awaitReconciles(int n) throws InterruptedException {
        long target = daemon.status().reconciles() + n;
        await(n + " more reconciles", Duration.ofSeconds(15), () -> daemon.status().reconciles() >= target);
    }

    @Test
    void driftIsCorrectedButNotWhileSuspended() throws Exception {
        push(config(LabConfigs.flow("zero", 0, 50000)), "one flow");
        startDaemon(Duration.ofMillis(300));
        await("applied", Duration.ofSeconds(10), () -> hasRule(0));

        lab.datapath().rules().remove(forward(0)); // drift: a rule deleted behind the daemon's back
        await("drift corrected", Duration.ofSeconds(5), () -> hasRule(0));
        // The status is published when the reconcile that wrote the rule ends, a moment after the write.
        await("the correction is counted", Duration.ofSeconds(5), () -> daemon.status().driftCorrections() >= 1);

        daemon.suspend();
        awaitReconciles(1);
        lab.datapath().rules().remove(forward(0));
        awaitReconciles(3);
        assertTrue(!hasRule(0), "suspended: nothing is written");
        assertTrue(daemon.status().suspended());
        daemon.resume();
        await("corrected once resumed", Duration.ofSeconds(5), () -> hasRule(0));
    }

    @Test
    void driftWarnReportsWithoutWriting() throws Exception {
        push(config(LabConfigs.flow("zero", 0, 50000)), "one flow");
        startDaemon(Duration.ofMillis(300), Daemon.DriftMode.WARN);
        await("applied", Duration.ofSeconds(10), () -> hasRule(0));
        lab.datapath().rules().remove(forward(0));
        awaitReconciles(3);
        assertTrue(!hasRule(0), "drift: warn only reports");
        assertEquals(0, daemon.status().driftCorrections());
        Map<String, Double> metrics = scrape();
        assertTrue(metrics.getOrDefault("xdprecon_reconciles_total{outcome=\"drift_reported\"}", 0.0) >= 1, metrics.toString());
    }

    @Test
    void aNewRevisionIsPlannedFromTheLastOneUnlessTheNodeDrifted() throws Exception {
        try (DaemonLog log = new DaemonLog(record -> record.getMessage().startsWith("applied revision"))) {
            List<String> plans = log.lines();
            String v1 = push(config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50001)), "two flows");
            startDaemon(Duration.ofMinutes(10)); // only the first reconcile and triggers move it
            // The status is published after the reconcile's log line: awaiting it, not the rule, orders them.
            await("v1 applied", Duration.ofSeconds(10), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v1)));
            assertTrue(plans.getLast().contains("(full plan)"), plans.toString());

            String v2 = push(config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50011)), "move one");
            daemon.trigger();
            await("v2 applied", Duration.ofSeconds(5), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v2)));
            assertEquals(50011, lab.datapath().rules().get(forward(1)).orElseThrow().rewrite().dstPort());
            assertTrue(plans.getLast().contains("(planned from the last revision): Plan: 0 to add, 1 to change, 0 to destroy."),
                    plans.toString());
            assertEquals(Map.of("config", 4L, "session", 0L), daemon.status().rulesByOwner());

            // A key the next revision touches no longer holds what v2 wrote: drift, so the full plan,
            // which also restores the rule of the flow nobody edited.
            lab.datapath().rules().remove(forward(0));
            lab.datapath().rules().remove(forward(1));
            String v3 = push(config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50021)), "move one again");
            daemon.trigger();
            await("v3 applied", Duration.ofSeconds(5), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v3)));
            assertTrue(plans.getLast().contains("(full plan)"), plans.toString());
            // Where it spent its time, stage by stage, as a user reads it to see what is slow (issue 9).
            assertTrue(java.util.regex.Pattern.compile("Took [0-9.]+ s \\(fetch [0-9.]+ s, read [0-9.]+ s, checks [0-9.]+ s,"
                    + " rules [0-9.]+ s, plan [0-9.]+ s, apply [0-9.]+ s; CPU [0-9.]+ s\\)$").matcher(plans.getLast()).find(),
                    plans.toString());
            assertTrue(hasRule(0), "the full plan restored the untouched flow");
            assertEquals(50021, lab.datapath().rules().get(forward(1)).orElseThrow().rewrite().dstPort());
            assertEquals(Map.of("config", 4L, "session", 0L), daemon.status().rulesByOwner());
        }
    }

    /** The messages of the daemon's log records that {@code which} selects, from its opening until it is closed. */
    private static final class DaemonLog implements AutoCloseable {
        private final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.logging.Logger log = java.util.logging.Logger.getLogger("xdprecon.daemon");
        private final java.util.logging.Handler handler;

        DaemonLog(java.util.function.Predicate<java.util.logging.LogRecord> which) {
            handler = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    if (which.test(record)) {
                        lines.add(record.getMessage());
                    }
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };
            log.addHandler(handler);
        }

        /** The messages so far, and those to come while it is open. */
        List<String> lines() {
            return lines;
        }

        @Override
        public void close() {
            log.removeHandler(handler);
        }
    }

    /**
     * A file source's first revision is read ahead while the daemon starts, as {@code xdprecon run} starts it (issue 9):
     * a bad config is rejected with the log a daemon without the read ahead writes, and nothing applied; a good one is
     * applied, its log saying it was read ahead. Fails before: no read ahead.
     */
    @Test
    void aFileSourcesFirstRevisionIsReadAheadAndABadOneIsRejectedAsWithout() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("bad")).resolve("flows.yaml");
        Files.writeString(bad, config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("zero", 1, 50001),
                LabConfigs.flow("two", 2, 50002).replace(Lab.CLIENT_IP + ":", "10.0.0.300:")));
        List<List<String>> rejections = new java.util.ArrayList<>();
        for (boolean ahead : new boolean[] {false, true}) {
            FileSource source = new FileSource(bad, Duration.ZERO);
            try (DaemonLog log = new DaemonLog(record -> record.getLevel() != java.util.logging.Level.INFO)) {
                if (ahead) {
                    startDaemonReadingAhead(source);
                } else {
                    startDaemon(source, Duration.ofMinutes(10), Daemon.DriftMode.ENFORCE, new DaemonEvents() { });
                }
                await("the first revision rejected", Duration.ofSeconds(10), () -> daemon.status().reconciles() >= 1);
                daemon.close();
                assertTrue(daemon.awaitStopped(Duration.ofSeconds(30)), "the loop stopped");
                daemon = null;
                admin.close();
                admin = null;
                source.close();
                rejections.add(List.copyOf(log.lines()));
            }
        }
        assertTrue(rejections.getFirst().stream().anyMatch(line -> line.startsWith("rejected revision")
                && line.contains("10.0.0.300") && line.contains("zero")), rejections.getFirst().toString());
        assertEquals(rejections.getFirst(), rejections.getLast(), "what a daemon without the read ahead logs");
        assertFalse(hasRule(0), "nothing applied");

        Path good = Files.createDirectories(dir.resolve("good")).resolve("flows.yaml");
        Files.writeString(good, config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50001)));
        FileSource source = new FileSource(good, Duration.ZERO);
        try (DaemonLog log = new DaemonLog(record -> true)) {
            startDaemonReadingAhead(source);
            await("applied", Duration.ofSeconds(10), () -> daemon.status().lastAppliedRevision().isPresent());
            assertTrue(hasRule(0) && hasRule(1));
            assertTrue(log.lines().stream().anyMatch(line -> line.contains("read ahead while the daemon started")),
                    log.lines().toString());
        } finally {
            source.close();
        }
    }

    /**
     * Issue 10 case 1: a config file rewritten in place (truncate, then write, as cp, {@code >} and scp do) by
     * a writer that pauses half way, at a point where the half parses — seven flows, and a server port cut after
     * its first two digits. The daemon follows the file as {@code run} wires it (a watch triggering it, and a
     * 300 ms interval polling meanwhile): it must apply only the complete file. A numbered stream on a flow the
     * half lacks loses nothing; the port the cut leaves (50) receives nothing; every config applied has all ten
     * flows.
     */
    @Test
    void aConfigFileRewrittenInPlaceIsAppliedOnlyOnceComplete() throws Exception {
        List<String> v1 = new java.util.ArrayList<>();
        for (int n = 0; n < 10; n++) {
            v1.add(LabConfigs.flow("f" + n, n, 50000 + n));
        }
        // v2 moves f0 to port 50100 and lists it after f6: the half before its cut has f1..f6 and f0 at :50, a
        // plan the mass-delete guard lets through (7 of 20 rules deleted).
        List<String> v2 = new java.util.ArrayList<>(v1.subList(1, 7));
        v2.add(LabConfigs.flow("f0", 0, 50100));
        v2.addAll(v1.subList(7, 10));
        String next = config(v2.toArray(String[]::new));
        String cutAfter = "server: " + Lab.SERVER_IP + ":50";
        int cut = next.indexOf(cutAfter + "100") + cutAfter.length();

        Path file = dir.resolve("etc").resolve("flows.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, config(v1.toArray(String[]::new)));
        List<Integer> appliedFlows = new java.util.concurrent.CopyOnWriteArrayList<>();
        FileSource source = new FileSource(file);
        startDaemon(source, Duration.ofMillis(300), Daemon.DriftMode.ENFORCE, new DaemonEvents() {
            @Override
            public void applied(Config config) {
                appliedFlows.add(config.flows("lab").size());
            }
        });
        source.watch(daemon::trigger); // as `xdprecon run` wires a file source
        try {
            rewriteWhileTheDaemonFollows(file, next, cut, appliedFlows);
        } finally {
            source.close();
        }
    }

    private void rewriteWhileTheDaemonFollows(Path file, String next, int cut, List<Integer> appliedFlows) throws Exception {
        await("v1 applied", Duration.ofSeconds(10), () -> hasRule(9) && daemon.status().lastAppliedRevision().isPresent());

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20008);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50008, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30008), server, 500_000, 2_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "f8 relays");
        DatagramSocket moving = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket wrong = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50, 100);
        java.util.concurrent.atomic.AtomicLong wrongArrivals = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread toF0 = Thread.ofPlatform().start(() -> {
            byte[] datagram = new byte[16];
            try {
                while (sending.get()) {
                    moving.send(new java.net.DatagramPacket(datagram, datagram.length, new InetSocketAddress(Lab.VIP, 30000)));
                    Thread.sleep(2); // ~500 datagrams/s toward f0 while it moves
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Thread atWrongPort = Thread.ofPlatform().start(() -> {
            byte[] buffer = new byte[64];
            while (sending.get()) {
                try {
                    wrong.receive(new java.net.DatagramPacket(buffer, buffer.length));
                    wrongArrivals.incrementAndGet();
                } catch (java.io.IOException timeout) {
                    // nothing arrived within 100 ms: look at the flag again
                }
            }
        });

        try (java.nio.channels.FileChannel writer = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            writer.write(java.nio.ByteBuffer.wrap(next.substring(0, cut).getBytes(StandardCharsets.UTF_8)));
            Thread.sleep(1500); // the writer's pause: five daemon intervals, six settle times
            writer.write(java.nio.ByteBuffer.wrap(next.substring(cut).getBytes(StandardCharsets.UTF_8)));
        }
        await("v2 applied", Duration.ofSeconds(10),
                () -> lab.datapath().rules().get(forward(0)).map(r -> r.rewrite().dstPort() == 50100).orElse(false));
        SequencedStream.Report report = stream.stop();
        sending.set(false);
        toF0.join();
        atWrongPort.join();
        assertLossless("f8, which the half lacks, through the rewrite", report);
        assertEquals(0, wrongArrivals.get(), "datagrams of f0 that reached port 50, where the half sends them");
        assertEquals(List.of(10, 10), appliedFlows, "every config applied is whole (v1, then v2)");
        assertTrue(hasRule(9), "f9 stays");
    }

    /**
     * Issue 10 case 2, a transient refusal: another writer keeps changing a key the new revision touches (a CLI,
     * DPDK sessions, any tool), so the apply is refused as stale. That refusal must not blacklist the revision:
     * once the writer stops, the revision applies on a retry (backoff with jitter), while a numbered stream on
     * an untouched flow loses nothing.
     */
    @Test
    void aRevisionRefusedBecauseAnotherWriterMovedTheNodeIsRetried() throws Exception {
        push(config(LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("busy", 1, 50001)), "two flows");
        startDaemon(Duration.ofMinutes(10)); // only the first reconcile, triggers and retries move it
        await("v1 applied", Duration.ofSeconds(10), () -> hasRule(0) && hasRule(1));
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 2_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS));

        // The other writer: rewrites busy's forward rule as fast as it can, never twice the same.
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        FlowRule written = lab.datapath().rules().get(forward(1)).orElseThrow();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; writing.get(); i++) {
                FlowKey to = written.rewrite();
                lab.datapath().rules().put(forward(1), new FlowRule(new FlowKey(to.ifindex(), to.srcIp(), to.dstIp(),
                        to.srcPort(), 51000 + i % 10000), Owner.CONFIG));
            }
        });
        // The race is the writer's to win: a plan and its apply lie microseconds apart, and on a quiet machine
        // the writer may be off its core for all of them (then the move applies cleanly, as it should). So the
        // move is pushed again, to another port, until one apply is refused as stale: the deferral is counted.
        String moved = null;
        int port = 0;
        try {
            for (int attempt = 0; deferrals() == 0; attempt++) {
                assertTrue(attempt < 50, "50 moves applied without one stale refusal while another writer raced them");
                port = 50011 + attempt;
                String revision = push(config(LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("busy", 1, port)),
                        "move busy to " + port);
                moved = revision;
                daemon.trigger();
                await("move to " + port + " applied or deferred", Duration.ofSeconds(10), () -> deferrals() > 0
                        || daemon.status().lastAppliedRevision().equals(Optional.of(revision)));
            }
        } finally {
            writing.set(false);
            writer.join();
        }
        String v2 = moved;
        int movedTo = port;
        daemon.reload(); // what an operator tries: SIGHUP
        // (a retry may have applied it while the writer still ran; then the reload corrects the writer's last word)
        await("the deferred move applied once the other writer stopped", Duration.ofSeconds(15),
                () -> daemon.status().lastAppliedRevision().equals(Optional.of(v2))
                        && lab.datapath().rules().get(forward(1)).orElseThrow().rewrite().dstPort() == movedTo);
        await("no error left", Duration.ofSeconds(5), () -> daemon.status().lastError().isEmpty());
        SequencedStream.Report report = stream.stop();
        assertLossless("the steady flow while another writer raced the daemon", report);
    }

    /**
     * Issue 10 case 2, a refusal for good: a revision whose plan is a mass delete is refused, and from then on
     * it — not the older revision still live — is what the daemon converges toward: drift is not corrected
     * toward the older revision, and when the operator follows the refusal's advice (apply the revision by
     * hand with --allow-mass-delete) the node matches the revision, which counts as applied instead of being
     * undone as drift. A numbered stream on the flow both revisions keep loses nothing.
     */
    @Test
    void aManualApplyOfARefusedRevisionIsAdoptedNotRevertedAsDrift() throws Exception {
        String[] four = {LabConfigs.flow("keep", 0, 50000), LabConfigs.flow("a", 1, 50001), LabConfigs.flow("b", 2, 50002),
                LabConfigs.flow("c", 3, 50003)};
        String v1 = push(config(four), "four flows");
        startDaemon(Duration.ofMillis(300));
        await("v1 applied", Duration.ofSeconds(10), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v1)));
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 2_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS));

        String onlyKeep = config(LabConfigs.flow("keep", 0, 50000));
        String v2 = push(onlyKeep, "drop a, b and c");
        await("v2 is refused as a mass delete", Duration.ofSeconds(10),
                () -> daemon.status().lastAttemptedRevision().equals(Optional.of(v2))
                        && daemon.status().lastError().filter(e -> e.contains("mass delete")).isPresent());
        assertTrue(hasRule(1) && hasRule(2) && hasRule(3), "nothing written for a refused plan");

        lab.datapath().rules().remove(forward(2)); // drift that only the older revision would restore
        awaitReconciles(3);
        assertFalse(hasRule(2), "drift corrected toward v1, older than the newest valid revision v2");

        Path file = dir.resolve("v2.yaml");
        Files.writeString(file, onlyKeep);
        Main.Captured apply = NetNs.call(lab.proxyNs(), () -> Main.capture("apply", "-c", file.toString(), "--node", "lab",
                "--pin-root", lab.pinRoot().toString(), "--allow-mass-delete"));
        assertEquals(0, apply.exit(), apply.out() + apply.err());
        await("the manual apply is adopted as v2", Duration.ofSeconds(5),
                () -> daemon.status().lastAppliedRevision().equals(Optional.of(v2)));
        awaitReconciles(3);
        assertFalse(hasRule(1) || hasRule(2) || hasRule(3), "the operator's apply is not undone as drift");
        assertEquals(Optional.empty(), daemon.status().lastError());
        SequencedStream.Report report = stream.stop();
        assertLossless("the kept flow through the refusal and the manual apply", report);
    }

    /**
     * {@code suspend: true} in the config, as Flux's {@code spec.suspend}: from the revision that says it, the daemon
     * writes nothing (neither that revision's flows nor drift corrections); the operator's resume does not lift it;
     * status, /status, {@code xdprecon status} and /metrics say it is the config and where; a node's own
     * {@code suspend: false} wins over the base's; the next revision without it applies. A revision that does not
     * list this node among its nodes (no {@code unnamedNodes: base}) is rejected and writes nothing.
     */
    @Test
    void theConfigsSuspendHoldsWritesFromItsRevisionUntilOneWithoutItAndResumeDoesNotLiftIt() throws Exception {
        String v1 = push(config(LabConfigs.flow("zero", 0, 50000)), "one flow");
        startDaemon(Duration.ofMillis(300));
        await("v1 applied", Duration.ofSeconds(10), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v1)));

        String v2 = push(config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50001)) + "suspend: true\n",
                "hold the fleet");
        await("v2 read and found suspending", Duration.ofSeconds(10),
                () -> daemon.status().suspension().byConfig().filter(at -> at.contains(v2.substring(0, 7))).isPresent());
        String at = daemon.status().suspension().byConfig().orElseThrow();
        assertTrue(at.matches(".*flows\\.yaml:\\d+:10 in revision " + v2.substring(0, 7) + ".*"), at);
        lab.datapath().rules().remove(forward(0)); // drift, not to be corrected while the config suspends
        awaitReconciles(3);
        assertFalse(hasRule(1), "v2's new flow is not written");
        assertFalse(hasRule(0), "drift is not corrected");
        assertEquals(Optional.of(v1), daemon.status().lastAppliedRevision());

        daemon.suspend();
        daemon.resume(); // the operator's resume lifts the operator's suspension, not the config's
        awaitReconciles(3);
        assertFalse(hasRule(0) || hasRule(1), "resume does not override the config");
        DaemonStatus held = daemon.status();
        assertEquals(new DaemonStatus.Suspension(false, Optional.of(at)), held.suspension());

        String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort()
                + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(json.contains("\"suspended\" : true") && json.contains("\"operator\" : false")
                && json.contains("\"config\" : \"" + at + "\""), json);
        Main.Captured status = Main.capture("status", "--admin", "127.0.0.1:" + admin.address().getPort());
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().lines().allMatch(l -> l.length() <= 120), status.out());
        assertTrue(status.out().replace("\n" + " ".repeat(21), " ") // its rows as one line each
                .contains("YES, changes are not applied: by the config, suspend: true at " + at), status.out());
        Map<String, Double> metrics = scrape();
        assertEquals(1.0, metrics.get("xdprecon_suspended"), metrics.toString());
        assertEquals(1.0, metrics.get("xdprecon_suspended_by{by=\"config\"}"), metrics.toString());
        assertEquals(0.0, metrics.get("xdprecon_suspended_by{by=\"operator\"}"), metrics.toString());

        // the base still says suspend, but this node's own suspend: false wins
        String v3 = push(config(LabConfigs.flow("zero", 0, 50000), LabConfigs.flow("one", 1, 50001))
                + "suspend: true\nnodes:\n  lab: { suspend: false }\n", "all but lab");
        await("v3 applies: v2's flow and the drift corrected", Duration.ofSeconds(10), () -> hasRule(0) && hasRule(1));
        await("status follows", Duration.ofSeconds(5), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v3)));
        assertFalse(daemon.status().suspended(), daemon.status().toString());

        // a config that names its nodes and not this one is refused here: nothing written, v3 kept
        String v4 = push(config(LabConfigs.flow("zero", 0, 50000)) + "nodes:\n  edge-1: {}\n", "a fleet without lab");
        await("v4 rejected", Duration.ofSeconds(10), () -> daemon.status().lastAttemptedRevision().equals(Optional.of(v4))
                && daemon.status().lastError().isPresent());
        assertTrue(daemon.status().lastError().get().contains("node 'lab' is not listed under nodes (edge-1)"),
                daemon.status().lastError().get());
        awaitReconciles(2);
        assertTrue(hasRule(0) && hasRule(1), "v3's rules kept");
        assertEquals(Optional.of(v3), daemon.status().lastAppliedRevision());
    }
}
