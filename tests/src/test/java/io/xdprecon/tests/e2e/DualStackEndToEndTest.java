package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.apply.Applier;
import io.xdprecon.apply.ApplyRefusedException;
import io.xdprecon.cli.Main;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.layout.PinnedLayout;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tests.traffic.SequencedStream;
import io.xdprecon.tests.traffic.UdpCounters;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 5 on the lab made dual stack ({@link Lab#dualStack()}): IPv6 flows applied by the CLI forward in XDP,
 * rewritten (addresses, ports, checksums) as the far end sees them, both ways; an edit planned and applied while a
 * numbered IPv6 stream runs through an untouched flow loses nothing; a resize and a pin rebuild keep the IPv6 rules
 * and their counters; and the daemon restarted under that stream loses nothing and writes nothing.
 */
class DualStackEndToEndTest {
    private static final String NODE = "lab-node";

    @TempDir
    Path dir;

    private Lab lab;
    private final List<Process> daemons = new ArrayList<>();

    @BeforeEach
    void startLab() {
        lab = Lab.start().dualStack();
    }

    @AfterEach
    void stopLab() throws Exception {
        for (Process p : daemons) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (lab != null) {
            lab.close();
        }
    }

    private Path config(String name, String... flows) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, LabConfigs.document(List.of(Lab.VIP, "'" + Lab.VIP6 + "'"), flows));
        return file;
    }

    private Main.Captured cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--pin-root", lab.pinRoot().toString(), "--node", NODE));
        return NetNs.call(lab.proxyNs(), () -> Main.capture(all.toArray(String[]::new)));
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private FlowKey6 forwardKey(int n) {
        return new FlowKey6(lab.pc().ifindex(), v6(Lab.CLIENT_IP6), v6(Lab.VIP6), 20000 + n, 30000 + n);
    }

    @Test
    void ipv6FlowsForwardRewrittenBothWaysAndAnEditAppliesWithZeroLoss() throws Exception {
        Path v1 = config("v1", LabConfigs.flow6("steady6", 0, 50000), LabConfigs.flow6("changing6", 1, 50001),
                LabConfigs.flow("leaving4", 2, 50002));
        Main.Captured plan1 = cli("plan", "-c", v1.toString());
        assertEquals(0, plan1.exit(), plan1.out() + plan1.err());
        assertTrue(plan1.out().contains("+ pc [2001:db8:c::2]:20000 -> [2001:db8:c::100]:30000 => ps [2001:db8:d::1]:40000"
                + " -> [2001:db8:d::2]:50000"), plan1.out());
        assertEquals("Plan: 5 to add, 0 to change, 0 to destroy.", lastLine(plan1.out()), plan1.out());
        Main.Captured apply1 = cli("apply", "-c", v1.toString());
        assertEquals(0, apply1.exit(), apply1.out() + apply1.err());

        // One datagram each way on changing6: what the far ends receive, and from where.
        DatagramSocket client1 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP6, 20001);
        DatagramSocket server1 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, 50001);
        byte[] payload = "dual stack, flow 1".getBytes();
        client1.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(Lab.VIP6, 30001)));
        DatagramPacket atServer = receive(server1);
        assertEquals(new InetSocketAddress(InetAddress.getByName(Lab.PROXY_SERVER_SIDE_IP6), 40001),
                atServer.getSocketAddress(), "rewritten to leave from the egress address and port");
        assertArrayEquals(payload, Arrays.copyOf(atServer.getData(), atServer.getLength()));
        byte[] answer = "answer".getBytes();
        server1.send(new DatagramPacket(answer, answer.length, atServer.getSocketAddress()));
        DatagramPacket atClient = receive(client1);
        assertEquals(new InetSocketAddress(InetAddress.getByName(Lab.VIP6), 30001), atClient.getSocketAddress(),
                "the answer comes back from the listen address");
        assertArrayEquals(answer, Arrays.copyOf(atClient.getData(), atClient.getLength()));
        assertEquals(1, lab.datapath().rules6().counters(forwardKey(1)).packets(), "forwarded in XDP, counted on its rule");
        flowsTopAndSessionsShowIpv6(v1);
        // The kernels at both ends checked the UDP checksums the rewrite updated (XDP frames carry none verified).
        assertEquals(0, udp6ChecksumErrors(lab.serverNs()), "server side");
        assertEquals(0, udp6ChecksumErrors(lab.clientNs()), "client side");

        // An untouched IPv6 flow carries a numbered stream through the edit and its apply.
        DatagramSocket client0 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP6, 20000);
        DatagramSocket server0 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, 50000, 1000);
        SequencedStream stream = new SequencedStream(client0, new InetSocketAddress(Lab.VIP6, 30000), server0, 200_000, 20_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the stream flows before the edit");

        Path v2 = config("v2", LabConfigs.flow6("steady6", 0, 50000), LabConfigs.flow6("changing6", 1, 50011),
                LabConfigs.flow6("joining6", 3, 50003));
        Main.Captured plan2 = cli("plan", "-c", v2.toString());
        assertEquals(0, plan2.exit(), plan2.err());
        assertTrue(plan2.out().contains("~ flow changing6"), plan2.out());
        assertTrue(plan2.out().contains("+ flow joining6"), plan2.out());
        assertTrue(plan2.out().contains("now => ps [2001:db8:d::1]:40001 -> [2001:db8:d::2]:50011"), plan2.out());
        assertFalse(plan2.out().contains("steady6"), "an untouched flow is not in the plan:\n" + plan2.out());
        assertEquals("Plan: 1 to add, 1 to change, 1 to destroy.", lastLine(plan2.out()), plan2.out());
        Main.Captured apply2 = cli("apply", "-c", v2.toString());
        assertEquals(0, apply2.exit(), apply2.out() + apply2.err());
        // The apply may take a few milliseconds: the stream goes on after it, so the flow is seen forwarding past it.
        assertTrue(stream.awaitSent(stream.sentSoFar() + 1000, 10, TimeUnit.SECONDS), "the stream goes on after the apply");
        SequencedStream.Report report = stream.stop();
        System.out.println("IPv6 stream through edit, plan and apply: " + report);
        assertTrue(report.sent() > 1000, "the stream ran: " + report);
        // Loss the receiver's own overflow explains (a starved thread on a loaded machine) is told apart from the
        // datapath's: XDP's count on the untouched rule says how many it forwarded.
        assertTrue(report.lossless(), "untouched IPv6 flow through the apply: " + report + "; forwarded by XDP on its"
                + " rule " + lab.datapath().rules6().counters(forwardKey(0)).packets() + "; Udp6RcvbufErrors in the"
                + " server's namespace " + UdpCounters.ipv6(lab.serverNs(), "RcvbufErrors"));

        DatagramSocket server11 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, 50011);
        client1.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(Lab.VIP6, 30001)));
        assertEquals(new InetSocketAddress(InetAddress.getByName(Lab.PROXY_SERVER_SIDE_IP6), 40001),
                receive(server11).getSocketAddress(), "the changed flow follows its new server");
        assertEquals(2, lab.datapath().rules6().counters(forwardKey(1)).packets(), "a changed rule keeps its counters");
        DatagramSocket client3 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP6, 20003);
        DatagramSocket server3 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, 50003);
        client3.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(Lab.VIP6, 30003)));
        assertEquals(40003, ((InetSocketAddress) receive(server3).getSocketAddress()).getPort(), "the added flow works");
        assertTrue(lab.datapath().rules().readAll().isEmpty(), "the IPv4 flow's rules are gone");
        assertEquals("No changes.", lastLine(cli("plan", "-c", v2.toString()).out()));
        Map<FlowKey6, FlowRule6> rules6 = lab.datapath().rules6().readAll();
        assertEquals(6, rules6.size(), rules6.toString());
    }

    /**
     * Issue 17 item 3: a resize of the maps (datapath.maxRules edited) and a rebuild of pins someone removed while
     * xdp_main runs keep every IPv6 rule and its counters, as they keep IPv4 ones; the flow forwards after each. Before,
     * the resize was a plan error ("does not carry them yet") and apply refused it.
     */
    @Test
    void aResizeAndAPinRebuildKeepEveryIpv6RuleAndItsCounters() throws Exception {
        Path big = config("big", LabConfigs.flow6("kept6", 0, 50000), LabConfigs.flow("kept4", 1, 50001));
        Main.Captured apply1 = cli("apply", "-c", big.toString());
        assertEquals(0, apply1.exit(), apply1.out() + apply1.err());
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP6, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, 50000);
        for (int i = 0; i < 3; i++) {
            oneThrough(client, server);
        }
        Map<FlowKey6, FlowRule6> rules6 = lab.datapath().rules6().readAll();
        assertEquals(2, rules6.size());
        assertEquals(3, lab.datapath().rules6().counters(forwardKey(0)).packets());

        Path small = dir.resolve("small.yaml");
        Files.writeString(small, Files.readString(big).replace("maxRules: 524288", "maxRules: 4096"));
        Main.Captured plan = cli("plan", "-c", small.toString());
        assertEquals(0, plan.exit(), plan.out() + plan.err());
        assertTrue(plan.out().contains("rules map 524288 -> 4096 entries (migrate 4 rules, counters kept)"), plan.out());
        Main.Captured resize = cli("apply", "-c", small.toString());
        assertEquals(0, resize.exit(), resize.out() + resize.err());
        assertEquals(4096, PinnedLayout.probe(lab.pinRoot()).orElseThrow().rulesCapacity());
        assertKeptAndCounting(rules6, 3, client, server, small);

        Datapath.unpin(lab.pinRoot());
        Main.Captured rebuild = cli("apply", "-c", small.toString());
        assertEquals(0, rebuild.exit(), rebuild.out() + rebuild.err());
        assertTrue(rebuild.out().contains("rebuilt under " + lab.pinRoot() + ": 4 rules moved with their counters"),
                rebuild.out());
        assertKeptAndCounting(rules6, 4, client, server, small);
    }

    /**
     * {@code flows}, {@code top} and the daemon-less {@code sessions} show the IPv6 rules as plans write them, with the
     * counters of xdp_rules6 (changing6 forwarded one datagram), beside the IPv4 ones.
     */
    private void flowsTopAndSessionsShowIpv6(Path config) throws Exception {
        Main.Captured flows = cli("flows", "-c", config.toString(), "--wide");
        assertEquals(0, flows.exit(), flows.out() + flows.err());
        assertTrue(flows.out().lines().anyMatch(l -> l.matches("changing6 \\(forward\\) +pc \\[2001:db8:c::2\\]:20001 ->"
                + " \\[2001:db8:c::100\\]:30001 +ps \\[2001:db8:d::1\\]:40001 -> \\[2001:db8:d::2\\]:50001 +1 +\\d+")), flows.out());
        assertTrue(flows.out().contains("leaving4 (forward)"), flows.out());
        assertEquals("6 rules", lastLine(flows.out()), flows.out());
        Main.Captured flowsJson = cli("flows", "-c", config.toString(), "--json");
        assertEquals(0, flowsJson.exit(), flowsJson.err());
        JsonNode rule = byMatchSource(new ObjectMapper().readTree(flowsJson.out()), "[2001:db8:c::2]:20001");
        assertEquals("changing6 (forward)", rule.get("flow").asText(), rule.toString());
        assertEquals("[2001:db8:d::2]:50001", rule.get("rewrite").get("dst").asText(), rule.toString());
        assertEquals(1, rule.get("packets").asLong(), rule.toString());

        Main.Captured top = cli("top", "-c", config.toString(), "--json", "-n", "0", "--interval", "100ms");
        assertEquals(0, top.exit(), top.out() + top.err());
        JsonNode doc = new ObjectMapper().readTree(top.out());
        assertEquals(2, doc.get("rules").asInt(), doc.toString());
        assertEquals(4, doc.get("ipv6Rules").asInt(), doc.toString());
        JsonNode row = byMatchSource(doc.get("top"), "[2001:db8:c::2]:20001");
        assertEquals("changing6 (forward)", row.get("flow").asText(), row.toString());
        assertEquals(1, row.get("packets").asLong(), row.toString());

        // what a DPDK loop leaves pinned: one IPv6 session's two rules, read without a daemon
        IpAddress.V6 client = v6("2001:db8:c::7");
        FlowKey6 forward = new FlowKey6(lab.pc().ifindex(), client, v6(Lab.VIP6), 21000, 3478);
        FlowKey6 reverse = new FlowKey6(lab.ps().ifindex(), v6(Lab.SERVER_IP6), v6(Lab.PROXY_SERVER_SIDE_IP6), 3478, 45000);
        lab.datapath().rules6().put(forward, new FlowRule6(new FlowKey6(lab.ps().ifindex(), v6(Lab.PROXY_SERVER_SIDE_IP6),
                v6(Lab.SERVER_IP6), 45000, 3478), Owner.SESSION));
        lab.datapath().rules6().put(reverse, new FlowRule6(new FlowKey6(lab.pc().ifindex(), v6(Lab.VIP6), client, 3478,
                21000), Owner.SESSION));
        try {
            Main.Captured sessions = NetNs.call(lab.proxyNs(), () -> Main.capture("sessions", "--admin", "127.0.0.1:1",
                    "--pin-root", lab.pinRoot().toString()));
            assertEquals(0, sessions.exit(), sessions.out() + sessions.err());
            assertTrue(sessions.out().lines().anyMatch(l -> l.matches("pc \\[2001:db8:c::7\\]:21000 -> \\[2001:db8:c::100\\]:3478"
                    + " +ps \\[2001:db8:d::1\\]:45000 -> \\[2001:db8:d::2\\]:3478 +0 +0")), sessions.out());
            assertEquals("2 session rules", lastLine(sessions.out()), sessions.out());
            Main.Captured sessionsJson = NetNs.call(lab.proxyNs(), () -> Main.capture("sessions", "--json", "--admin",
                    "127.0.0.1:1", "--pin-root", lab.pinRoot().toString()));
            JsonNode rules = new ObjectMapper().readTree(sessionsJson.out()).get("rules");
            assertEquals(2, rules.size(), rules.toString());
            assertEquals("[2001:db8:c::7]:21000", rules.get(0).get("match").get("src").asText(), "the client's leg first");
            assertEquals("[2001:db8:d::2]:3478", rules.get(1).get("match").get("src").asText(), "its partner next");
            assertTrue(rules.get(0).get("partnerPresent").asBoolean() && rules.get(1).get("partnerPresent").asBoolean());
        } finally {
            lab.datapath().rules6().remove(forward);
            lab.datapath().rules6().remove(reverse);
        }
    }

    private static JsonNode byMatchSource(JsonNode list, String source) {
        for (JsonNode n : list) {
            if (n.get("match").get("src").asText().equals(source)) {
                return n;
            }
        }
        throw new AssertionError("no rule from " + source + " in " + list);
    }

    /**
     * The daemon's apply of a plan it just made (applyFresh) checks an IPv6 change as it checks an IPv4 one, by point
     * lookups of what the plan touches: a session taking an IPv6 key it touches refuses it and nothing is written,
     * while a config rule written meanwhile at an IPv4 key it does not touch does not refuse it. (Before, any IPv6
     * change took the full check, which walks the whole IPv4 map into the fingerprint: that rule refused it.)
     */
    @Test
    void aFreshIpv6PlanChecksOnlyWhatItTouches() throws Exception {
        Path v1 = config("v1", LabConfigs.flow6("six", 1, 50001), LabConfigs.flow("four", 2, 50002));
        Main.Captured applied = cli("apply", "-c", v1.toString());
        assertEquals(0, applied.exit(), applied.out() + applied.err());
        Path v2 = config("v2", LabConfigs.flow6("six", 1, 50011), LabConfigs.flow("four", 2, 50002));
        LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
        Applier applier = new Applier(reader, setting -> { }, line -> { });
        Plan plan = NetNs.call(lab.proxyNs(), () -> {
            DesiredState desired = ConfigLoader.load(v2).forNode(NODE, InterfaceResolver.currentNetns());
            return Planner.plan(desired, reader.read(desired));
        });
        assertTrue(plan.touchedKeys().isEmpty() && plan.touchedKeys6().contains(forwardKey(1)), "an IPv6-only change");

        FlowRule6 written = lab.datapath().rules6().get(forwardKey(1)).orElseThrow();
        lab.datapath().rules6().put(forwardKey(1), new FlowRule6(written.rewrite(), Owner.SESSION));
        Map<FlowKey6, FlowRule6> before = lab.datapath().rules6().readAll();
        ApplyRefusedException refused = assertThrows(ApplyRefusedException.class,
                () -> applier.applyFresh(plan, new Applier.Options(false, false)));
        assertTrue(refused.getMessage().contains("the live state changed since this plan was made"), refused.getMessage());
        assertEquals(before, lab.datapath().rules6().readAll(), "nothing was written");

        lab.datapath().rules6().put(forwardKey(1), written);
        lab.datapath().rules().put(FlowKey.of(lab.pc().ifindex(), "10.210.1.9", 20009, Lab.VIP, 30009), new FlowRule(
                FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40009, Lab.SERVER_IP, 50009), Owner.CONFIG));
        applier.applyFresh(plan, new Applier.Options(false, false));
        assertEquals(50011, lab.datapath().rules6().get(forwardKey(1)).orElseThrow().rewrite().dstPort(),
                "applied beside an IPv4 rule it does not touch");
    }

    /** What `systemctl restart` does under a numbered IPv6 stream: SIGTERM, a new start that adopts and writes nothing. */
    @Test
    void aDaemonRestartUnderAnIpv6StreamLosesNothingAndWritesNothing() throws Exception {
        Path config = config("flows", LabConfigs.flow6("steady6", 0, 50000));
        Path firstLog = dir.resolve("first.log");
        Process first = startDaemon(config, firstLog);
        awaitLog(firstLog, "applied revision", first);

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP6, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP6, 50000, 1000);
        SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP6, 30000), server, 500_000, 10_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the daemon's IPv6 rules forward");

        first.destroy();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the daemon stopped on SIGTERM");
        Map<FlowKey6, FlowRule6> before = lab.datapath().rules6().readAll();
        long sentWhileDown = stream.sentSoFar();
        Path secondLog = dir.resolve("second.log");
        Process second = startDaemon(config, secondLog);
        awaitLog(secondLog, "is live (no changes needed)", second);
        assertEquals(before, lab.datapath().rules6().readAll(), "the restart wrote no IPv6 rule");
        SequencedStream.Report report = stream.stop();
        System.out.println("IPv6 stream through a daemon restart: " + report);
        assertTrue(report.sent() > sentWhileDown, "the stream ran through the restart: " + report);
        assertTrue(report.lossless(), "stop and start under IPv6 traffic: " + report);
    }

    private Process startDaemon(Path config, Path log) {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.xdprecon.cli.Main", "run", "--source", "file:" + config, "--node", NODE,
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

    /**
     * The pinned maps hold {@code rules6} with flow 0's {@code packets}, xdp_main counts its next datagram there, and
     * {@code config} has no changes left.
     */
    private void assertKeptAndCounting(Map<FlowKey6, FlowRule6> rules6, long packets, DatagramSocket client,
            DatagramSocket server, Path config) throws Exception {
        try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
            assertEquals(rules6, pinned.rules6().readAll(), "every IPv6 rule moved");
            assertEquals(packets, pinned.rules6().counters(forwardKey(0)).packets(), "with its counters");
            oneThrough(client, server);
            assertEquals(packets + 1, pinned.rules6().counters(forwardKey(0)).packets(), "xdp_main counts on the new maps");
        }
        assertEquals("No changes.", lastLine(cli("plan", "-c", config.toString()).out()));
    }

    /** One datagram of flow 0 from the client, received at the server. */
    private static void oneThrough(DatagramSocket client, DatagramSocket server) throws Exception {
        client.send(new DatagramPacket(new byte[8], 8, new InetSocketAddress(Lab.VIP6, 30000)));
        receive(server);
    }

    private static DatagramPacket receive(DatagramSocket socket) throws Exception {
        DatagramPacket got = new DatagramPacket(new byte[200], 200);
        socket.receive(got);
        return got;
    }

    /** {@code Udp6InCsumErrors} of namespace {@code ns}'s kernel. */
    private static long udp6ChecksumErrors(String ns) {
        return UdpCounters.ipv6(ns, "InCsumErrors");
    }

    private static IpAddress.V6 v6(String text) {
        long[] bits = Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }
}
