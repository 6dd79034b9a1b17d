package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.tests.traffic.SequencedStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A resize of the datapath in {@code datapath.mode: dpdk}, where DPDK's PMD owns the XDP attach and the DPDK loop
 * writes the session rules: the loop migrates the maps when it starts, before its ports, under a numbered stream
 * through a config flow (its two rules written as an apply writes them) and another through a session (set up by
 * DPDK, then in XDP). A graceful restart with {@code maxRules} 65536 (the tc bridge a stop leaves moves to the new
 * maps), then a crash and a start with 4096 (the XDP program a crash leaves moves, then the bridge takes over while
 * the PMD attaches to the new maps): nothing lost or duplicated, every rule's counter equal to what was sent, the
 * session adopted by each loop, and DPDK still sets up new sessions on the resized maps.
 */
class DpdkMigrationTest {
    static final int BACKEND_PORT = 7100;
    static final String PORTS = "41000-41099";
    static final int FLOW_PORT = 3479;
    static final int FLOW_CLIENT_PORT = 5100;
    static final int RATE = 1_000;
    static final long STEP_MS = SessionLoopTest.STEP_MS;

    @Test
    void theDpdkLoopResizesTheMapsAtItsStartLosingNothingThroughARestartAndACrash() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            for (String backend : SessionLoopTest.BACKENDS) {
                DatagramSocket s = lab.socket(lab.pair.peerNs, backend, BACKEND_PORT, 0);
                s.setReceiveBufferSize(4 << 20);
                Thread.ofPlatform().daemon().start(() -> RestartWithoutLossTest.echoVerbatim(s));
            }
            FlowKey flowForward = new FlowKey(lab.pair.dp0, Ipv4.parse(DpdkPair.PEER_IP), lab.vipIp, FLOW_CLIENT_PORT, FLOW_PORT);
            FlowKey flowReverse = configFlow(lab, flowForward, SessionLoopTest.BACKENDS.getFirst());
            DatagramSocket flowClient = lab.socket(lab.pair.peerNs, DpdkPair.PEER_IP, FLOW_CLIENT_PORT, 500);
            DatagramSocket sessionClient = lab.clients(24500, 1).getFirst();
            List<DpdkPair.Child> children = new ArrayList<>();
            try {
                DpdkPair.Child first = start(lab, 0, children);
                first.await("READY", STEP_MS);
                String echoed = SessionLoopTest.exchange(sessionClient, lab.vip, "setup");
                assertEquals("setup", echoed, "the session's first datagram through DPDK");
                sessionClient.setSoTimeout(500);
                long overflowsBefore = RestartWithoutLossTest.socketOverflows(List.of(lab.clientNs, lab.pair.peerNs));

                List<SequencedStream> streams = streams(lab, flowClient, sessionClient);
                first.process.toHandle().destroy(); // SIGTERM: the bridge takes over, the ports close
                first.finish(STEP_MS);
                assertEquals(1, first.lines("DONE").size(), "a clean stop on SIGTERM:\n" + first.text());
                DpdkPair.Child second = start(lab, 65_536, children);
                assertEquals("READY adopted=1 orphans=0", second.await("READY", STEP_MS), "the session adopted from the new maps");
                assertEquals(List.of("MAPS_MIGRATED", "BRIDGE_KEPT", "PORTS_STARTED", "XDP_VERIFIED", "BRIDGE_REMOVED"),
                        RestartWithoutLossTest.stepActions(second), second.text());
                assertTrue(second.lines("STEP MAPS_MIGRATED").getFirst().contains("rules map 524288 -> 65536 entries: 4 rules moved")
                        && second.lines("STEP MAPS_MIGRATED").getFirst().contains("tc bridge on ifindex " + lab.pair.dp0), second.text());
                assertEquals(65_536, capacity(lab));
                awaitFlowing(streams);

                second.process.toHandle().destroyForcibly(); // SIGKILL: XDP stays attached, on the 65,536-rule maps
                assertTrue(second.process.waitFor(STEP_MS, TimeUnit.MILLISECONDS), "killed child exits");
                assertTrue(RestartWithoutLossTest.xdp(lab.pair).isPresent(), "a killed process leaves XDP attached");
                DpdkPair.Child third = start(lab, 4_096, children);
                assertEquals("READY adopted=1 orphans=0", third.await("READY", STEP_MS), "the session adopted from the new maps");
                assertEquals(List.of("MAPS_MIGRATED", "BRIDGE_ATTACHED", "STALE_XDP_DETACHED", "PORTS_STARTED", "XDP_VERIFIED",
                        "BRIDGE_REMOVED"), RestartWithoutLossTest.stepActions(third), third.text());
                assertTrue(third.lines("STEP MAPS_MIGRATED").getFirst().contains("xdp_main (native) on ifindex " + lab.pair.dp0),
                        third.text());
                awaitFlowing(streams);
                List<SequencedStream.Report> reports = new ArrayList<>();
                for (SequencedStream stream : streams) {
                    reports.add(stream.stop());
                }
                System.out.printf("dpdk-mode resize through SIGTERM+start and SIGKILL+start: config flow %s; session %s%n",
                        reports.get(0), reports.get(1));
                assertEquals(0, RestartWithoutLossTest.socketOverflows(List.of(lab.clientNs, lab.pair.peerNs)) - overflowsBefore,
                        "UDP receive buffer overflows in the test's sockets (the machine starved them): rerun");
                for (SequencedStream.Report report : reports) {
                    assertEquals(0, report.missing(), "lost: " + reports);
                    assertEquals(0, report.duplicates(), "duplicated: " + reports);
                }

                assertEquals(4_096, capacity(lab));
                try (Datapath pinned = Datapath.openPinned(lab.pair.pinRoot)) {
                    long flowSent = reports.get(0).sent();
                    assertEquals(flowSent, pinned.rules().counters(flowForward).packets(), "config flow, forward rule");
                    assertEquals(flowSent, pinned.rules().counters(flowReverse).packets(), "config flow, reverse rule");
                    FlowKey sessionForward = lab.forwardKey(lab.wirePort(24500));
                    FlowRule sessionRule = pinned.rules().readAll().get(sessionForward);
                    assertEquals(Owner.SESSION, sessionRule.owner());
                    FlowKey to = sessionRule.rewrite();
                    FlowKey sessionReverse = new FlowKey(lab.pair.dp0, to.dstIp(), to.srcIp(), to.dstPort(), to.srcPort());
                    long sessionSent = reports.get(1).sent();
                    assertEquals(sessionSent, pinned.rules().counters(sessionForward).packets(), "session, forward rule");
                    assertEquals(sessionSent + 1, pinned.rules().counters(sessionReverse).packets(),
                            "session, reverse rule (the setup datagram's reply included)");
                }
                // the PMD's xdp_main runs on the resized maps, and DPDK sets up a new session there
                BpfProgram.Info program = BpfProgram.describe(RestartWithoutLossTest.xdp(lab.pair).orElseThrow().programId()).orElseThrow();
                try (BpfMap rules = BpfMap.openPinned(lab.pair.pinRoot.resolve(Datapath.RULES_MAP))) {
                    assertTrue(program.mapIds().contains(rules.id()), "XDP runs on the pinned rules map: " + program);
                }
                assertEquals(Optional.empty(), RestartWithoutLossTest.bridge(lab.pair));
                assertEquals("late", SessionLoopTest.exchange(lab.clients(24600, 1).getFirst(), lab.vip, "late"));
                SessionLoopTest.Setup.stop(third);
                assertEquals(Map.of("created", 1L, "adopted", 1L), SessionLoopTest.pick(third.counters("TABLE"), "created", "adopted"),
                        third.text());
            } catch (AssertionError | Exception e) {
                children.forEach(c -> System.err.println("DPDK child " + c.process.pid() + ":\n" + c.text()));
                throw e;
            }
        }
    }

    /**
     * A static flow as an apply writes it, owned by the config: the peer's {@code FLOW_CLIENT_PORT} to the VIP's
     * {@code FLOW_PORT} goes to {@code backend}, and its replies back. Returns the reverse rule's key.
     */
    private static FlowKey configFlow(SessionLoopTest.Setup lab, FlowKey forward, String backend) {
        int backendIp = Ipv4.parse(backend);
        int peer = Ipv4.parse(DpdkPair.PEER_IP);
        FlowKey reverse = new FlowKey(lab.pair.dp0, backendIp, lab.vipIp, BACKEND_PORT, FLOW_PORT);
        try (Datapath pinned = Datapath.openPinned(lab.pair.pinRoot)) {
            pinned.rules().putAll(Map.of(
                    forward, new FlowRule(new FlowKey(lab.pair.dp0, lab.vipIp, backendIp, FLOW_PORT, BACKEND_PORT), Owner.CONFIG),
                    reverse, new FlowRule(new FlowKey(lab.pair.dp0, lab.vipIp, peer, FLOW_PORT, FLOW_CLIENT_PORT), Owner.CONFIG)));
        }
        return reverse;
    }

    /** {@link DpdkLoopMain} with the lab's service over the verbatim echo backends, {@code maxRules} 0: the config's default. */
    private static DpdkPair.Child start(SessionLoopTest.Setup lab, int maxRules, List<DpdkPair.Child> children) throws Exception {
        String yaml = LoopConfig.of(SessionLoopTest.BACKENDS, BACKEND_PORT, PORTS, 600_000).yaml();
        if (maxRules > 0) {
            yaml = yaml.replace("datapath: { mode: dpdk,", "datapath: { mode: dpdk, maxRules: " + maxRules + ",");
        }
        Path config = Files.createTempFile(lab.dir, "migrate-", ".yaml");
        Files.writeString(config, yaml);
        DpdkPair.Child child = lab.pair.startJava(DpdkLoopMain.class.getName(), config.toString(), "edge-1", "bridge");
        children.add(child);
        return child;
    }

    private static List<SequencedStream> streams(SessionLoopTest.Setup lab, DatagramSocket flowClient, DatagramSocket sessionClient)
            throws InterruptedException {
        List<SequencedStream> streams = List.of(
                new SequencedStream(flowClient, new InetSocketAddress(DpdkPair.LOCAL_IP, FLOW_PORT), flowClient, 2_000_000, RATE),
                new SequencedStream(sessionClient, lab.vip, sessionClient, 2_000_000, RATE));
        for (SequencedStream stream : streams) {
            assertTrue(stream.awaitFirst(10, TimeUnit.SECONDS), "the stream flows through XDP");
        }
        return streams;
    }

    /** Waits until each stream has sent another 200 datagrams: traffic runs on the migrated maps before the next step. */
    private static void awaitFlowing(List<SequencedStream> streams) throws InterruptedException {
        for (SequencedStream stream : streams) {
            long target = stream.sentSoFar() + 200;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (stream.sentSoFar() < target) {
                assertTrue(System.nanoTime() < deadline, "the stream stalled");
                Thread.sleep(10);
            }
        }
    }

    private static int capacity(SessionLoopTest.Setup lab) {
        try (BpfMap rules = BpfMap.openPinned(lab.pair.pinRoot.resolve(Datapath.RULES_MAP))) {
            return rules.maxEntries();
        }
    }
}
