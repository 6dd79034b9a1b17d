package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.MapDefinition;
import io.xdprecon.dataplane.bpf.Rcu;
import io.xdprecon.dataplane.bpf.Tc;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Moves a live datapath onto new maps without losing a packet, a rule or a count: to this build's layout from an
 * older one, or to another rules capacity (the counters array is sized with it). The sequence, after Cilium's
 * pending pins:
 *
 * <pre>
 *  1. MAPS_CREATED      this build's maps, pinned under PIN_ROOT/xdprecon-pending; maps whose definition did not
 *                       change (local IPs, datapath counters) are the old ones, pinned there a second time
 *  2. RULES_COPIED      every rule of both families (but those the caller leaves behind) with a fresh slot holding
 *                       its counters
 *  3. PROGRAM_SWAPPED   on each device, the program running there (xdp_main by XDP REPLACE, the tc bridge by tc
 *                       replace) swapped in one step for this build's, loaded against the new maps
 *  4. COMMITTED         marker PIN_ROOT/xdprecon-pending/committed: from here on the migration only goes forward
 *  5. COUNTERS_CARRIED  once no run of the old programs is left (an RCU grace period), what the old maps counted
 *                       since step 2 is added to the new ones ({@link FlowCarry}: exact, under traffic)
 *  6. PINS_RENAMED      the new maps renamed over the old pins (rename(2) replaces in one step), the old layout's
 *                       own pins removed; the kernel frees the old maps once nothing holds them
 * </pre>
 *
 * A failure before step 4 undoes what was done: programs swapped back (REPLACE again, with the old program held
 * open for it), pending pins removed; the old maps kept serving throughout. A failure after it is finished by
 * {@link #recover} (the next migration, apply or start calls it): the programs already run on the new maps. A
 * process killed before step 4 leaves pending pins that {@link #recover} discards; a device whose program it had
 * already swapped then runs on maps nobody pins, which adoption replaces ({@code DatapathAdoption}).
 *
 * <p>The same sequence rebuilds pins someone removed while {@code xdp_main} still runs ({@link #rebuildUnpinned}): the
 * old maps are then found through the program's map ids, and the new ones take the names nobody holds any more.
 *
 * <p>Nothing else may write the maps meanwhile: the caller is the one writer (the applier in XDP mode, the DPDK
 * loop before its ports start). Devices are looked up in the calling thread's network namespace.
 */
public final class LayoutMigration {
    private static final System.Logger LOG = System.getLogger(LayoutMigration.class.getName());

    /** The directory under the pin root where the new maps wait for their names. */
    public static final String PENDING_DIR = "xdprecon-pending";
    private static final String COMMITTED = "committed";

    private LayoutMigration() {}

    /** The steps, in order; {@link Checkpoint} hears each one done. */
    public enum Step { MAPS_CREATED, RULES_COPIED, PROGRAM_SWAPPED, COMMITTED, COUNTERS_CARRIED, PINS_RENAMED }

    /** Told each step as it completes ({@code PROGRAM_SWAPPED} once per device); tests throw from it to inject failures. */
    @FunctionalInterface
    public interface Checkpoint {
        Checkpoint NONE = step -> { };

        void reached(Step step);
    }

    /**
     * What a migration did.
     *
     * @param rulesMoved       rules copied into the new maps
     * @param rulesLeftBehind  rules not copied, as asked (the caller deletes them anyway)
     * @param countsCarried    packets the old maps counted after the copy, added to the new ones
     * @param swapped          one line per program swapped
     */
    public record Report(int fromLayout, int toLayout, int fromCapacity, int toCapacity, int rulesMoved, int rulesLeftBehind,
            long countsCarried, List<String> swapped) {}

    /** A migration that did not complete: {@link #committed()} says whether the datapath already runs on the new maps. */
    public static final class MigrationException extends RuntimeException {
        private final Optional<Step> lastDone;
        private final boolean committed;

        MigrationException(String message, Optional<Step> lastDone, boolean committed, Throwable cause) {
            super(message, cause);
            this.lastDone = lastDone;
            this.committed = committed;
        }

        public Optional<Step> lastDone() {
            return lastDone;
        }

        public boolean committed() {
            return committed;
        }
    }

    /** A program to swap: what runs on a device now, and once swapped, that program held open to swap it back. */
    private static final class Swap {
        final int ifindex;
        final boolean tc;
        final XdpMode mode;
        final int oldProgramId;
        BpfProgram.Held previous;

        Swap(int ifindex, boolean tc, XdpMode mode, int oldProgramId) {
            this.ifindex = ifindex;
            this.tc = tc;
            this.mode = mode;
            this.oldProgramId = oldProgramId;
        }

        String describe() {
            return (tc ? "tc bridge" : "xdp_main (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")") + " on ifindex "
                    + ifindex;
        }

        /** Puts the old program back in one step. */
        void back() {
            if (tc) {
                Tc.attach(DpdkDatapathLifecycle.bridgeFilter(ifindex), previous.program(), true);
            } else {
                Xdp.replace(ifindex, Xdp.query(ifindex).orElseThrow().programId(), previous.program(), mode);
            }
        }

        void release() {
            if (previous != null) {
                previous.close();
                previous = null;
            }
        }
    }

    /**
     * The devices whose programs move to the new maps: {@code xdp_main} wherever it runs on them, and with
     * {@code bridges} (DPDK mode) the tc bridge too. Devices of the calling thread's network namespace.
     */
    public record Devices(List<Integer> ifindexes, boolean bridges) {
        public Devices {
            ifindexes = List.copyOf(ifindexes);
        }

        /** No device: only the maps move (a datapath that runs nowhere). */
        public static final Devices NONE = new Devices(List.of(), false);

        /** XDP mode: {@code xdp_main} on these devices. */
        public static Devices xdp(List<Integer> ifindexes) {
            return new Devices(ifindexes, false);
        }
    }

    /**
     * Migrates the datapath pinned under {@code pinRoot} to this build's layout with room for {@code maxRules}
     * rules, swapping the programs on {@code devices}; rules at {@code leaveBehind} are not copied.
     *
     * @throws Datapath.LayoutMismatch when the pins are of a newer layout than this build's (nothing is touched)
     * @throws MigrationException      when a step failed (see the class comment for what it left)
     */
    public static Report migrate(Path pinRoot, int maxRules, Devices devices, Set<FlowKey> leaveBehind,
            Checkpoint checkpoint) {
        return migrate(pinRoot, maxRules, devices, leaveBehind, Set.of(), checkpoint);
    }

    /** {@link #migrate(Path, int, Devices, Set, Checkpoint)} that leaves the IPv6 rules at {@code leaveBehind6} behind too. */
    public static Report migrate(Path pinRoot, int maxRules, Devices devices, Set<FlowKey> leaveBehind,
            Set<FlowKey6> leaveBehind6, Checkpoint checkpoint) {
        return migrate(pinRoot, maxRules, devices, (Predicate<FlowKey>) leaveBehind::contains,
                (Predicate<FlowKey6>) leaveBehind6::contains, checkpoint);
    }

    /**
     * {@link #migrate(Path, int, Devices, Set, Set, Checkpoint)} with the rules to leave behind told by predicates: a
     * plan that edits every flow deletes half a million keys, which it holds packed, not as a set of objects.
     */
    public static Report migrate(Path pinRoot, int maxRules, Devices devices, Predicate<FlowKey> leaveBehind,
            Predicate<FlowKey6> leaveBehind6, Checkpoint checkpoint) {
        if (maxRules < 2) {
            throw new IllegalArgumentException("maxRules must be at least 2: " + maxRules);
        }
        recover(pinRoot).ifPresent(done -> LOG.log(Level.WARNING, done));
        PinnedLayout from = PinnedLayout.probe(pinRoot)
                .orElseThrow(() -> new IllegalStateException("no datapath pinned under " + pinRoot + " to migrate"));
        if (from.isNewer()) {
            throw new Datapath.LayoutMismatch(pinRoot, from.version());
        }
        return move(pinRoot, from, () -> PinnedMaps.open(pinRoot, from), maxRules, devices, leaveBehind, leaveBehind6,
                checkpoint, "migrated the maps under " + pinRoot);
    }

    /**
     * Rebuilds the pins under {@code pinRoot} that someone removed while {@code xdp_main} (program {@code programId})
     * still runs on their maps: the same sequence as {@link #migrate}, the old maps found through the program's map ids
     * instead of their pins. New maps sized for {@code maxRules} get every live rule with its counters (but those
     * {@code leaveBehind} accepts), then the program is swapped on {@code devices} in one step and what it counted
     * meanwhile carried over, and the new maps take the pin names: no packet meets a program without its rules.
     *
     * @throws IllegalStateException when a rules map is pinned there (nothing to rebuild), or the program's maps are not
     *                               of this build's layout (nothing is touched)
     * @throws MigrationException    when a step failed (see the class comment for what it left)
     */
    public static Report rebuildUnpinned(Path pinRoot, int programId, int maxRules, Devices devices,
            Predicate<FlowKey> leaveBehind, Checkpoint checkpoint) {
        return rebuildUnpinned(pinRoot, programId, maxRules, devices, leaveBehind, key -> false, checkpoint);
    }

    /** {@link #rebuildUnpinned(Path, int, int, Devices, Predicate, Checkpoint)} with the IPv6 rules to leave behind. */
    public static Report rebuildUnpinned(Path pinRoot, int programId, int maxRules, Devices devices,
            Predicate<FlowKey> leaveBehind, Predicate<FlowKey6> leaveBehind6, Checkpoint checkpoint) {
        if (maxRules < 2) {
            throw new IllegalArgumentException("maxRules must be at least 2: " + maxRules);
        }
        recover(pinRoot).ifPresent(done -> LOG.log(Level.WARNING, done));
        if (PinnedLayout.probe(pinRoot).isPresent()) {
            throw new IllegalStateException("a rules map is pinned under " + pinRoot + ": nothing to rebuild");
        }
        int capacity;
        try (PinnedMaps live = PinnedMaps.ofProgram(programId)) {
            capacity = live.rulesCapacity();
        }
        return move(pinRoot, new PinnedLayout(Abi.VERSION, capacity), () -> PinnedMaps.ofProgram(programId), maxRules, devices,
                leaveBehind, leaveBehind6, checkpoint, "rebuilt the unpinned maps of program id " + programId + " under " + pinRoot);
    }

    /** The sequence of the class comment, from the maps {@code openOld} opens. */
    private static Report move(Path pinRoot, PinnedLayout from, java.util.function.Supplier<PinnedMaps> openOld, int maxRules,
            Devices devices, Predicate<FlowKey> leaveBehind, Predicate<FlowKey6> leaveBehind6, Checkpoint checkpoint, String done) {
        List<Swap> swaps = new ArrayList<>();
        devices.ifindexes().forEach(ifindex -> swaps.addAll(running(ifindex, devices.bridges())));
        Path pending = pinRoot.resolve(PENDING_DIR);
        Progress progress = new Progress(checkpoint);
        try {
            Files.createDirectory(pending);
        } catch (IOException e) {
            throw new MigrationException("cannot create " + pending + ": " + e.getMessage() + "; nothing changed", Optional.empty(),
                    false, e);
        }
        try (PinnedMaps old = openOld.get()) {
            boolean localIpsKept = keepUnchanged(old, pending, maxRules);
            try (Datapath next = Datapath.load(pending, maxRules);
                    BpfObject bridge = swaps.stream().anyMatch(swap -> swap.tc) ? DpdkDatapathLifecycle.loadBridge(pending) : null;
                    FlowCarry carry = new FlowCarry(next.rules().countersMap())) {
                if (!localIpsKept) {
                    copyLocalIps(old, next);
                }
                progress.done(Step.MAPS_CREATED);

                Copy copy = new Copy(old, next, maxRules, from.rulesCapacity(), leaveBehind, leaveBehind6);
                old.forEachRule(copy::add);
                copy.flush();
                old.forEachRule6(copy::add6);
                progress.done(Step.RULES_COPIED);

                List<String> swapped = swapAll(swaps, next, bridge, copy, progress);
                try {
                    Files.createDirectory(pending.resolve(COMMITTED));
                } catch (IOException e) {
                    UncheckedIOException failure = new UncheckedIOException("cannot mark the migration committed", e);
                    throw new IllegalStateException(failure.getMessage() + "; " + undoSwaps(swaps, copy, failure), failure);
                }
                long carried;
                try {
                    progress.done(Step.COMMITTED);
                    awaitRunsEnded(copy::oldCountsSum);
                    copy.carryDeltas(carry);
                    carried = carry.packets();
                    progress.done(Step.COUNTERS_CARRIED);
                    renamePending(pinRoot);
                    progress.done(Step.PINS_RENAMED);
                } catch (RuntimeException e) {
                    throw new MigrationException("the datapath runs on the new maps, but the migration stopped after "
                            + progress.describe() + ": " + e.getMessage() + " (the next apply or start finishes it)",
                            progress.last(), true, e);
                }
                LOG.log(Level.INFO, done + " from " + PinnedLayout.name(from.version()) + " ("
                        + from.rulesCapacity() + " rules) to " + PinnedLayout.name(Abi.VERSION) + " (" + maxRules + " rules): "
                        + copy.moved + " rules moved, " + copy.leftBehind + " left behind, " + carried
                        + " packets counted meanwhile carried; " + swapped);
                return new Report(from.version(), Abi.VERSION, from.rulesCapacity(), maxRules, copy.moved, copy.leftBehind,
                        carried, swapped);
            }
        } catch (MigrationException e) {
            throw e;
        } catch (RuntimeException e) {
            String undone = discardAfter(pending, e);
            throw new MigrationException("migration stopped " + (progress.last().isEmpty() ? "before its first step"
                    : "after " + progress.describe()) + ": " + e.getMessage() + "; " + undone, progress.last(), false, e);
        } finally {
            swaps.forEach(Swap::release);
        }
    }

    /**
     * Swaps every program for this build's on the new maps; on a failure swaps back those it swapped (the old
     * programs held open for it), adds back to the old counters what the new ones counted meanwhile, and throws.
     */
    private static List<String> swapAll(List<Swap> swaps, Datapath next, BpfObject bridge, Copy copy, Progress progress) {
        List<String> lines = new ArrayList<>();
        List<Swap> done = new ArrayList<>();
        try {
            for (Swap swap : swaps) {
                swap.previous = BpfProgram.hold(swap.oldProgramId);
                if (swap.tc) {
                    Tc.attach(DpdkDatapathLifecycle.bridgeFilter(swap.ifindex), bridge.program(DpdkDatapathLifecycle.BRIDGE_PROGRAM),
                            true);
                } else {
                    Xdp.replace(swap.ifindex, swap.oldProgramId, next.program().orElseThrow(), swap.mode);
                }
                done.add(swap);
                lines.add(swap.describe() + ": program id " + swap.oldProgramId + " replaced");
                progress.done(Step.PROGRAM_SWAPPED);
            }
            return lines;
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "; " + undoSwaps(done, copy, e), e);
        }
    }

    /**
     * Swaps back the programs of {@code done} and adds to the old counters what the new ones counted meanwhile
     * (where the old layout keeps counters by slot; layout 1's hash loses those few counts); says what it did.
     */
    private static String undoSwaps(List<Swap> done, Copy copy, RuntimeException cause) {
        if (done.isEmpty()) {
            return "no program was swapped";
        }
        List<String> failures = new ArrayList<>();
        for (Swap swap : done.reversed()) {
            try {
                swap.back();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
                failures.add(swap.describe() + " could not be swapped back (" + e.getMessage() + ")");
            }
        }
        if (!failures.isEmpty()) {
            return String.join("; ", failures);
        }
        try {
            awaitRunsEnded(() -> copy.newCountsSum());
            copy.carryBack();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            return done.size() + " program(s) swapped back; what they counted meanwhile could not be added back (" + e.getMessage()
                    + ")";
        }
        return done.size() + " program(s) swapped back, what they counted meanwhile added back";
    }

    /** Steps done so far, for the checkpoint and the messages. */
    private static final class Progress {
        private final Checkpoint checkpoint;
        private Step last;

        Progress(Checkpoint checkpoint) {
            this.checkpoint = checkpoint;
        }

        void done(Step step) {
            last = step;
            checkpoint.reached(step);
        }

        Optional<Step> last() {
            return Optional.ofNullable(last);
        }

        String describe() {
            return last == null ? "no step" : "step " + last;
        }
    }

    /** What runs on {@code ifindex} that the migration must move: our XDP program, our tc bridge, or both. */
    private static List<Swap> running(int ifindex, boolean bridges) {
        List<Swap> found = new ArrayList<>();
        Xdp.query(ifindex).ifPresent(xdp -> {
            if (BpfProgram.describe(xdp.programId()).map(BpfProgram.Info::name).filter(Datapath.PROGRAM::equals).isPresent()) {
                found.add(new Swap(ifindex, false, xdp.mode(), xdp.programId()));
            }
        });
        if (!bridges) {
            return found; // a tc query on a device without clsact makes libbpf log a netlink error
        }
        DpdkDatapathLifecycle.bridge(ifindex).ifPresent(tc -> {
            if (BpfProgram.describe(tc.programId()).map(BpfProgram.Info::name)
                    .filter(DpdkDatapathLifecycle.BRIDGE_PROGRAM::equals).isPresent()) {
                found.add(new Swap(ifindex, true, XdpMode.NATIVE, tc.programId()));
            }
        });
        return found;
    }

    /**
     * Pins into {@code pending} the old maps this build declares alike (the local IPs, the datapath counters), so
     * that the new program uses them as they are; returns whether the local IPs were kept that way.
     */
    private static boolean keepUnchanged(PinnedMaps old, Path pending, int maxRules) {
        boolean localIps = false;
        try (BpfObject declared = BpfObject.openBundled(Datapath.OBJECT, null)) {
            for (String name : List.of(Datapath.LOCAL_IPS_MAP, Datapath.LOCAL_IPS6_MAP, Datapath.COUNTERS_MAP)) {
                MapDefinition wanted = declared.mapDefinition(name);
                Optional<BpfMap> pinned = old.map(name);
                try {
                    if (pinned.isPresent() && pinned.get().definition().equals(wanted)) {
                        pinned.get().pin(pending.resolve(name));
                        localIps |= name.equals(Datapath.LOCAL_IPS_MAP);
                    }
                } finally {
                    pinned.ifPresent(BpfMap::close);
                }
            }
        }
        return localIps;
    }

    private static void copyLocalIps(PinnedMaps old, Datapath next) {
        old.map(Datapath.LOCAL_IPS_MAP).ifPresent(map -> {
            try (map) {
                new LocalIpsMap(map).readAll().keySet().forEach(next.localIps()::add);
            }
        });
    }

    /**
     * The copy of the rules, page by page, and what it remembers to carry the counts that come after it: the
     * counts each new slot started with, and (layout 2) which new slot each old slot went to.
     */
    private static final class Copy {
        private final PinnedMaps old;
        private final RulesMap next;
        private final Rules6Map next6;
        private final int capacity;
        private final Predicate<FlowKey> leaveBehind;
        private final Predicate<FlowKey6> leaveBehind6;
        private final long[] seededPackets;
        private final long[] seededBytes;
        private final int[] newSlotOfOld;
        private final List<RulesMap.Moved> page = new ArrayList<>();
        private final List<Integer> pageOldSlots = new ArrayList<>();
        int moved;
        int leftBehind;

        Copy(PinnedMaps old, Datapath next, int capacity, int oldCapacity, Predicate<FlowKey> leaveBehind,
                Predicate<FlowKey6> leaveBehind6) {
            this.old = old;
            this.next = next.rules();
            this.next6 = next.rules6();
            this.capacity = capacity;
            this.leaveBehind = leaveBehind;
            this.leaveBehind6 = leaveBehind6;
            this.seededPackets = new long[capacity + 1];
            this.seededBytes = new long[capacity + 1];
            this.newSlotOfOld = old.version() == 1 ? new int[0] : new int[oldCapacity + 1];
        }

        void add(FlowKey key, FlowRule rule, int oldSlot) {
            if (leaveBehind.test(key)) {
                leftBehind++;
                return;
            }
            if (moved + page.size() >= capacity) {
                throw new IllegalStateException("the new rules map holds " + capacity + " rules, and more than that are live"
                        + " (besides " + leftBehind + " left behind so far)");
            }
            page.add(new RulesMap.Moved(key, rule, old.counters(key, oldSlot)));
            pageOldSlots.add(oldSlot);
            if (page.size() == RulesMap.PAGE) {
                flush();
            }
        }

        void flush() {
            if (page.isEmpty()) {
                return;
            }
            int[] slots = next.importRules(page);
            for (int i = 0; i < slots.length; i++) {
                seeded(slots[i], page.get(i).counters(), pageOldSlots.get(i));
            }
            moved += slots.length;
            page.clear();
            pageOldSlots.clear();
        }

        /**
         * Copies an IPv6 rule, one syscall each (the IPv6 map is small), after the IPv4 ones: its counters' slot comes
         * from the same bitmap, so both families together fit the new capacity.
         */
        void add6(FlowKey6 key, FlowRule6 rule, int oldSlot) {
            if (leaveBehind6.test(key)) {
                leftBehind++;
                return;
            }
            if (moved >= capacity) {
                throw new IllegalStateException("the new rules map holds " + capacity + " rules, and more than that are live"
                        + " (IPv4 and IPv6 rules together, whose counters share its slots; besides " + leftBehind
                        + " left behind so far)");
            }
            FlowCounters counters = old.countersAt(oldSlot);
            seeded(next6.importRule(key, rule, counters), counters, oldSlot);
            moved++;
        }

        /** Remembers what the new slot started with, and which old slot it continues (for the counts that follow). */
        private void seeded(int slot, FlowCounters counters, int oldSlot) {
            seededPackets[slot] = counters.packets();
            seededBytes[slot] = counters.bytes();
            if (oldSlot > 0 && oldSlot < newSlotOfOld.length) {
                newSlotOfOld[oldSlot] = slot;
            }
        }

        long oldCountsSum() {
            long[] sum = {0};
            old.forEachCounted((key, slot, c) -> sum[0] += c.packets());
            return sum[0];
        }

        long newCountsSum() {
            long[] sum = {0};
            PinnedMaps.forEachCountedSlot(next.countersMap(), (key, slot, c) -> sum[0] += c.packets());
            return sum[0];
        }

        /**
         * Adds to the old counters what the new ones counted beyond what the copy gave them: the programs were swapped
         * back. Only where the old layout counts by slot (a resize); layout 1's hash is not added to.
         */
        void carryBack() {
            Optional<BpfMap> oldCounters = old.slotCounters();
            if (oldCounters.isEmpty()) {
                return;
            }
            int[] oldSlotOfNew = new int[seededPackets.length];
            for (int oldSlot = 1; oldSlot < newSlotOfOld.length; oldSlot++) {
                if (newSlotOfOld[oldSlot] > 0) {
                    oldSlotOfNew[newSlotOfOld[oldSlot]] = oldSlot;
                }
            }
            try (FlowCarry back = new FlowCarry(oldCounters.get())) {
                PinnedMaps.forEachCountedSlot(next.countersMap(), (key, slot, counted) -> {
                    if (slot < oldSlotOfNew.length && oldSlotOfNew[slot] > 0) {
                        long packets = counted.packets() - seededPackets[slot];
                        long bytes = counted.bytes() - seededBytes[slot];
                        if (packets > 0 || bytes > 0) {
                            back.add(oldSlotOfNew[slot], Math.max(0, packets), Math.max(0, bytes));
                        }
                    }
                });
                back.flush();
            }
        }

        /** Adds to the new counters what the old ones counted after the copy read them. */
        void carryDeltas(FlowCarry carry) {
            old.forEachCounted((key, oldSlot, counted) -> {
                int slot;
                if (key != null) {
                    slot = leaveBehind.test(key) ? 0 : next.slotOf(key);
                } else {
                    slot = oldSlot < newSlotOfOld.length ? newSlotOfOld[oldSlot] : 0;
                }
                if (slot <= 0 || slot >= seededPackets.length) {
                    return;
                }
                long packets = counted.packets() - seededPackets[slot];
                long bytes = counted.bytes() - seededBytes[slot];
                if (packets > 0 || bytes > 0) {
                    carry.add(slot, Math.max(0, packets), Math.max(0, bytes));
                }
            });
            carry.flush();
        }
    }

    /**
     * Returns once no run of the replaced programs is left, so that the counters they wrote are final: an RCU grace
     * period, or where the kernel cannot wait for one, two sums of those counters in a row that agree.
     */
    private static void awaitRunsEnded(java.util.function.LongSupplier countersSum) {
        if (Rcu.synchronize()) {
            return;
        }
        long previous = countersSum.getAsLong();
        while (true) {
            Thread.onSpinWait();
            long now = countersSum.getAsLong();
            if (now == previous) {
                return;
            }
            previous = now;
        }
    }

    /** Renames every pending pin over its name, then removes the old layout's own pins and the pending directory. */
    private static void renamePending(Path pinRoot) {
        Path pending = pinRoot.resolve(PENDING_DIR);
        // The rules map last: until it moves, a reader that opens the pins sees the old rules with the old counters
        // (layout 1: it meets xdp_flow_stats, removed last of all, and refuses).
        List<String> order = new ArrayList<>(Datapath.PINNED_MAPS);
        order.remove(Datapath.RULES_MAP);
        order.add(Datapath.RULES_MAP);
        try {
            for (String name : order) {
                Path from = pending.resolve(name);
                if (Files.exists(from)) {
                    Files.move(from, pinRoot.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.deleteIfExists(pinRoot.resolve(Datapath.LAYOUT_1_FLOW_STATS_MAP));
            Files.deleteIfExists(pending.resolve(COMMITTED));
            Files.delete(pending);
        } catch (IOException e) {
            throw new UncheckedIOException("renaming the pins under " + pending + " failed", e);
        }
    }

    /** Removes the pending pins of a migration that stopped before its commit; says what the old maps do now. */
    private static String discardAfter(Path pending, RuntimeException cause) {
        try {
            discard(pending);
            return "the old maps keep serving";
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            return "the old maps keep serving; the pending pins under " + pending + " could not be removed (" + e.getMessage()
                    + "): the next migration removes them";
        }
    }

    /**
     * Finishes or discards what an interrupted migration left under {@code pinRoot}: committed (the programs ran on
     * the new maps) → the pending pins are renamed over the old ones; not committed → they are removed. Empty when
     * there was nothing to do.
     */
    public static Optional<String> recover(Path pinRoot) {
        Path pending = pinRoot.resolve(PENDING_DIR);
        if (!Files.isDirectory(pending)) {
            return Optional.empty();
        }
        if (Files.isDirectory(pending.resolve(COMMITTED))) {
            renamePending(pinRoot);
            return Optional.of("finished an interrupted migration of the maps under " + pinRoot
                    + ": the datapath already ran on the new maps; their pins now have their names");
        }
        discard(pending);
        return Optional.of("removed the maps of an interrupted migration under " + pending + " (never put in use)");
    }

    /** True while an interrupted migration's pending pins are there: {@link #recover} will deal with them. */
    public static boolean interrupted(Path pinRoot) {
        return Files.isDirectory(pinRoot.resolve(PENDING_DIR));
    }

    private static void discard(Path pending) {
        if (!Files.exists(pending)) {
            return;
        }
        try (Stream<Path> pins = Files.list(pending)) {
            for (Path pin : pins.toList()) {
                Files.delete(pin);
            }
            Files.delete(pending);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + pending, e);
        }
    }
}
