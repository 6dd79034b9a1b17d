package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Tc;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Moves {@code xdp_main} on one device to another attach mode (native, generic) without a packet going unforwarded.
 * The kernel runs one XDP mode at a time on a device ("Native and generic XDP can't be active at the same time") and
 * an XDP REPLACE cannot change the mode, so the program must be detached and attached again; the tc bridge
 * ({@code bpf/tc_bridge.c}, the same per-packet code on the clsact ingress hook over the same pinned maps) forwards
 * in between:
 *
 * <pre>
 *  1. tc bridge attached      shadowed by XDP (it sees only what XDP passes; those packets are counted twice)
 *  2. xdp_main detached       the bridge forwards
 *  3. xdp_main attached       in the new mode: the same program, on the same maps
 *  4. tc bridge removed       (kept when it was there before: DPDK mode's)
 * </pre>
 *
 * A mode the device refuses at step 3 puts the program back in its old mode (the bridge still forwards meanwhile)
 * and throws. Acts on the calling thread's network namespace.
 */
public final class AttachModeChange {
    private AttachModeChange() {}

    /**
     * Moves {@code xdp_main} on {@code ifindex} to {@code mode}; the maps it uses are pinned under {@code pinRoot}.
     * Returns what was done; nothing when it already runs in that mode.
     *
     * @throws IllegalStateException when the device runs no {@code xdp_main}, or refused the new mode (the old one
     *                               restored, which the message says)
     */
    public static String change(Path pinRoot, int ifindex, XdpMode mode) {
        Xdp.Attachment now = Xdp.query(ifindex).orElseThrow(
                () -> new IllegalStateException("ifindex " + ifindex + " runs no XDP program to move to " + name(mode)));
        String program = BpfProgram.describe(now.programId()).map(BpfProgram.Info::name).orElse("gone");
        if (!program.equals(Datapath.PROGRAM)) {
            throw new IllegalStateException("ifindex " + ifindex + " runs XDP program " + program + " (id " + now.programId()
                    + "), not " + Datapath.PROGRAM);
        }
        if (now.mode() == mode) {
            return Datapath.PROGRAM + " already runs " + name(mode) + " on ifindex " + ifindex;
        }
        Tc.Filter bridgeFilter = DpdkDatapathLifecycle.bridgeFilter(ifindex);
        try (BpfProgram.Held held = BpfProgram.hold(now.programId())) {
            Tc.ensureClsact(ifindex, Tc.Direction.INGRESS); // a query without it makes libbpf log a netlink error
            boolean bridgeThere = DpdkDatapathLifecycle.bridge(ifindex).isPresent();
            if (!bridgeThere) {
                try (BpfObject bridge = DpdkDatapathLifecycle.loadBridge(pinRoot)) {
                    // The filter holds the program in the kernel once attached; the object may close.
                    Tc.attach(bridgeFilter, bridge.program(DpdkDatapathLifecycle.BRIDGE_PROGRAM), false);
                }
            }
            try {
                Xdp.detach(ifindex, now.mode());
                try {
                    Xdp.attach(ifindex, held.program(), mode);
                } catch (RuntimeException refused) {
                    try {
                        Xdp.attach(ifindex, held.program(), now.mode());
                    } catch (RuntimeException e) {
                        refused.addSuppressed(e);
                        throw new IllegalStateException("ifindex " + ifindex + " refused " + Datapath.PROGRAM + " in " + name(mode)
                                + " mode (" + refused.getMessage() + ") and again in " + name(now.mode()) + " mode ("
                                + e.getMessage() + "): only the tc bridge forwards there now", refused);
                    }
                    throw new IllegalStateException("ifindex " + ifindex + " refused " + Datapath.PROGRAM + " in " + name(mode)
                            + " mode (" + refused.getMessage() + "); it runs in " + name(now.mode()) + " mode again", refused);
                }
            } finally {
                if (!bridgeThere && Xdp.query(ifindex).isPresent()) {
                    Tc.detach(bridgeFilter);
                }
            }
        }
        return Datapath.PROGRAM + " (program id " + now.programId() + ") on ifindex " + ifindex + " moved from " + name(now.mode())
                + " to " + name(mode) + " mode, the tc bridge forwarding meanwhile";
    }

    private static String name(XdpMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
