package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.traffic.SequencedStream;
import io.xdprecon.tests.traffic.UdpCounters;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Offloaded sessions through a restart of the DPDK process, measured with sequence-numbered streams:
 * sessions are set up through DPDK (first datagram) and then run in XDP; while every session's stream
 * runs (request to the VIP, echoed by its backend, reply back to the client: both rules, both ways), the
 * DPDK child is (a) stopped with SIGTERM and started again, (b) killed with SIGKILL and started again.
 *
 * <p>With {@link DpdkDatapathLifecycle} (mode {@code bridge}) nothing may be lost or duplicated; the same
 * restarts without it (mode {@code naive}: close the ports, detach a stale program, start) show the loss
 * the bridge removes. Each phase has its own streams, so the table below the test names loss per phase.
 */
class RestartWithoutLossTest {
    static final int SESSIONS = 2;
    static final int RATE_PER_SESSION = 2_000;
    static final int BACKEND_PORT = 7100;
    static final String PORTS = "41000-41099";
    static final long STEP_MS = SessionLoopTest.STEP_MS;

    /** Per-phase streams of one run. */
    record Phases(List<SequencedStream.Report> graceful, List<SequencedStream.Report> crash) {
        static long missing(List<SequencedStream.Report> reports) {
            return reports.stream().mapToLong(SequencedStream.Report::missing).sum();
        }

        static long duplicates(List<SequencedStream.Report> reports) {
            return reports.stream().mapToLong(SequencedStream.Report::duplicates).sum();
        }

        static long sent(List<SequencedStream.Report> reports) {
            return reports.stream().mapToLong(SequencedStream.Report::sent).sum();
        }
    }

