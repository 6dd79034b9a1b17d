package io.xdprecon.tests.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.cli.Main;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.layout.LayoutMigration;
import io.xdprecon.dataplane.layout.PinnedLayout;
import io.xdprecon.dataplane.layout.PinnedMaps;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tests.traffic.SequencedStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LayoutMigration} on the lab's live datapath, with a numbered stream through a config flow and another
 * through a session-owned rule: the programs on pc and ps are swapped onto the new maps (XDP REPLACE) while the
 * streams run, called directly and through {@code plan}/{@code apply} (the plan's datapath step, its refusal). Every datagram arrives, and each flow's counter ends equal to the datagrams sent through it: what
 * the old maps counted while the rules were copied is carried over (each test waits, at that step, until the old
 * maps counted more), and after a failed swap what the new maps counted is carried back.
 */
class MigrationUnderTrafficTest {
    private static final int CONFIG_FLOW = 0;
    private static final int SESSION_FLOW = 5;
    private static final int LEAVING_FLOW = 2;
    private static final int RATE = 2_000;

    @TempDir
    Path dir;

    private Lab lab;
    private SequencedStream config;
    private SequencedStream session;
    private Process daemon;
    /** Whether the second stream's flow is a session's rule (else a config flow's). */
    private boolean sessionOwned = true;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (config != null) {
            config.close();
        }
        if (session != null) {
            session.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void layout1BecomesLayout2UnderTrafficWithEveryDatagramAndCount() throws Exception {
        lab = Lab.startWith(OtherLayouts.LAYOUT_1_OBJECT);
        OtherLayouts.putLayout1Rules(lab.pinRoot(), rules());
        startStreams();
        int oldRulesMap = rulesMapOnPc();

        LayoutMigration.Report report = migrate(65_536, waitForOldCounts());

        assertEquals(new PinnedLayout(Abi.VERSION, 65_536), PinnedLayout.probe(lab.pinRoot()).orElseThrow());
        assertEquals(4, report.rulesMoved());
        assertEquals(2, report.swapped().size(), report.swapped().toString());
        assertTrue(report.countsCarried() >= 100, "counted by the old maps after the copy, carried: " + report);
        int newRulesMap = rulesMapOnPc();
        assertTrue(newRulesMap > 0 && newRulesMap != oldRulesMap, "pc runs on the newly pinned maps");
        assertStreamsLosslessAndCounted();
    }

    @Test
    void aResizeDownThenUpUnderTrafficKeepsEveryDatagramAndCount() throws Exception {
        lab = Lab.start();
        lab.datapath().rules().putAll(rules());
        startStreams();

        migrate(4_096, waitForOldCounts());
        awaitMore();
        LayoutMigration.Report up = migrate(131_072, waitForOldCounts());

        assertEquals(new LayoutMigration.Report(Abi.VERSION, Abi.VERSION, 4_096, 131_072, 4, 0, up.countsCarried(), up.swapped()), up);
        assertEquals(131_072, PinnedLayout.probe(lab.pinRoot()).orElseThrow().rulesCapacity());
        assertStreamsLosslessAndCounted();
    }

    @Test
    void aSwapThatFailsHalfWayPutsTheOldProgramsBackAndTheirCountsToo() throws Exception {
        lab = Lab.start();
        lab.datapath().rules().putAll(rules());
        startStreams();
        int program = NetNs.call(lab.proxyNs(), () -> Xdp.query(lab.pc().ifindex()).orElseThrow().programId());
        int rulesMap = lab.datapath().rules().rulesMap().id();

        // pc's program is swapped first; the failure comes once the new maps counted the stream there.
        Path pending = lab.pinRoot().resolve(LayoutMigration.PENDING_DIR);
        LayoutMigration.MigrationException failed = assertThrows(LayoutMigration.MigrationException.class,
                () -> migrate(8_192, step -> {
                    if (step == LayoutMigration.Step.PROGRAM_SWAPPED) {
                        awaitTrue(() -> countedIn(pending) >= 200, "the new maps count the stream on pc");
                        throw new IllegalStateException("injected after the first swap");
                    }
                }));
        assertFalse(failed.committed());
        assertTrue(failed.getMessage().contains("injected after the first swap; 1 program(s) swapped back, what they counted"
                + " meanwhile added back; the old maps keep serving"), failed.getMessage());

        assertEquals(program, NetNs.call(lab.proxyNs(), () -> Xdp.query(lab.pc().ifindex()).orElseThrow().programId()),
                "pc runs its old program again");
        assertFalse(Files.exists(pending), "the pending pins are gone");
        try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
            assertEquals(rulesMap, pinned.rules().rulesMap().id(), "the old maps are still the pinned ones");
        }
        awaitMore();
        assertStreamsLosslessAndCounted();
    }

    @Test
    void planAndApplyMigrateLayout1AndResizeUnderTraffic() throws Exception {
        lab = Lab.startWith(OtherLayouts.LAYOUT_1_OBJECT);
        // What the layout-1 release's apply left: the flows' rules, the session's, and the VIP as a local IP.
        // In xdp mode the planner removes session rules (no DPDK loop owns them): both flows are the config's here.
        Map<FlowKey, FlowRule> written = configRules(LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005));
        sessionOwned = false;
        FlowKey leaving = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000 + LEAVING_FLOW, Lab.VIP, 30000 + LEAVING_FLOW);
        written.putAll(configRules(LabConfigs.flow("leaving", LEAVING_FLOW, 50002)));
        OtherLayouts.putLayout1Rules(lab.pinRoot(), written);
        try (BpfMap localIps = BpfMap.openPinned(lab.pinRoot().resolve(Datapath.LOCAL_IPS_MAP))) {
            new LocalIpsMap(localIps).add(Ipv4.parse(Lab.VIP));
        }
        startStreams();

        // The flow "leaving" is gone from the config: its rules are left behind, the other 4 move with their counts.
        Path v1 = configFile(65_536, LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005));
        Main.Captured plan = cli("plan", "-c", v1.toString());
        assertEquals(0, plan.exit(), plan.out() + plan.err());
        assertTrue(plan.out().contains("~ layout 1 -> " + Abi.VERSION + ", rules map 524288 -> 65536 entries (migrate 4 rules, counters kept)"),
                plan.out());
        assertTrue(plan.out().contains("- flow not in the config"), plan.out()); // the leaving flow's rules
        Main.Captured json = cli("plan", "-c", v1.toString(), "--json");
        assertTrue(json.out().replaceAll("\\s", "").contains("\"action\":\"migrate\",\"kind\":\"change\",\"fromLayout\":1,"
                + "\"toLayout\":" + Abi.VERSION + ",\"fromCapacity\":524288,\"toCapacity\":65536,\"rules\":4"), json.out());
        Main.Captured apply = cli("apply", "-c", v1.toString());
        assertEquals(0, apply.exit(), apply.out() + apply.err());
        assertTrue(apply.out().contains("~ datapath: layout 1 -> " + Abi.VERSION + ", rules map 524288 -> 65536 entries: 4 rules moved, "),
                apply.out());
        assertTrue(apply.out().contains("xdp_main (native) on ifindex " + lab.pc().ifindex() + ": program id "), apply.out());
        assertEquals(new PinnedLayout(Abi.VERSION, 65_536), PinnedLayout.probe(lab.pinRoot()).orElseThrow());
        awaitMore();

        Path v2 = configFile(4_096, LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005));
        Main.Captured resize = cli("apply", "-c", v2.toString());
        assertEquals(0, resize.exit(), resize.out() + resize.err());
        assertTrue(resize.out().contains("~ rules map 65536 -> 4096 entries (migrate 4 rules, counters kept)"), resize.out());
        assertEquals(4_096, PinnedLayout.probe(lab.pinRoot()).orElseThrow().rulesCapacity());
        Main.Captured again = cli("plan", "-c", v2.toString(), "--detailed-exitcode");
        assertEquals(0, again.exit(), "converged: " + again.out() + again.err());

        assertStreamsLosslessAndCounted();
        try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
            assertTrue(pinned.rules().get(leaving).isEmpty(), "the deleted flow's rule was left behind");
            assertEquals(4, pinned.rules().slotsInUse());
        }
    }

    /**
     * Issue 10 case 8: someone removes the pins while xdp_main runs. Apply used to load empty maps, swap the program onto
     * them and only then write the rules (datagrams lost, every counter back to zero); now the program's maps, found
     * through its map ids, are rebuilt rules first under the pin root and the program swapped in one step.
     */
    @Test
    void pinsRemovedWhileTheProgramRunsAreRebuiltRulesFirstWithEveryDatagramAndCount() throws Exception {
        lab = Lab.start();
        sessionOwned = false;
        Path config = configFile(524_288, LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005));
        Main.Captured first = cli("apply", "-c", config.toString());
        assertEquals(0, first.exit(), first.out() + first.err());
        startStreams();
        int program = NetNs.call(lab.proxyNs(), () -> Xdp.query(lab.pc().ifindex()).orElseThrow().programId());

        Datapath.unpin(lab.pinRoot());
        Main.Captured plan = cli("plan", "-c", config.toString());
        assertTrue(plan.out().contains("runs xdp_main (id " + program + ") whose maps are not pinned: apply rebuilds them rules"
                + " first"), plan.out() + plan.err());
        Main.Captured apply = cli("apply", "-c", config.toString());
        assertEquals(0, apply.exit(), apply.out() + apply.err());
        assertTrue(apply.out().contains("~ datapath: the unpinned maps of xdp_main (program id " + program + ") rebuilt under "
                + lab.pinRoot() + ": 4 rules moved with their counters, 0 left behind"), apply.out());

        assertTrue(rulesMapOnPc() > 0, "pc runs on the newly pinned maps");
        Main.Captured again = cli("plan", "-c", config.toString(), "--detailed-exitcode");
        assertEquals(0, again.exit(), "converged: " + again.out() + again.err());
        assertStreamsLosslessAndCounted();
    }

    /**
     * Issue 10 case 6: a change of datapath.attachMode used to plan "No changes." while the interfaces kept the old
     * mode; now it is a plan step that apply carries out by detaching and attaching again behind the tc bridge.
     */
    @Test
    void anAttachModeChangeIsPlannedAndAppliedUnderTrafficWithEveryDatagramAndCount() throws Exception {
        lab = Lab.start();
        sessionOwned = false;
        Path nativeMode = configFile(524_288, LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005));
        Path genericMode = dir.resolve("generic.yaml");
        Files.writeString(genericMode, Files.readString(nativeMode).replace("attachMode: native", "attachMode: generic"));
        Main.Captured first = cli("apply", "-c", nativeMode.toString());
        assertEquals(0, first.exit(), first.out() + first.err());
        startStreams();

        Main.Captured plan = cli("plan", "-c", genericMode.toString(), "--detailed-exitcode");
        assertEquals(2, plan.exit(), plan.out() + plan.err());
        assertTrue(plan.out().contains("~ xdp_main on pc (ifindex " + lab.pc().ifindex() + "): native -> generic (detached and"
                + " attached again; the tc bridge forwards meanwhile)"), plan.out());
        Main.Captured toGeneric = cli("apply", "-c", genericMode.toString());
        assertEquals(0, toGeneric.exit(), toGeneric.out() + toGeneric.err());
        assertEquals(XdpMode.GENERIC, modeOn(lab.pc().ifindex()));
        assertEquals(XdpMode.GENERIC, modeOn(lab.ps().ifindex()));
        Main.Captured converged = cli("plan", "-c", genericMode.toString(), "--detailed-exitcode");
        assertEquals(0, converged.exit(), "converged: " + converged.out() + converged.err());
        awaitMore();

        Main.Captured back = cli("apply", "-c", nativeMode.toString());
        assertEquals(0, back.exit(), back.out() + back.err());
        assertEquals(XdpMode.NATIVE, modeOn(lab.pc().ifindex()));
        assertEquals(XdpMode.NATIVE, modeOn(lab.ps().ifindex()));
        assertTrue(NetNs.call(lab.proxyNs(), () -> DpdkDatapathLifecycle.bridge(lab.pc().ifindex()).isEmpty()),
                "the tc bridge is gone once XDP runs again");
        assertStreamsLosslessAndCounted();
    }

    private XdpMode modeOn(int ifindex) {
        return NetNs.call(lab.proxyNs(), () -> Xdp.query(ifindex).orElseThrow().mode());
    }

    @Test
    void aDaemonOfThisBuildStartedOnLayout1PinsMigratesThemAtItsFirstReconcileUnderTraffic() throws Exception {
        lab = Lab.startWith(OtherLayouts.LAYOUT_1_OBJECT);
        OtherLayouts.putLayout1Rules(lab.pinRoot(), configRules(LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005)));
        sessionOwned = false;
        try (BpfMap localIps = BpfMap.openPinned(lab.pinRoot().resolve(Datapath.LOCAL_IPS_MAP))) {
            new LocalIpsMap(localIps).add(Ipv4.parse(Lab.VIP));
        }
        startStreams();

        // The upgrade: the layout-1 release's daemon is gone, this build's starts on its pins with the same config.
        Path config = configFile(65_536, LabConfigs.flow("relay", CONFIG_FLOW, 50000),
                LabConfigs.flow("second", SESSION_FLOW, 50005));
        Path log = dir.resolve("daemon.log");
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.xdprecon.cli.Main", "run", "--source", "file:" + config, "--node", "lab-node",
                "--pin-root", lab.pinRoot().toString(), "--admin", "off", "--interval", "1s",
                "--state-dir", dir.resolve("state").toString());
        daemon = NetNs.call(lab.proxyNs(), () -> new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start());
        awaitTrue(() -> new PinnedLayout(Abi.VERSION, 65_536).equals(PinnedLayout.probe(lab.pinRoot()).orElseThrow())
                && !LayoutMigration.interrupted(lab.pinRoot()), "the daemon migrated the pins");
        awaitMore();

        assertTrue(daemon.isAlive(), Files.readString(log));
        assertTrue(Files.readString(log).contains("from layout 1 (524288 rules) to layout " + Abi.VERSION + " (65536 rules): 4 rules moved"),
                Files.readString(log));
        assertStreamsLosslessAndCounted();
    }

    private Path configFile(int maxRules, String... flows) throws Exception {
        Path file = dir.resolve("config-" + maxRules + ".yaml");
        Files.writeString(file, LabConfigs.header(List.of(Lab.VIP), maxRules) + String.join("", flows));
        return file;
    }

    /** Runs the CLI inside the proxy namespace, where the config's devices pc and ps live. */
    private Main.Captured cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--pin-root", lab.pinRoot().toString(), "--node", "lab-node"));
        return NetNs.call(lab.proxyNs(), () -> Main.capture(all.toArray(String[]::new)));
    }

    private LayoutMigration.Report migrate(int maxRules, LayoutMigration.Checkpoint checkpoint) {
        return NetNs.call(lab.proxyNs(), () -> LayoutMigration.migrate(lab.pinRoot(), maxRules,
                LayoutMigration.Devices.xdp(List.of(lab.pc().ifindex(), lab.ps().ifindex())), Set.of(), checkpoint));
    }

    /** At the copy's end, waits until the old maps counted 100 more datagrams: counts the migration must carry. */
    private LayoutMigration.Checkpoint waitForOldCounts() {
        return step -> {
            if (step == LayoutMigration.Step.RULES_COPIED) {
                long before = countedIn(lab.pinRoot());
                awaitTrue(() -> countedIn(lab.pinRoot()) >= before + 100, "the old maps count on");
            }
        };
    }

    /** Packets the rules pinned under {@code root} counted for the config flow, in whichever layout they are. */
    private long countedIn(Path root) {
        PinnedLayout layout = PinnedLayout.probe(root).orElseThrow();
        try (PinnedMaps maps = PinnedMaps.open(root, layout)) {
            long[] packets = {0};
            FlowKey forward = forwardKey(CONFIG_FLOW);
            maps.forEachRule((key, rule, slot) -> {
                if (key.equals(forward)) {
                    packets[0] = maps.counters(key, slot).packets();
                }
            });
            return packets[0];
        }
    }

    /** The rules of the config flow (owner config) and of the session flow (owner session), as the config derives them. */
    private Map<FlowKey, FlowRule> rules() throws Exception {
        Map<FlowKey, FlowRule> rules = configRules(LabConfigs.flow("relay", CONFIG_FLOW, 50000));
        configRules(LabConfigs.flow("session", SESSION_FLOW, 50005))
                .forEach((key, rule) -> rules.put(key, new FlowRule(rule.rewrite(), Owner.SESSION)));
        return rules;
    }

    /** The rules the config derives from {@code flows}. */
    private Map<FlowKey, FlowRule> configRules(String... flows) throws Exception {
        Path file = Files.createTempFile(dir, "flows", ".yaml");
        Files.writeString(file, LabConfigs.document(List.of(Lab.VIP), flows));
        DesiredState desired = NetNs.call(lab.proxyNs(),
                () -> ConfigLoader.load(file).forNode("lab-node", InterfaceResolver.currentNetns()));
        Map<FlowKey, FlowRule> rules = new HashMap<>();
        desired.rules().forEach((key, wanted) -> rules.put(key, wanted.rule()));
        return rules;
    }

    private void startStreams() throws InterruptedException {
        config = stream(CONFIG_FLOW, 50000);
        session = stream(SESSION_FLOW, 50005);
        assertTrue(config.awaitFirst(5, TimeUnit.SECONDS), "the config flow forwards");
        assertTrue(session.awaitFirst(5, TimeUnit.SECONDS), "the session forwards");
        awaitMore();
    }

    private SequencedStream stream(int n, int serverPort) {
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000 + n);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, serverPort, 1000);
        return new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000 + n), server, 1_000_000, RATE);
    }

    /** Waits until both streams sent another second's worth. */
    private void awaitMore() {
        long config0 = config.sentSoFar();
        long session0 = session.sentSoFar();
        awaitTrue(() -> config.sentSoFar() >= config0 + RATE && session.sentSoFar() >= session0 + RATE, "the streams run");
    }

    private void assertStreamsLosslessAndCounted() throws Exception {
        awaitMore();
        SequencedStream.Report configReport = config.stop();
        SequencedStream.Report sessionReport = session.stop();
        assertTrue(configReport.lossless(), "config flow: " + configReport);
        assertTrue(sessionReport.lossless(), "session: " + sessionReport);
        try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
            assertEquals(configReport.sent(), pinned.rules().counters(forwardKey(CONFIG_FLOW)).packets(),
                    "the config flow's counter counts every datagram");
            assertEquals(sessionReport.sent(), pinned.rules().counters(forwardKey(SESSION_FLOW)).packets(),
                    "the session's counter counts every datagram");
            assertEquals(sessionOwned ? Owner.SESSION : Owner.CONFIG, pinned.rules().get(forwardKey(SESSION_FLOW)).orElseThrow().owner());
        }
    }

    private int rulesMapOnPc() {
        int id = NetNs.call(lab.proxyNs(), () -> Xdp.query(lab.pc().ifindex()).orElseThrow().programId());
        List<Integer> maps = BpfProgram.describe(id).orElseThrow().mapIds();
        try (BpfMap pinned = BpfMap.openPinned(lab.pinRoot().resolve(Datapath.RULES_MAP))) {
            return maps.contains(pinned.id()) ? pinned.id() : -1;
        }
    }

    private FlowKey forwardKey(int n) {
        return FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000 + n, Lab.VIP, 30000 + n);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
