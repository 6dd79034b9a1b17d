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
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.xdprecon.cli.Main", "run", "--source", "file:" + config, "--node", "lab",
                "--pin-root", lab.pinRoot().toString(), "--admin", "off", "--interval", "1s",
                "--state-dir", dir.resolve("state").toString());
        Process process = NetNs.call(lab.proxyNs(), () -> new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start());
        daemons.add(process);
        return process;
    }

    private static void awaitLog(Path log, String text, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
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
}
