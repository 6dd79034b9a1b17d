package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle.Action;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle.Step;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.PinRoot;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The start/stop sequence against the real kernel, without DPDK: the test plays the PMD (its port start
 * attaches xdp_main, its port close detaches whatever XDP program is there, as DPDK 22.11 does) on the
 * lab's proxy interface pc, which runs xdp_main on the lab's pinned maps. Traffic through the bridge is
 * {@link RestartWithoutLossTest}'s.
 */
class DpdkDatapathLifecycleTest {

    @Test
    void stopLeavesTheBridgeAndStartRemovesItOnceXdpIsOursAgain() {
        try (Lab lab = Lab.start()) {
            int pc = lab.pc().ifindex();
            BpfProgram main = lab.datapath().program().orElseThrow();
            DpdkDatapathLifecycle lifecycle = new DpdkDatapathLifecycle(lab.pinRoot(), List.of(pc));
            NetNs.run(lab.proxyNs(), () -> {
                // graceful stop: bridge first, then the port close takes XDP away
                List<Step> stop = lifecycle.stop(() -> Xdp.detach(pc, XdpMode.NATIVE));
                assertEquals(List.of(Action.BRIDGE_ATTACHED, Action.PORTS_CLOSED), actions(stop));
                assertTrue(Xdp.query(pc).isEmpty(), "the port close detached XDP");
                int bridgeId = DpdkDatapathLifecycle.bridge(pc).orElseThrow().programId();
                assertEquals(DpdkDatapathLifecycle.BRIDGE_PROGRAM, BpfProgram.describe(bridgeId).orElseThrow().name());
                assertTrue(BpfProgram.describe(bridgeId).orElseThrow().mapIds().contains(rulesMapId(lab)),
                        "the bridge runs on the pinned rules map");

                // start after a graceful stop: the bridge is kept until XDP is verified
                List<Step> start = lifecycle.start(() -> {
                    assertTrue(DpdkDatapathLifecycle.bridge(pc).isPresent(), "bridge attached while the ports start");
                    Xdp.attach(pc, main, XdpMode.NATIVE);
                });
                assertEquals(List.of(Action.BRIDGE_KEPT, Action.PORTS_STARTED, Action.XDP_VERIFIED, Action.BRIDGE_REMOVED),
                        actions(start));
                assertEquals(Optional.empty(), DpdkDatapathLifecycle.bridge(pc));
                assertEquals(main.id(), Xdp.query(pc).orElseThrow().programId());

                // start after a crash: XDP still attached, no bridge; the stale program goes only behind the bridge
                List<Step> afterCrash = lifecycle.start(() -> {
                    assertTrue(Xdp.query(pc).isEmpty(), "the PMD finds no XDP program (UPDATE_IF_NOEXIST)");
                    assertTrue(DpdkDatapathLifecycle.bridge(pc).isPresent(), "the bridge forwards meanwhile");
                    Xdp.attach(pc, main, XdpMode.NATIVE);
                });
                assertEquals(List.of(Action.BRIDGE_ATTACHED, Action.STALE_XDP_DETACHED, Action.PORTS_STARTED,
                        Action.XDP_VERIFIED, Action.BRIDGE_REMOVED), actions(afterCrash));
                assertTrue(afterCrash.get(1).detail().contains("xdp_main"), afterCrash.get(1).detail());
                assertEquals(Optional.empty(), DpdkDatapathLifecycle.bridge(pc));
            });
        }
    }

    @Test
    void anXdpProgramThatIsNotOursOnOurMapsKeepsTheBridge() {
        try (Lab lab = Lab.start(); BpfObject labObject = BpfObject.openBundled("xdp_lab", null).load()) {
            int pc = lab.pc().ifindex();
            DpdkDatapathLifecycle lifecycle = new DpdkDatapathLifecycle(lab.pinRoot(), List.of(pc));
            try (PinRoot other = PinRoot.create(); Datapath elsewhere = Datapath.load(other.path(), 0)) {
                NetNs.run(lab.proxyNs(), () -> {
                    // a program of another name
                    var wrongProgram = assertThrows(DpdkDatapathLifecycle.LifecycleException.class,
                            () -> lifecycle.start(() -> Xdp.attach(pc, labObject.program("xdp_pass"), XdpMode.NATIVE)));
                    assertTrue(wrongProgram.getMessage().contains("runs XDP program xdp_pass"), wrongProgram.getMessage());
                    assertTrue(DpdkDatapathLifecycle.bridge(pc).isPresent(), "the bridge stays while XDP is not ours");
                    Xdp.detach(pc, XdpMode.NATIVE);
                    // xdp_main, but on maps that are not the pinned ones (a PMD that did not reuse the pins)
                    var wrongMaps = assertThrows(DpdkDatapathLifecycle.LifecycleException.class,
                            () -> lifecycle.start(() -> Xdp.attach(pc, elsewhere.program().orElseThrow(), XdpMode.NATIVE)));
                    assertTrue(wrongMaps.getMessage().contains("did not load the maps from the pin root"), wrongMaps.getMessage());
                    assertEquals(List.of(Action.BRIDGE_KEPT, Action.PORTS_STARTED), actions(wrongMaps.done()));
                    assertTrue(DpdkDatapathLifecycle.bridge(pc).isPresent(), "the bridge stays");
                });
            }
        }
    }

    private static List<Action> actions(List<Step> steps) {
        return steps.stream().map(Step::action).toList();
    }

    private static int rulesMapId(Lab lab) {
        try (BpfMap rules = BpfMap.openPinned(lab.pinRoot().resolve(Datapath.RULES_MAP))) {
            return rules.id();
        }
    }
}
