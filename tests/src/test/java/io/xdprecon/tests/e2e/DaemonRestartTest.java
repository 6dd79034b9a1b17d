package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.tests.traffic.SequencedStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `xdprecon run` as its own process: killed with SIGKILL under a numbered stream, restarted with the
 * same config, it adopts the pinned maps and the attached program — a different build of xdp_main is
 * swapped atomically — writes no rule, and the stream loses nothing.
 */
class DaemonRestartTest {
    @TempDir
    Path dir;

    private Lab lab;
    private final List<Process> daemons = new ArrayList<>();

    @BeforeEach
    void start() {
        lab = Lab.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : daemons) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        lab.close();
    }

    /** Starts the daemon in the proxy namespace (a child inherits the starting thread's namespace). */
    private Process startDaemon(Path config, Path log) {
        return startDaemon("file:" + config, log);
    }

    private Process startDaemon(String source, Path log) {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.xdprecon.cli.Main", "run", "--source", source, "--node", "lab",
                "--pin-root", lab.pinRoot().toString(), "--admin", "off", "--interval", "1s",
                "--state-dir", dir.resolve("state").toString());
        Process process = NetNs.call(lab.proxyNs(), () -> new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start());
        daemons.add(process);
        return process;
    }

    private static void awaitLog(Path log, String text, Process process) throws Exception {
        awaitLog(log, text, process, Duration.ofSeconds(30));
    }

    private static void awaitLog(Path log, String text, Process process, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!Files.exists(log) || !Files.readString(log).contains(text)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the daemon's log (alive " + process.isAlive() + "):\n"
                        + (Files.exists(log) ? Files.readString(log) : "(no log)"));
            }
            Thread.sleep(20); // polling a log file: there is nothing to wait on
        }
    }

    private int attachedToPc() {
        int ifindex = lab.pc().ifindex();
        return NetNs.call(lab.proxyNs(), () -> Xdp.query(ifindex).orElseThrow().programId());
    }

    @Test
    void killNineUnderTrafficThenRestartAdoptsWithZeroWritesAndZeroLoss() throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000),
                LabConfigs.flow("other", 1, 50001)));
        Path firstLog = dir.resolve("first.log");
        Process first = startDaemon(config, firstLog);
        awaitLog(firstLog, "applied revision", first); // the lab loaded the datapath; the daemon writes the flows
        FlowKey steady = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
        assertTrue(lab.datapath().rules().get(steady).isPresent() || awaitRule(steady), "the daemon applied the config");

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 10_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS));

        first.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        long sentWhileDown = stream.sentSoFar();

        // Meanwhile a different build of xdp_main goes onto pc (the no-flow-counter variant): the restart
        // must swap it for this build's in one step.
        int before;
        try (BpfObject other = BpfObject.openBundled("xdp_fwd_nocounters", lab.pinRoot()).load()) {
            BpfProgram otherBuild = other.program(Datapath.PROGRAM);
            int ifindex = lab.pc().ifindex();
            int current = attachedToPc();
            NetNs.run(lab.proxyNs(), () -> Xdp.replace(ifindex, current, otherBuild, XdpMode.NATIVE));
            before = attachedToPc();
            assertEquals(otherBuild.id(), before);
        }
        Map<FlowKey, FlowRule> rulesBefore = lab.datapath().rules().readAll();

        Path secondLog = dir.resolve("second.log");
        Process second = startDaemon(config, secondLog);
        awaitLog(secondLog, "replaced program id " + before, second);
        awaitLog(secondLog, "is live (no changes needed)", second);
        assertNotEquals(before, attachedToPc(), "this build's program now runs on pc");
        assertEquals(rulesBefore, lab.datapath().rules().readAll(), "the restart wrote no rule");
        assertTrue(!Files.readString(secondLog).contains("applied revision"), Files.readString(secondLog));

        SequencedStream.Report report = stream.stop();
        assertTrue(report.sent() > sentWhileDown, "the stream ran through the restart: " + report);
        assertTrue(report.lossless(), "kill -9, restart and program swap under traffic: " + report);
    }

    private boolean awaitRule(FlowKey key) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (lab.datapath().rules().get(key).isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** What `systemctl restart` does: SIGTERM (the daemon finishes its reconcile and exits), then a new start. */
    @Test
    void aGracefulRestartUnderTrafficLosesNothingAndWritesNothing() throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000)));
        Path firstLog = dir.resolve("first.log");
        Process first = startDaemon(config, firstLog);
        awaitLog(firstLog, "applied revision", first);

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 10_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS));
        int program = attachedToPc();

        first.destroy(); // SIGTERM: the shutdown hook lets the loop finish, the datapath stays
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the daemon stopped on SIGTERM");
        assertEquals(143, first.exitValue(), "the JVM's exit status on SIGTERM (the unit's SuccessExitStatus)");
        Map<FlowKey, FlowRule> rulesBefore = lab.datapath().rules().readAll();

        Path secondLog = dir.resolve("second.log");
        Process second = startDaemon(config, secondLog);
        awaitLog(secondLog, "kept program id " + program + " (same build)", second);
        awaitLog(secondLog, "is live (no changes needed)", second);
        assertEquals(rulesBefore, lab.datapath().rules().readAll(), "the restart wrote no rule");
        assertEquals(program, attachedToPc());

        SequencedStream.Report report = stream.stop();
        assertTrue(report.lossless(), "stop and start under traffic: " + report);
    }

    /**
     * Issue 10 case 5: the node reboots (its rules gone) while the Git remote is unreachable. `run` must not exit:
     * it serves the revision its state directory's clone holds as last applied, says so, and keeps retrying with
     * backoff until the remote is back, then follows it. A numbered stream started once the cached revision is
     * served loses nothing.
     */
    @Test
    void aGitOutageAtBootServesTheCachedRevisionAndRetries() throws Exception {
        Path bare = dir.resolve("flows.git");
        Git.init().setBare(true).setInitialBranch("main").setDirectory(bare.toFile()).call().close();
        String v1;
        try (Git work = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(dir.resolve("work").toFile()).call()) {
            v1 = commitAndPush(work, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000)), "v1");
        }
        String source = "git:" + bare.toUri();
        Path firstLog = dir.resolve("first.log");
        Process first = startDaemon(source, firstLog);
        awaitLog(firstLog, "applied revision " + v1.substring(0, 12), first, Duration.ofSeconds(90));
        first.destroy();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the daemon stopped on SIGTERM");

        // The reboot: every rule gone. The outage: the remote is not where it was.
        FlowKey steady = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
        lab.datapath().rules().readAll().keySet().forEach(key -> lab.datapath().rules().remove(key));
        Path away = dir.resolve("away.git");
        Files.move(bare, away);

        Path secondLog = dir.resolve("second.log");
        Process second = startDaemon(source, secondLog);
        awaitLog(secondLog, "serving cached revision " + v1.substring(0, 12), second, Duration.ofSeconds(90));
        assertTrue(awaitRule(steady), "the cached revision's rules are back");
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 2_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the node forwards while the remote is away");

        Files.move(away, bare);
        String v2;
        try (Git work = Git.open(dir.resolve("work").toFile())) {
            v2 = commitAndPush(work, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000),
                    LabConfigs.flow("other", 1, 50001)), "v2");
        }
        awaitLog(secondLog, "applied revision " + v2.substring(0, 12), second, Duration.ofSeconds(60));
        assertTrue(second.isAlive(), "the daemon ran through the outage");
        SequencedStream.Report report = stream.stop();
        assertTrue(report.lossless(), "the cached revision's flow, then the remote's next revision: " + report);
    }

    private static String commitAndPush(Git work, String config, String message) throws Exception {
        Files.writeString(work.getRepository().getWorkTree().toPath().resolve("flows.yaml"), config);
        work.add().addFilepattern("flows.yaml").call();
        String id = work.commit().setMessage(message).setAuthor("ops", "ops@example.org")
                .setCommitter("ops", "ops@example.org").setSign(false).call().getName();
        work.push().setRemote("origin").setRefSpecs(new RefSpec("HEAD:refs/heads/main")).call();
        return id;
    }
}
