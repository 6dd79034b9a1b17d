package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Tc;
import io.xdprecon.dataplane.bpf.Xdp;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The start and stop sequence of the {@code dpdk} datapath mode: offloaded flows keep forwarding
 * through a graceful restart and through a crash of the process that runs DPDK.
 *
 * <p>Why a sequence is needed: DPDK 22.11's AF_XDP PMD loads {@code xdp_prog=} and attaches it with
 * {@code XDP_FLAGS_UPDATE_IF_NOEXIST} when the rx queue is set up, so it refuses while any XDP program
 * is attached (after a crash, ours still is); and when the port closes it detaches whatever XDP
 * program the interface has ({@code drivers/net/af_xdp/rte_eth_af_xdp.c}: {@code load_custom_xdp_prog},
 * {@code remove_xdp_program} from {@code eth_dev_close}). Between those two moments nothing would
 * forward. The tc bridge ({@code bpf/tc_bridge.c}: the datapath's {@code forward.h} on the clsact
 * ingress hook, over the same pinned maps) covers them:
 *
 * <pre>
 *              XDP (the PMD's xdp_main)     tc bridge
 *  stop()  1.  attached, sees every packet   attached        (shadowed by XDP: it only sees what XDP passes)
 *          2.  detached by the port close    forwarding
 *  exit        -                             forwarding      a tc filter holds its program: no process needed
 *  crash       attached, forwarding          -               (misses to local IPs reach the kernel: no AF_XDP socket)
 *  start() 1.  as left                       attached if missing
 *          2.  a stale one detached          forwarding      so that the PMD may attach
 *          3.  attached by the PMD           shadowed        startPorts: EAL, port configure, rx queue setup
 *          4.  verified: xdp_main on our pinned maps
 *          5.                                removed
 * </pre>
 *
 * Without a socket there is no AF_XDP while the bridge forwards: a new session's first packet goes to
 * the kernel (counted as AF_XDP fallback), established sessions are not touched. Packets XDP passes
 * to the kernel while both are attached also meet the bridge, which then counts them a second time.
 *
 * <p>Every call acts on the network namespace of the calling thread (netlink and the PMD alike) and
 * needs the datapath's maps pinned under {@code pinRoot} ({@link Datapath#load} put them there). Each
 * step is logged and returned; a failure names the step, and leaves the bridge attached whenever the
 * XDP program may be missing, so that flows keep forwarding while someone looks.
 */
public final class DpdkDatapathLifecycle implements PortLifecycle {
    private static final System.Logger LOG = System.getLogger(DpdkDatapathLifecycle.class.getName());

    /** The bridge's object and program, built from {@code bpf/tc_bridge.c}. */
    public static final String BRIDGE_OBJECT = "tc_bridge";
    public static final String BRIDGE_PROGRAM = "tc_bridge";
    /** The handle and priority of the bridge's filter: fixed, so that the next process finds it. */
    public static final int BRIDGE_HANDLE = 0x7872;
    public static final int BRIDGE_PRIORITY = 1;

    /** What one step did. */
    public enum Action {
        /**
         * Before the ports started, the pinned maps moved to this build's layout or the config's capacity, and with
         * them what ran on the devices (the bridge a stop left, a crashed run's XDP program): {@code LayoutMigration}.
         */
        MAPS_MIGRATED,
        /** The tc bridge was attached to the interface. */
        BRIDGE_ATTACHED,
        /** The tc bridge was already attached (left by a graceful stop). */
        BRIDGE_KEPT,
        /** An XDP program left attached (a crashed run's) was detached so that the PMD may attach. */
        STALE_XDP_DETACHED,
        /** The caller's port start returned: the PMD attached its XDP program. */
        PORTS_STARTED,
        /** The interface runs xdp_main on the pinned maps. */
        XDP_VERIFIED,
        /** The tc bridge was removed: XDP alone forwards. */
        BRIDGE_REMOVED,
        /** The caller's port close returned: the PMD detached its XDP program; the bridge forwards. */
        PORTS_CLOSED,
    }

    /** One step: what, on which interface (0 for all of them), and the details worth a log line. */
    public record Step(Action action, int ifindex, String detail) {}

    /** A step failed: {@link #done()} lists those before it, the message says what is attached now. */
    public static final class LifecycleException extends RuntimeException {
        private final List<Step> done;

        LifecycleException(String message, List<Step> done, Throwable cause) {
            super(message + " (steps done: " + done.stream().map(s -> s.action() + "@" + s.ifindex()).toList() + ")", cause);
            this.done = List.copyOf(done);
        }

        public List<Step> done() {
            return done;
        }
    }

    private final Path pinRoot;
    private final List<Integer> ifindexes;

    /**
     * The sequence for the DPDK ports on interfaces {@code ifindexes} (of the calling thread's network
     * namespace), whose datapath maps are pinned under {@code pinRoot}.
     */
    public DpdkDatapathLifecycle(Path pinRoot, List<Integer> ifindexes) {
        if (ifindexes.isEmpty() || ifindexes.stream().anyMatch(i -> i <= 0) || ifindexes.stream().distinct().count() != ifindexes.size()) {
            throw new IllegalArgumentException("DPDK interfaces must be distinct ifindexes > 0: " + ifindexes);
        }
        this.pinRoot = pinRoot;
        this.ifindexes = List.copyOf(ifindexes);
    }

    /** The bridge filter's place on {@code ifindex}. */
    public static Tc.Filter bridgeFilter(int ifindex) {
        return new Tc.Filter(ifindex, Tc.Direction.INGRESS, BRIDGE_HANDLE, BRIDGE_PRIORITY);
    }

    /** The bridge attached to {@code ifindex}, if any. */
    public static Optional<Tc.Attachment> bridge(int ifindex) {
        return Tc.query(bridgeFilter(ifindex));
    }

    /**
     * Starts the DPDK ports behind the bridge: bridge on every interface, stale XDP programs away,
     * {@code startPorts} (EAL init and port setup: the PMD attaches its XDP program there), each
     * interface verified to run xdp_main on the pinned maps, then the bridge removed.
     */
    @Override
    public List<Step> start(Runnable startPorts) {
        requirePinned();
        int rulesMap = pinnedRulesMapId();
        List<Step> steps = new ArrayList<>();
        for (int ifindex : ifindexes) {
            attempt(steps, "attach the tc bridge to ifindex " + ifindex + "; nothing changed on it",
                    () -> ensureBridge(ifindex, steps));
        }
        for (int ifindex : ifindexes) {
            attempt(steps, "detach the stale XDP program of ifindex " + ifindex + "; the bridge stays attached",
                    () -> Xdp.query(ifindex).ifPresent(stale -> {
                        Xdp.detach(ifindex, stale.mode());
                        record(steps, new Step(Action.STALE_XDP_DETACHED, ifindex,
                                "program id " + stale.programId() + " (" + describe(stale.programId()) + "), " + stale.mode()));
                    }));
        }
        attempt(steps, "start the DPDK ports; the bridge keeps forwarding", () -> {
            startPorts.run();
            record(steps, new Step(Action.PORTS_STARTED, 0, "ports started"));
        });
        for (int ifindex : ifindexes) {
            attempt(steps, "verify the XDP program of ifindex " + ifindex + "; the bridge keeps forwarding",
                    () -> record(steps, new Step(Action.XDP_VERIFIED, ifindex, verifyXdp(ifindex, rulesMap))));
        }
        for (int ifindex : ifindexes) {
            attempt(steps, "remove the tc bridge from ifindex " + ifindex + " (XDP runs and shadows it)", () -> {
                Tc.detach(bridgeFilter(ifindex));
                record(steps, new Step(Action.BRIDGE_REMOVED, ifindex, "XDP alone forwards"));
            });
        }
        return steps;
    }

    /**
     * Stops the DPDK ports without a gap: bridge on every interface while XDP still runs, then
     * {@code closePorts} (the PMD detaches its XDP program there). The bridge stays: it forwards until
     * the next {@link #start}, in this process or another.
     */
    @Override
    public List<Step> stop(Runnable closePorts) {
        requirePinned();
        List<Step> steps = new ArrayList<>();
        for (int ifindex : ifindexes) {
            attempt(steps, "attach the tc bridge to ifindex " + ifindex + "; the ports were not closed",
                    () -> ensureBridge(ifindex, steps));
        }
        attempt(steps, "close the DPDK ports; the bridge is attached", () -> {
            closePorts.run();
            List<String> left = ifindexes.stream()
                    .flatMap(i -> Xdp.query(i).map(a -> "ifindex " + i + " still runs XDP program id " + a.programId()).stream())
                    .toList();
            record(steps, new Step(Action.PORTS_CLOSED, 0, left.isEmpty() ? "XDP detached by the PMD; the bridge forwards"
                    : String.join(", ", left)));
        });
        return steps;
    }

    private void ensureBridge(int ifindex, List<Step> steps) {
        Tc.ensureClsact(ifindex, Tc.Direction.INGRESS); // a query without it makes libbpf log a netlink error
        Optional<Tc.Attachment> present = bridge(ifindex);
        if (present.isPresent()) {
            String name = describe(present.get().programId());
            if (!name.equals(BRIDGE_PROGRAM)) {
                throw new IllegalStateException("the tc filter at handle " + BRIDGE_HANDLE + " prio " + BRIDGE_PRIORITY
                        + " on ifindex " + ifindex + " runs program " + name + ", not " + BRIDGE_PROGRAM + ": remove it first");
            }
            record(steps, new Step(Action.BRIDGE_KEPT, ifindex, "program id " + present.get().programId()));
            return;
        }
        try (BpfObject object = loadBridge(pinRoot)) {
            // The filter holds the program in the kernel once attached; the object may close.
            Tc.Attachment attached = Tc.attach(bridgeFilter(ifindex), object.program(BRIDGE_PROGRAM), false);
            record(steps, new Step(Action.BRIDGE_ATTACHED, ifindex, "program id " + attached.programId()));
        }
    }

    /** The bridge's object loaded against the maps pinned under {@code pinRoot} (its program is {@link #BRIDGE_PROGRAM}). */
    public static BpfObject loadBridge(Path pinRoot) {
        BpfObject object = BpfObject.openBundled(BRIDGE_OBJECT, pinRoot);
        try {
            // libbpf reuses a pinned map only when its definition matches: take the capacities the pins have.
            for (String map : List.of(Datapath.RULES_MAP, Datapath.FLOW_COUNTERS_MAP, Datapath.FLOW_SLOTS_MAP)) {
                try (BpfMap pinned = BpfMap.openPinned(pinRoot.resolve(map))) {
                    object.maxEntries(map, pinned.maxEntries());
                }
            }
            return object.load();
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    private String verifyXdp(int ifindex, int rulesMap) {
        Xdp.Attachment xdp = Xdp.query(ifindex).orElseThrow(() -> new IllegalStateException(
                "ifindex " + ifindex + " has no XDP program after the ports started: did the PMD get xdp_prog=?"));
        BpfProgram.Info info = BpfProgram.describe(xdp.programId()).orElseThrow(() -> new IllegalStateException(
                "XDP program id " + xdp.programId() + " on ifindex " + ifindex + " vanished"));
        if (!info.name().equals(Datapath.PROGRAM)) {
            throw new IllegalStateException("ifindex " + ifindex + " runs XDP program " + info.name() + " (id " + info.id()
                    + "), not " + Datapath.PROGRAM);
        }
        if (!info.mapIds().contains(rulesMap)) {
            throw new IllegalStateException("XDP program id " + info.id() + " on ifindex " + ifindex + " uses maps " + info.mapIds()
                    + ", not the rules map pinned at " + pinRoot.resolve(Datapath.RULES_MAP) + " (id " + rulesMap
                    + "): the PMD did not load the maps from the pin root");
        }
        return Datapath.PROGRAM + " id " + info.id() + " (" + xdp.mode() + ") on rules map id " + rulesMap;
    }

    private int pinnedRulesMapId() {
        try (BpfMap rules = BpfMap.openPinned(pinRoot.resolve(Datapath.RULES_MAP))) {
            return rules.id();
        }
    }

    private void requirePinned() {
        if (!Datapath.isPinned(pinRoot)) {
            throw new IllegalStateException("no datapath pinned under " + pinRoot + ": load it (Datapath.load) before the DPDK ports");
        }
    }

    private static String describe(int programId) {
        return BpfProgram.describe(programId).map(BpfProgram.Info::name).orElse("gone");
    }

    private static void record(List<Step> steps, Step step) {
        steps.add(step);
        LOG.log(Level.INFO, "dpdk datapath: {0}{1}: {2}", step.action(),
                step.ifindex() == 0 ? "" : " ifindex " + step.ifindex(), step.detail());
    }

    private static void attempt(List<Step> steps, String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "dpdk datapath: cannot " + what + ": " + e.getMessage());
            throw new LifecycleException("cannot " + what + ": " + e.getMessage(), steps, e);
        }
    }
}
