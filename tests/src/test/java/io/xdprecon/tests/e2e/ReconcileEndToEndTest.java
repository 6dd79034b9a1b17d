package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.apply.Applier;
import io.xdprecon.apply.ApplyRefusedException;
import io.xdprecon.cli.Main;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.host.Command;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tests.traffic.SequencedStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciler on the lab: a config applied makes traffic flow; an edit shows in the plan exactly
 * and applies while a sequence-numbered stream on an untouched flow loses nothing; a second plan says
 * "No changes."; a rule deleted behind xdprecon's back is drift; guards refuse and write nothing.
 */
class ReconcileEndToEndTest {
    private static final String NODE = "lab-node";

    @TempDir
    Path dir;

    private Lab lab;

    @BeforeEach
    void startLab() {
        lab = Lab.start();
    }

    @AfterEach
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String flow(String name, int n, int serverPort) {
        return LabConfigs.flow(name, n, serverPort);
    }

    private Path config(String name, List<String> localIps, String... flows) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, LabConfigs.document(localIps, flows));
        return file;
    }

    /** Runs the CLI inside the proxy namespace, where the config's devices pc and ps live. */
    private Main.Captured cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--pin-root", lab.pinRoot().toString()));
        all.addAll(List.of("--node", NODE));
        return NetNs.call(lab.proxyNs(), () -> Main.capture(all.toArray(String[]::new)));
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Sends one datagram on flow n and returns where the server socket saw it come from. */
    private String relayOnce(int n, DatagramSocket client, DatagramSocket server) throws Exception {
        byte[] payload = ("flow " + n).getBytes();
        client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(Lab.VIP, 30000 + n)));
        DatagramPacket got = new DatagramPacket(new byte[100], 100);
        server.receive(got);
        return got.getSocketAddress().toString();
    }

    private FlowKey forwardKey(int n) {
        return FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000 + n, Lab.VIP, 30000 + n);
    }

    @Test
    void applyEditPlanApplyWithZeroLossOnUntouchedFlowsThenNoChangesThenDrift() throws Exception {
        Path v1 = config("v1", List.of(Lab.VIP), flow("steady", 0, 50000), flow("changing", 1, 50001), flow("leaving", 2, 50002));
        Main.Captured plan1 = cli("plan", "-c", v1.toString(), "--detailed-exitcode");
        assertEquals(2, plan1.exit(), plan1.out() + plan1.err());
        assertEquals("Plan: 4 to add, 0 to change, 0 to destroy.", lastLine(plan1.out()), plan1.out());
        assertTrue(plan1.out().contains("+ flow steady"), plan1.out());

        Main.Captured apply1 = cli("apply", "-c", v1.toString());
        assertEquals(0, apply1.exit(), apply1.out() + apply1.err());
        assertTrue(apply1.out().contains("Apply complete: 4 added, 0 changed, 0 destroyed"), apply1.out());

        DatagramSocket client1 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20001);
        DatagramSocket server1 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50001);
        assertEquals("/10.210.2.1:40001", relayOnce(1, client1, server1));
        FlowCounters changingBefore = lab.datapath().rules().counters(forwardKey(1));
        assertEquals(1, changingBefore.packets());

        // An untouched flow carries a numbered stream through the edit and the apply.
        DatagramSocket client0 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server0 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client0, new InetSocketAddress(Lab.VIP, 30000), server0, 200_000, 20_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the stream flows before the edit");

        // Edit: change a flow's server port, delete a flow, add a flow and a local IP.
        Path v2 = config("v2", List.of(Lab.VIP, Lab.PROXY_CLIENT_SIDE_IP),
                flow("steady", 0, 50000), flow("changing", 1, 50011), flow("joining", 3, 50003));
        Main.Captured plan2 = cli("plan", "-c", v2.toString());
        assertEquals(0, plan2.exit(), plan2.err());
        assertEquals("Plan: 2 to add, 1 to change, 1 to destroy.", lastLine(plan2.out()), plan2.out());
        assertTrue(plan2.out().contains("+ flow joining"), plan2.out());
        assertTrue(plan2.out().contains("~ flow changing"), plan2.out());
        assertTrue(plan2.out().contains("- flow not in the config") || plan2.out().contains("- flow leaving"), plan2.out());
        assertTrue(plan2.out().contains("+ " + Lab.PROXY_CLIENT_SIDE_IP), plan2.out());
        assertFalse(plan2.out().contains("flow steady"), "an untouched flow is not in the plan:\n" + plan2.out());

        Main.Captured apply2 = cli("apply", "-c", v2.toString());
        assertEquals(0, apply2.exit(), apply2.out() + apply2.err());
        // The apply may take a few milliseconds: the stream goes on after it, so the flow is seen forwarding past it.
        assertTrue(stream.awaitSent(stream.sentSoFar() + 1000, 10, TimeUnit.SECONDS), "the stream goes on after the apply");
        SequencedStream.Report report = stream.stop();
        assertTrue(report.lossless(), "untouched flow through the apply: " + report);
        assertTrue(report.sent() > 1000, "the stream ran: " + report);

        DatagramSocket server11 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50011);
        assertEquals("/10.210.2.1:40001", relayOnce(1, client1, server11), "the changed flow follows its new server");
        assertEquals(changingBefore.packets() + 1, lab.datapath().rules().counters(forwardKey(1)).packets(),
                "a changed rule keeps its counters");
        DatagramSocket client3 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20003);
        DatagramSocket server3 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50003);
        assertEquals("/10.210.2.1:40003", relayOnce(3, client3, server3), "the added flow works");
        assertTrue(lab.datapath().rules().get(forwardKey(2)).isEmpty(), "the deleted flow's rule is gone");
        assertTrue(lab.datapath().localIps().readAll().containsKey(Ipv4.parse(Lab.PROXY_CLIENT_SIDE_IP)));

        Main.Captured named = cli("flows", "-c", v2.toString(), "--json");
        assertEquals(0, named.exit(), named.err());
        assertTrue(named.out().contains("\"flow\" : \"steady (forward)\""), named.out());
        Main.Captured table = cli("flows", "-c", v2.toString());
        assertTrue(table.out().contains("changing (reverse)"), table.out());
        assertTrue(table.out().contains("6 rules"), table.out());

        Main.Captured again = cli("plan", "-c", v2.toString(), "--detailed-exitcode");
        assertEquals(0, again.exit(), again.out());
        assertEquals("No changes.", lastLine(again.out()));

        // Drift: a rule deleted by hand with bpftool shows in the next plan, and apply restores it.
        bpftoolDelete(forwardKey(0));
        Main.Captured drift = cli("plan", "-c", v2.toString(), "--detailed-exitcode");
        assertEquals(2, drift.exit(), drift.out());
        assertTrue(drift.out().contains("flow steady"), drift.out());
        assertEquals("Plan: 0 to add, 1 to change, 0 to destroy.", lastLine(drift.out()), drift.out());
        assertEquals(0, cli("apply", "-c", v2.toString()).exit());
        assertEquals("No changes.", lastLine(cli("plan", "-c", v2.toString()).out()));
    }

    @Test
    void aSavedPlanIsRefusedOnceTheNodeMovedAndNothingIsWritten() throws Exception {
        Path v1 = config("v1", List.of(Lab.VIP), flow("one", 0, 50000));
        Path saved = dir.resolve("one.plan");
        assertEquals(0, cli("plan", "-c", v1.toString(), "--out", saved.toString()).exit());
        // Someone else writes a config rule meanwhile.
        lab.datapath().rules().put(forwardKey(9), new FlowRule(forwardKey(8), Owner.CONFIG));
        Map<FlowKey, FlowRule> before = lab.datapath().rules().readAll();
        Main.Captured refused = cli("apply", saved.toString());
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains("the live state changed since this plan was made"), refused.err());
        assertEquals(before, lab.datapath().rules().readAll(), "nothing was written");

        lab.datapath().rules().remove(forwardKey(9));
        Main.Captured applied = cli("apply", saved.toString());
        assertEquals(0, applied.exit(), applied.out() + applied.err());
        assertEquals(2, lab.datapath().rules().readAll().size());
    }

    /**
     * The daemon's apply of a plan it made moments ago checks only the keys the plan touches, by
     * lookups: a session taking one of them between plan and apply refuses it and writes nothing; a rule
     * written elsewhere meanwhile does not (the drift interval's full plan is there for that).
     */
    @Test
    void aFreshPlanIsRefusedOnlyWhenAKeyItTouchesMoved() throws Exception {
        assertEquals(0, cli("apply", "-c", config("v1", List.of(Lab.VIP), flow("one", 0, 50000)).toString()).exit());
        Path v2 = config("v2", List.of(Lab.VIP), flow("one", 0, 50001));
        LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
        Applier applier = new Applier(reader, setting -> { }, line -> { });
        Plan plan = NetNs.call(lab.proxyNs(), () -> {
            DesiredState desired = ConfigLoader.load(v2).forNode(NODE, InterfaceResolver.currentNetns());
            return Planner.plan(desired, reader.read(desired));
        });
        // The forward leg's target changes; the reverse leg moves to the new server port (added, old one deleted).
        assertEquals(3, plan.touchedKeys().size(), plan.touchedKeys().toString());
        assertTrue(plan.touchedKeys().contains(forwardKey(0)) && !plan.touchedKeys().contains(forwardKey(9)));

        FlowRule written = lab.datapath().rules().get(forwardKey(0)).orElseThrow();
        lab.datapath().rules().put(forwardKey(0), new FlowRule(written.rewrite(), Owner.SESSION));
        Map<FlowKey, FlowRule> before = lab.datapath().rules().readAll();
        ApplyRefusedException refused = assertThrows(ApplyRefusedException.class,
                () -> applier.applyFresh(plan, new Applier.Options(false, false)));
        assertTrue(refused.getMessage().contains("the live state changed since this plan was made"), refused.getMessage());
        assertEquals(before, lab.datapath().rules().readAll(), "nothing was written");

        lab.datapath().rules().put(forwardKey(0), written);
        lab.datapath().rules().put(forwardKey(9), new FlowRule(forwardKey(8), Owner.CONFIG)); // not a touched key
        applier.applyFresh(plan, new Applier.Options(false, false));
        assertEquals(50001, lab.datapath().rules().get(forwardKey(0)).orElseThrow().rewrite().dstPort());
    }

    @Test
    void emptyingTheConfigIsAMassDeleteThatNeedsItsFlag() throws Exception {
        Path v1 = config("v1", List.of(Lab.VIP), flow("a", 0, 50000), flow("b", 1, 50001));
        assertEquals(0, cli("apply", "-c", v1.toString()).exit());
        Path empty = config("empty", List.of(Lab.VIP));
        Main.Captured refused = cli("apply", "-c", empty.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("--allow-mass-delete"), refused.err());
        assertEquals(4, lab.datapath().rules().readAll().size(), "nothing was deleted");
        Main.Captured forced = cli("apply", "-c", empty.toString(), "--allow-mass-delete");
        assertEquals(0, forced.exit(), forced.out() + forced.err());
        assertTrue(lab.datapath().rules().readAll().isEmpty());
    }

    @Test
    void anInvalidConfigWritesNothingAndNamesFileLineAndColumn() throws Exception {
        Path bad = config("bad", List.of(Lab.VIP), flow("a", 0, 70000));
        Main.Captured refused = cli("apply", "-c", bad.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains(bad + ":"), refused.err());
        assertTrue(refused.err().contains("70000"), refused.err());
        assertTrue(lab.datapath().rules().readAll().isEmpty(), "nothing was written");
        assertEquals(0, lab.datapath().stats().read().get(Stat.REWRITE_HIT));
    }

    /**
     * Issue 10 case 3: rules this build never writes — an all-zero value (owner code 0) at a config key, owner
     * code 7 at a key of no flow — written with bpftool, and a session rule in mode xdp, where no session loop
     * owns it. Before, reading the first two threw "unknown rule owner code" in flows, sessions, plan, apply and
     * the daemon (which exited 1 at every start), and the session rule was never in a plan. Now flows and
     * sessions list the node, plan shows all three (the config's rule replaces one, the others are removed), the
     * daemon's reconcile (run --once) converges, and so does apply after the rules come back; the replaced flow
     * relays again, and a numbered stream on another flow loses nothing throughout.
     */
    @Test
    void rulesOfUnknownOwnerCodesAndSessionRulesInXdpModeAreShownAndReplacedOrRemovedNeverACrash() throws Exception {
        Path v1 = config("v1", List.of(Lab.VIP), flow("steady", 0, 50000), flow("second", 1, 50001));
        Main.Captured applied = cli("apply", "-c", v1.toString());
        assertEquals(0, applied.exit(), applied.out() + applied.err());
        DatagramSocket client0 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server0 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        SequencedStream stream = new SequencedStream(client0, new InetSocketAddress(Lab.VIP, 30000), server0, 200_000, 20_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the stream flows");
        FlowKey stray = forwardKey(9);

        FlowKey staleSession = forwardKey(8);
        for (String converge : List.of("run --once", "apply")) {
            bpftoolUpdate(forwardKey(1), new FlowKey(0, 0, 0, 0, 0), 0);
            bpftoolUpdate(stray, FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40009, Lab.SERVER_IP, 50009), 7);
            // mode: xdp runs no session loop: a session rule here is stale or injected, and nobody's
            lab.datapath().rules().put(staleSession, new FlowRule(
                    FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40008, Lab.SERVER_IP, 50008), Owner.SESSION));
            assertEquals(FlowRule.read(new FlowKey(0, 0, 0, 0, 0), 0), lab.datapath().rules().get(forwardKey(1)).orElseThrow());

            Main.Captured flows = cli("flows", "-c", v1.toString());
            assertEquals(0, flows.exit(), flows.out() + flows.err());
            assertTrue(flows.out().contains("unknown owner code 7") && flows.out().contains("unknown owner code 0"), flows.out());
            Main.Captured sessions = NetNs.call(lab.proxyNs(), () -> Main.capture("sessions", "--admin", "127.0.0.1:1",
                    "--pin-root", lab.pinRoot().toString()));
            assertFalse(sessions.err().contains("Exception"), sessions.err());
            Main.Captured plan = cli("plan", "-c", v1.toString(), "--detailed-exitcode");
            assertEquals(2, plan.exit(), plan.out() + plan.err());
            assertEquals("Plan: 0 to add, 1 to change, 2 to destroy.", lastLine(plan.out()), plan.out());
            assertTrue(plan.out().contains("(unknown owner code 0)") && plan.out().contains("(unknown owner code 7)"), plan.out());
            assertTrue(plan.out().contains("(session-owned)") && plan.out().contains("1 session-owned rule(s) are live, but"
                    + " datapath.mode is xdp"), plan.out());

            Main.Captured done = converge.equals("apply") ? cli("apply", "-c", v1.toString())
                    : cli("run", "--source", "file:" + v1, "--once", "--admin", "off", "--state-dir", dir.resolve("state").toString());
            assertEquals(0, done.exit(), converge + ":\n" + done.out() + done.err());
            assertTrue(lab.datapath().rules().get(stray).isEmpty(), converge + " removed the stray rule");
            assertTrue(lab.datapath().rules().get(staleSession).isEmpty(), converge + " removed the session rule");
            assertEquals(Owner.CONFIG, lab.datapath().rules().get(forwardKey(1)).orElseThrow().owner());
            DatagramSocket client1 = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20001);
            DatagramSocket server1 = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50001);
            assertEquals("/10.210.2.1:40001", relayOnce(1, client1, server1), "the replaced flow relays after " + converge);
            client1.close();
            server1.close();
        }
        SequencedStream.Report report = stream.stop();
        assertTrue(report.lossless(), "a flow beside the odd rules: " + report);
    }

    /** Writes a rule value this build never writes, as another tool or a bug could: bpftool on the pinned map. */
    private void bpftoolUpdate(FlowKey key, FlowKey rewrite, int ownerCode) {
        byte[] value = Abi.ruleBytes(new FlowRule(rewrite, Owner.CONFIG), 0); // slot 0: none
        ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).putInt(Abi.FLOW_KEY_SIZE, ownerCode);
        List<String> command = new ArrayList<>(List.of("bpftool", "map", "update", "pinned",
                lab.pinRoot().resolve("xdp_fwd_rules").toString(), "key", "hex"));
        command.addAll(List.of(HexFormat.ofDelimiter(" ").formatHex(Abi.keyBytes(key)).split(" ")));
        command.addAll(List.of("value", "hex"));
        command.addAll(List.of(HexFormat.ofDelimiter(" ").formatHex(value).split(" ")));
        Command.run(command);
    }

    /** Deletes one rule the way an operator would by hand: bpftool on the pinned map. */
    private void bpftoolDelete(FlowKey key) {
        List<String> command = new ArrayList<>(List.of("bpftool", "map", "delete", "pinned",
                lab.pinRoot().resolve("xdp_fwd_rules").toString(), "key", "hex"));
        command.addAll(List.of(HexFormat.ofDelimiter(" ").formatHex(Abi.keyBytes(key)).split(" ")));
        Command.run(command);
        assertTrue(lab.datapath().rules().get(key).isEmpty(), "bpftool deleted " + key);
    }

    /**
     * Tuning through apply, and a failing step: the queue change is disruptive (refused without its flag);
     * with the flag the kernel refuses it (a veth running XDP cannot take more RX channels than its peer
     * has TX queues), so apply stops at that step, reads the node again, lists what did not land, and
     * wrote nothing after it; without the tuning the same config converges.
     */
    @Test
    void aDisruptiveChangeNeedsItsFlagAndAFailedStepReportsWhatLanded() throws Exception {
        String flows = LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("a", 0, 50000));
        Path tuned = dir.resolve("tuned.yaml");
        Files.writeString(tuned, flows + "tuning:\n  interfaces:\n    private: { queues: 2 }\n");
        Main.Captured plan = cli("plan", "-c", tuned.toString());
        assertEquals(0, plan.exit(), plan.out() + plan.err());
        assertTrue(plan.out().contains("~ queues ps: 1 -> 2 (disruptive"), plan.out());

        Main.Captured refused = cli("apply", "-c", tuned.toString());
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains("--allow-disruptive"), refused.err());
        assertTrue(lab.datapath().rules().readAll().isEmpty(), "refused before any write");

        Main.Captured failed = cli("apply", "-c", tuned.toString(), "--allow-disruptive");
        assertEquals(1, failed.exit(), failed.out());
        assertTrue(failed.err().contains("apply stopped at step 'tuning'"), failed.err());
        assertTrue(failed.err().contains("ethtool -L ps"), failed.err());
        assertTrue(failed.err().contains("0 planned changes landed, 4 did not"), failed.err());
        assertTrue(failed.err().contains("+ rule if" + lab.pc().ifindex() + " 10.210.1.2:20000 -> 10.210.1.100:30000"), failed.err());
        assertTrue(failed.err().contains("Run apply again to converge."), failed.err());
        assertTrue(lab.datapath().rules().readAll().isEmpty(), "nothing after the failed step was written");

        Path plain = dir.resolve("plain.yaml");
        Files.writeString(plain, flows);
        assertEquals(0, cli("apply", "-c", plain.toString()).exit());
        assertEquals("No changes.", lastLine(cli("plan", "-c", plain.toString()).out()));
        assertEquals(2, lab.datapath().rules().readAll().size());
    }
}