    @Test
    void offloadedSessionsLoseNothingThroughAGracefulRestartAndACrash() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            int dp0 = lab.pair.dp0;
            Rig rig = rig(lab);
            List<DatagramSocket> clients = openSessionsOnBinaryEcho(rig, "bridge", lab.clients(24000, SESSIONS));
            List<DpdkPair.Child> children = new ArrayList<>();
            try {
                long overflowsBefore = socketOverflows(rig);
                Phases phases = restartTwice(rig, clients, "bridge", children, bridgeSteps(lab.pair));
                System.out.printf("restart with the tc bridge: SIGTERM+start %s; SIGKILL+start %s%n", phases.graceful(), phases.crash());
                assertNothingLostOrDuplicated(rig, overflowsBefore, phases);

                // every datagram counted once on its session's rules, whichever program forwarded it (the idle
                // expiry reads these counters: a session the bridge carried is not idle)
                try (Datapath pinned = Datapath.openPinned(lab.pair.pinRoot)) {
                    for (int i = 0; i < SESSIONS; i++) {
                        FlowKey forward = lab.forwardKey(lab.wirePort(24000 + i));
                        FlowKey to = pinned.rules().readAll().get(forward).rewrite();
                        FlowKey reverse = new FlowKey(dp0, to.dstIp(), to.srcIp(), to.dstPort(), to.srcPort());
                        long sent = phases.graceful().get(i).sent() + phases.crash().get(i).sent();
                        assertEquals(sent, pinned.rules().counters(forward).packets(), "forward rule of session " + i);
                        assertEquals(sent + 1, pinned.rules().counters(reverse).packets(),
                                "reverse rule of session " + i + " (the setup datagram's reply included)");
                    }
                }
                // after the restarts: xdp_main on the pinned maps, no bridge, and DPDK sets up a new session
                int programId = xdp(lab.pair).orElseThrow().programId();
                BpfProgram.Info program = BpfProgram.describe(programId).orElseThrow();
                assertEquals(Datapath.PROGRAM, program.name());
                try (BpfMap rules = BpfMap.openPinned(lab.pair.pinRoot.resolve(Datapath.RULES_MAP))) {
                    assertTrue(program.mapIds().contains(rules.id()), "XDP runs on the pinned rules map: " + program);
                }
                assertEquals(Optional.empty(), bridge(lab.pair));
                aNewSessionIsTheLastLoopsOnlyDpdkPacket(children.getLast(), lab.clients(24100, 1).getFirst(), lab.vip);
            } catch (AssertionError | Exception e) {
                children.forEach(c -> System.err.println("DPDK child " + c.process.pid() + ":\n" + c.text()));
                throw e;
            }
        }
    }

    @Test
    void withoutTheBridgeTheSameRestartsLosePackets() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            Rig rig = rig(lab);
            List<DatagramSocket> clients = openSessionsOnBinaryEcho(rig, "naive", lab.clients(24000, SESSIONS));
            List<DpdkPair.Child> children = new ArrayList<>();
            try {
                Phases phases = restartTwice(rig, clients, "naive", children, (phase, child) -> {
                    if (phase.equals("stopped")) {
                        assertEquals(Optional.empty(), xdp(lab.pair), "the port close detached XDP");
                        assertEquals(Optional.empty(), bridge(lab.pair), "no bridge in this mode");
                    }
                });
                System.out.printf("restart without the bridge: SIGTERM+start %s; SIGKILL+start %s%n", phases.graceful(), phases.crash());
                // nothing forwards from the port close until the next process's PMD attaches XDP again
                assertTrue(Phases.missing(phases.graceful()) > 0, "a naive graceful restart loses packets: " + phases.graceful());
                SessionLoopTest.Setup.stop(children.getLast());
            } catch (AssertionError | Exception e) {
                children.forEach(c -> System.err.println("DPDK child " + c.process.pid() + ":\n" + c.text()));
                throw e;
            }
        }
    }

    /**
     * IPv6 sessions (issue 17): the same run on a dual-stack pair, IPv6 clients to the IPv6 VIP, their rules in
     * xdp_rules6 — the tc bridge carries them through both restarts as XDP does, with nothing lost or duplicated.
     */
    @Test
    void offloadedIpv6SessionsLoseNothingThroughAGracefulRestartAndACrash() throws Exception {
        try (DualStackSessionLoopTest.Setup lab = new DualStackSessionLoopTest.Setup()) {
            Rig rig = new Rig(lab.pair, lab.vip6, List.of(lab.pair.peerNs), DualStackSessionLoopTest.BACKENDS6,
                    (ip, port) -> lab.socket(ip, port, 0),
                    mode -> lab.pair.startJava(DpdkLoopMain.class.getName(), lab.config(600_000, BACKEND_PORT).toString(),
                            "edge-1", mode),
                    () -> lab.sessionRules6().size());
            List<DatagramSocket> clients = openSessionsOnBinaryEcho(rig, "bridge", lab.clients(DpdkPair.PEER_IP6, 24000, SESSIONS));
            List<DpdkPair.Child> children = new ArrayList<>();
            try {
                long overflowsBefore = socketOverflows(rig);
                Phases phases = restartTwice(rig, clients, "bridge", children, bridgeSteps(lab.pair));
                System.out.printf("IPv6 sessions, restart with the tc bridge: SIGTERM+start %s; SIGKILL+start %s%n",
                        phases.graceful(), phases.crash());
                assertNothingLostOrDuplicated(rig, overflowsBefore, phases);
                try (Datapath pinned = Datapath.openPinned(lab.pair.pinRoot)) {
                    for (int i = 0; i < SESSIONS; i++) {
                        FlowKey6 forward = new FlowKey6(lab.pair.dp0, lab.peer6, lab.vipIp6, 24000 + i, DualStackSessionLoopTest.PORT);
                        FlowKey6 to = pinned.rules6().get(forward).orElseThrow().rewrite();
                        FlowKey6 reverse = new FlowKey6(lab.pair.dp0, to.dstIp(), to.srcIp(), to.dstPort(), to.srcPort());
                        long sent = phases.graceful().get(i).sent() + phases.crash().get(i).sent();
                        assertEquals(sent, pinned.rules6().counters(forward).packets(), "forward rule of IPv6 session " + i);
                        assertEquals(sent + 1, pinned.rules6().counters(reverse).packets(),
                                "reverse rule of IPv6 session " + i + " (the setup datagram's reply included)");
                    }
                }
                assertEquals(Optional.empty(), bridge(lab.pair));
                aNewSessionIsTheLastLoopsOnlyDpdkPacket(children.getLast(), lab.clients(DpdkPair.PEER_IP6, 24100, 1).getFirst(),
                        lab.vip6);
            } catch (AssertionError | Exception e) {
                children.forEach(c -> System.err.println("DPDK child " + c.process.pid() + ":\n" + c.text()));
                throw e;
            }
        }
    }

    /**
     * What a run restarts: the pair, the VIP its sessions' clients send to, the namespaces of the test's sockets, the
     * backends (sockets bound by {@code socket}), how a loop starts in a mode, and how many session rules are pinned.
     */
    record Rig(DpdkPair pair, InetSocketAddress vip, List<String> socketNamespaces, List<String> backends,
               BiFunction<String, Integer, DatagramSocket> socket, LoopStarter loop, IntSupplier sessionRules) {
    }

    /** Starts a loop child whose DPDK ports start and stop in {@code mode} ({@code bridge} or {@code naive}). */
    @FunctionalInterface
    interface LoopStarter {
        DpdkPair.Child start(String mode) throws IOException;
    }

    /** The IPv4 lab: clients behind a NAT, backends on {@link SessionLoopTest#BACKENDS}. */
    private static Rig rig(SessionLoopTest.Setup lab) {
        return new Rig(lab.pair, lab.vip, List.of(lab.clientNs, lab.pair.peerNs), SessionLoopTest.BACKENDS,
                (ip, port) -> lab.socket(lab.pair.peerNs, ip, port, 0),
                mode -> lab.startLoop(mode, BACKEND_PORT, PORTS, 600_000), () -> lab.sessionRules().size());
    }

    /** The bridge's steps at each phase of {@link #restartTwice}: a stop leaves the bridge, a crash leaves XDP. */
    private static PhaseCheck bridgeSteps(DpdkPair pair) {
        return (phase, child) -> {
            switch (phase) {
                case "stopped" -> {
                    assertTrue(child.lines("STEP").stream().anyMatch(l -> l.startsWith("STEP BRIDGE_ATTACHED")), child.text());
                    assertTrue(child.lines("STEP").stream().anyMatch(l -> l.contains("PORTS_CLOSED 0 XDP detached by the PMD")),
                            child.text());
                    assertEquals(Optional.empty(), xdp(pair), "the port close detached XDP");
                    assertTrue(bridge(pair).isPresent(), "the bridge forwards after the process exited");
                }
                case "killed" -> {
                    assertTrue(xdp(pair).isPresent(), "a killed process leaves XDP attached");
                    assertEquals(Optional.empty(), bridge(pair));
                }
                case "restarted after stop" -> assertEquals(List.of("BRIDGE_KEPT", "PORTS_STARTED", "XDP_VERIFIED", "BRIDGE_REMOVED"),
                        stepActions(child), child.text());
                case "restarted after crash" -> assertEquals(
                        List.of("BRIDGE_ATTACHED", "STALE_XDP_DETACHED", "PORTS_STARTED", "XDP_VERIFIED", "BRIDGE_REMOVED"),
                        stepActions(child), child.text());
                default -> throw new AssertionError(phase);
            }
        };
    }

    /** Per phase: 0 missing and 0 duplicated, and no datagram dropped by the test's own sockets. */
    private static void assertNothingLostOrDuplicated(Rig rig, long overflowsBefore, Phases phases) {
        // a datagram dropped by a full socket buffer of the test is lost too, but not by the datapath
        assertEquals(0, socketOverflows(rig) - overflowsBefore,
                "UDP receive buffer overflows in the test's sockets (the machine starved them): rerun");
        assertEquals(0, Phases.missing(phases.graceful()), "lost through SIGTERM + start: " + phases.graceful());
        assertEquals(0, Phases.duplicates(phases.graceful()), "duplicated through SIGTERM + start: " + phases.graceful());
        assertEquals(0, Phases.missing(phases.crash()), "lost through SIGKILL + start: " + phases.crash());
        assertEquals(0, Phases.duplicates(phases.crash()), "duplicated through SIGKILL + start: " + phases.crash());
    }

    /** A new client after the restarts gets its session through DPDK: the last loop's one DPDK packet, the rest adopted. */
    private static void aNewSessionIsTheLastLoopsOnlyDpdkPacket(DpdkPair.Child last, DatagramSocket late,
            InetSocketAddress vip) throws Exception {
        assertEquals("late", SessionLoopTest.exchange(late, vip, "late"));
        SessionLoopTest.Setup.stop(last);
        assertEquals(1, SessionLoopTest.Setup.dpdkRx(last), "DPDK saw only the new session's first datagram\n" + last.text());
        assertEquals(Map.of("created", 1L, "adopted", (long) SESSIONS),
                SessionLoopTest.pick(last.counters("TABLE"), "created", "adopted"), last.text());
    }

    /** Checks made at each phase of {@link #restartTwice}. */
    interface PhaseCheck {
        void check(String phase, DpdkPair.Child child) throws Exception;
    }

    /**
     * Starts a child in {@code mode}, then: streams on; SIGTERM; the exit awaited; a new child until
     * READY; streams off (graceful). Streams on; SIGKILL; a new child until READY; streams off (crash).
     * The last child is left running, in {@code children}.
     */
    private static Phases restartTwice(Rig lab, List<DatagramSocket> clients, String mode,
            List<DpdkPair.Child> children, PhaseCheck check) throws Exception {
        DpdkPair.Child first = start(lab, mode, children);
        assertTrue(first.await("READY", STEP_MS).endsWith("adopted=" + SESSIONS + " orphans=0"), first.text());

        List<SequencedStream> graceful = streams(lab, clients);
        // SIGTERM through the handle: Process.destroy() would also close our end of the child's pipes
        first.process.toHandle().destroy();
        int status = first.finish(STEP_MS);
        assertEquals(1, first.lines("DONE").size(), "a clean stop on SIGTERM (exit status " + status + "):\n" + first.text());
        check.check("stopped", first);
        DpdkPair.Child second = start(lab, mode, children);
        second.await("READY", STEP_MS);
        check.check("restarted after stop", second);
        List<SequencedStream.Report> gracefulReports = stop(graceful);

        List<SequencedStream> crash = streams(lab, clients);
        second.process.toHandle().destroyForcibly(); // SIGKILL
        assertTrue(second.process.waitFor(STEP_MS, TimeUnit.MILLISECONDS), "killed child exits");
        check.check("killed", second);
        DpdkPair.Child third = start(lab, mode, children);
        third.await("READY", STEP_MS);
        check.check("restarted after crash", third);
        List<SequencedStream.Report> crashReports = stop(crash);
        return new Phases(gracefulReports, crashReports);
    }

    private static DpdkPair.Child start(Rig lab, String mode, List<DpdkPair.Child> children) throws IOException {
        DpdkPair.Child child = lab.loop().start(mode);
        children.add(child);
        return child;
    }

    /**
     * Backends that echo verbatim on {@link #BACKEND_PORT}, then one session per client, set up by a
     * first loop whose first datagrams go through DPDK; that loop stops as the run's {@code mode} does (without
     * the bridge, none is left behind), leaving the sessions' rules (the next loop adopts them).
     */
    private static List<DatagramSocket> openSessionsOnBinaryEcho(Rig lab, String mode, List<DatagramSocket> clients)
            throws Exception {
        for (String backend : lab.backends()) {
            DatagramSocket s = lab.socket().apply(backend, BACKEND_PORT);
            // a JVM starting on this 2-core machine can starve the echo thread for a few hundred ms: the
            // default buffer (~280 datagrams) then overflows in the test, not in the datapath
            s.setReceiveBufferSize(4 << 20);
            Thread.ofPlatform().daemon().start(() -> echoVerbatim(s));
        }
        DpdkPair.Child setup = lab.loop().start(mode);
        try {
            setup.await("READY", STEP_MS);
            for (int i = 0; i < SESSIONS; i++) {
                assertEquals("s" + i, SessionLoopTest.exchange(clients.get(i), lab.vip(), "s" + i));
            }
            assertEquals(2 * SESSIONS, lab.sessionRules().getAsInt(), "both rules of every session");
            SessionLoopTest.Setup.stop(setup);
            assertEquals(SESSIONS, SessionLoopTest.Setup.dpdkRx(setup), setup.text());
        } catch (AssertionError | Exception e) {
            System.err.println("setup loop:\n" + setup.text());
            throw e;
        }
        // the sequence streams drain for 500 ms of silence
        for (DatagramSocket client : clients) {
            client.setSoTimeout(500);
        }
        return clients;
    }

    private static List<SequencedStream> streams(Rig lab, List<DatagramSocket> clients) throws InterruptedException {
        List<SequencedStream> streams = new ArrayList<>();
        for (DatagramSocket client : clients) {
            streams.add(new SequencedStream(client, lab.vip(), client, 2_000_000, RATE_PER_SESSION));
        }
        for (SequencedStream stream : streams) {
            assertTrue(stream.awaitFirst(10, TimeUnit.SECONDS), "the session's stream flows through XDP");
        }
        return streams;
    }

    private static List<SequencedStream.Report> stop(List<SequencedStream> streams) throws InterruptedException {
        List<SequencedStream.Report> reports = new ArrayList<>();
        for (SequencedStream stream : streams) {
            reports.add(stream.stop());
        }
        return reports;
    }

    static void echoVerbatim(DatagramSocket s) {
        byte[] buf = new byte[2048];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                s.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            }
        } catch (IOException closed) {
            // socket closed at the end of the test
        }
    }

    static Optional<Xdp.Attachment> xdp(DpdkPair pair) {
        return NetNs.call(pair.dpdkNs, () -> Xdp.query(pair.dp0));
    }

    static Optional<?> bridge(DpdkPair pair) {
        return NetNs.call(pair.dpdkNs, () -> DpdkDatapathLifecycle.bridge(pair.dp0));
    }

    static long socketOverflows(Rig lab) {
        return socketOverflows(lab.socketNamespaces());
    }

    /** UDP RcvbufErrors of both families in {@code namespaces}, summed. */
    static long socketOverflows(List<String> namespaces) {
        long sum = 0;
        for (String ns : namespaces) {
            sum += UdpCounters.of(ns).get("RcvbufErrors") + UdpCounters.ipv6(ns, "RcvbufErrors");
        }
        return sum;
    }

    static List<String> stepActions(DpdkPair.Child child) {
        return child.lines("STEP").stream().map(l -> l.split(" ")[1]).toList();
    }
}
