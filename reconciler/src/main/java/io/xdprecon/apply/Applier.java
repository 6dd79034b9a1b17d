package io.xdprecon.apply;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.layout.AttachModeChange;
import io.xdprecon.dataplane.layout.LayoutMigration;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Change;
import io.xdprecon.plan.DatapathChange;
import io.xdprecon.plan.Fingerprint;
import io.xdprecon.plan.LocalIp6Change;
import io.xdprecon.plan.LocalIpChange;
import io.xdprecon.plan.Rule6Change;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.RuleChange;
import io.xdprecon.plan.TouchedKeys;
import io.xdprecon.plan.TuningChange;
import io.xdprecon.state.LiveRules;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Carries out a {@link Plan} against the live node, make before break:
 * <ol>
 *   <li>refuse before any write: plan errors, the mass-delete guard, disruptive changes without
 *       their flags, and a live state that moved since the plan was computed;</li>
 *   <li>migrate the live maps onto new ones when the plan says so (an older layout, another capacity: every
 *       rule and its counters copied, the program swapped atomically); the same for the maps of an
 *       {@code xdp_main} still running after its pins were removed; load the datapath, then tuning;</li>
 *   <li>local IPs added, then every rule added, changed or taken over, in batches; then the program attached
 *       (XDP mode), so that it finds its rules, and moved to the config's attach mode where it runs in another
 *       (detached and attached again, the tc bridge forwarding meanwhile);</li>
 *   <li>rules deleted, in batches; local IPs removed last.</li>
 * </ol>
 * A failing step stops the apply; the node is read again and {@link ApplyFailedException} says how many
 * changes landed and how many did not, naming the first that did not. Applying the same config again converges.
 */
public final class Applier {
    private final LiveStateReader reader;
    private final TuningWriter tuning;
    private final Consumer<String> progress;

    /** Applies one tuning setting (the real one is {@code io.xdprecon.tuning.TuningApplier::apply}). */
    @FunctionalInterface
    public interface TuningWriter {
        void apply(TuningSetting target);
    }

    public record Options(boolean allowMassDelete, boolean allowDisruptive) {}

    /** What one step did: e.g. "write rules", 524288 of 524288, in 312 ms. */
    public record Step(String name, int done, long micros) {}

    public Applier(LiveStateReader reader, TuningWriter tuning, Consumer<String> progress) {
        this.reader = reader;
        this.tuning = tuning;
        this.progress = progress;
    }

    /**
     * Applies {@code plan}; returns the steps taken (none when the plan has no changes).
     *
     * @throws ApplyRefusedException before any write, with every reason
     * @throws ApplyFailedException  when a step failed part way, with what landed
     */
    public List<Step> apply(Plan plan, Options options) {
        if (!writesAnything(plan, options)) {
            return List.of();
        }
        // A migration interrupted after its commit left pins of two generations: finish it before reading them.
        LayoutMigration.recover(reader.pinRoot()).ifPresent(progress);
        // The staleness check walks the live rules into the fingerprint without collecting them: a map of
        // half a million rules costs far more than the check itself. The snapshot's rules are thus empty;
        // the steps below use only its other facts. The keys the plan touches are its own packed tables.
        List<RuleChange> rules = plan.ruleChanges();
        Fingerprint.Walk walk = new Fingerprint.Walk(plan.touchedKeys(), plan.tuningIds(), plan.touchedKeys6());
        LiveState live = reader.readStreamingRules(plan.interfaces(), desiredTuning(plan), walk::rule);
        if (!plan.fingerprint().equals(walk.finish(live))) {
            throw stale();
        }
        return run(plan, rules, live);
    }

    /**
     * Applies a plan this process made moments ago from what it had just read (the daemon's case).
     * Instead of a walk of every live rule into the fingerprint, it looks up only the keys and local IPs
     * the plan changes and refuses if one no longer holds what the plan saw: the check costs what the
     * plan's size costs, not the map's. IPv6 rules and local IPs are checked the same way (an IPv6-only change
     * reads nothing of the IPv4 map). A plan that loads the datapath or changes tuning gets {@link #apply}'s full
     * check.
     *
     * @throws ApplyRefusedException before any write, with every reason
     * @throws ApplyFailedException  when a step failed part way, with what landed
     */
    public List<Step> applyFresh(Plan plan, Options options) {
        if (!plan.datapath().isEmpty() || !plan.tuning().isEmpty() || plan.addsToAnEmptyMap()) {
            return apply(plan, options);
        }
        if (!writesAnything(plan, options)) {
            return List.of();
        }
        List<RuleChange> rules = plan.ruleChanges();
        // One lookup per change as the changes are read (a view for a packed plan): no map of what is live.
        boolean moved = reader.lookingUpRules(now -> rules.stream()
                .anyMatch(c -> !Optional.ofNullable(now.apply(c.key())).equals(c.before())));
        if (!plan.localIps().isEmpty()) {
            Set<Integer> localIps = reader.readLocalIps();
            moved |= plan.localIps().stream()
                    .anyMatch(c -> localIps.contains(c.ip()) != (c.kind() == Change.Kind.DELETE));
        }
        moved |= movedIpv6(plan);
        if (moved) {
            throw stale();
        }
        return run(plan, rules, null);
    }

    /** Whether an IPv6 rule or local IP the plan changes no longer holds what the plan saw, by point lookups. */
    private boolean movedIpv6(Plan plan) {
        List<Rule6Change> rules6 = plan.rule6Changes();
        Map<FlowKey6, FlowRule6> now6 = reader.readRules6(plan.touchedKeys6());
        boolean moved = rules6.stream().anyMatch(c -> !Optional.ofNullable(now6.get(c.key())).equals(c.before()));
        if (!plan.localIps6().isEmpty()) {
            Set<IpAddress.V6> localIps6 = reader.readLocalIps6();
            moved |= plan.localIps6().stream()
                    .anyMatch(c -> localIps6.contains(c.ip()) != (c.kind() == Change.Kind.DELETE));
        }
        return moved;
    }

    /** False when the plan has no changes; throws when it must not start. */
    private static boolean writesAnything(Plan plan, Options options) {
        List<String> refusals = plan.refusals(options.allowMassDelete(), options.allowDisruptive());
        if (!refusals.isEmpty()) {
            throw new ApplyRefusedException(refusals);
        }
        return plan.hasChanges();
    }

    private static ApplyRefusedException stale() {
        return ApplyRefusedException.liveStateMoved();
    }

    /** The keys of {@code rules}, distinct in a plan, as a view: a cold plan has half a million. */
    private static List<FlowKey> keysOf(List<RuleChange> rules) {
        return new java.util.AbstractList<>() {
            @Override
            public FlowKey get(int index) {
                return rules.get(index).key();
            }

            @Override
            public int size() {
                return rules.size();
            }
        };
    }

    /**
     * The changes of {@code rules} that {@code keep} takes, as a view by their indexes: a packed plan's changes are
     * made as they are read, and a list of half a million of them (with their keys and rules) does not fit the heap.
     */
    private static List<RuleChange> only(List<RuleChange> rules, java.util.function.Predicate<RuleChange> keep) {
        int[] kept = new int[rules.size()];
        int n = 0;
        for (int i = 0; i < rules.size(); i++) {
            if (keep.test(rules.get(i))) {
                kept[n++] = i;
            }
        }
        int size = n;
        return new java.util.AbstractList<>() {
            @Override
            public RuleChange get(int index) {
                return rules.get(kept[index]);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    private List<Step> run(Plan plan, List<RuleChange> rules, LiveState live) {
        List<Step> steps = new ArrayList<>();
        String current = "start";
        try {
            current = "migrate the datapath";
            Optional<DatapathChange.Migrate> migrate = plan.datapath().stream()
                    .filter(DatapathChange.Migrate.class::isInstance).map(DatapathChange.Migrate.class::cast).findFirst();
            migrate.ifPresent(m -> runMigration(plan, m, steps));
            current = "rebuild the unpinned datapath";
            Set<String> rebuilt = rebuildUnpinned(plan, steps);
            current = "load the datapath";
            // Loading creates the pinned maps, or adopts them; the attachment keeps the program alive after close.
            try (Datapath loaded = loadIfAttaching(plan, live, migrate, steps)) {
                current = "tuning";
                runTuning(plan, steps);
                try (Datapath datapath = Datapath.openPinned(reader.pinRoot())) {
                    current = "add local IPs";
                    runLocalIps(plan, datapath, Change.Kind.ADD, steps);
                    runLocalIps6(plan, datapath, Change.Kind.ADD, steps);
                    current = "write rules";
                    runRuleWrites(plan, rules, datapath, steps);
                    current = "write IPv6 rules";
                    runRule6Writes(plan, datapath, steps);
                    // Rules first: a program attached (or swapped in) finds every rule of the plan already there.
                    current = "attach the datapath";
                    runAttaches(plan, loaded, rebuilt, steps);
                    current = "change the attach mode";
                    runAttachModeChanges(plan, steps);
                    current = "delete rules";
                    runRuleDeletes(plan, rules, datapath, steps);
                    current = "delete IPv6 rules";
                    runRule6Deletes(plan, datapath, steps);
                    current = "remove local IPs";
                    runLocalIps(plan, datapath, Change.Kind.DELETE, steps);
                    runLocalIps6(plan, datapath, Change.Kind.DELETE, steps);
                }
            }
            return steps;
        } catch (RuntimeException e) {
            throw failed(plan, current, e);
        }
    }

    private static List<TuningSetting> desiredTuning(Plan plan) {
        return plan.tuning().stream().map(TuningChange::after).toList();
    }

    private static Optional<DatapathChange.Load> load(Plan plan) {
        return plan.datapath().stream().filter(DatapathChange.Load.class::isInstance).map(DatapathChange.Load.class::cast)
                .findFirst();
    }

    private static List<DatapathChange.Attach> attaches(Plan plan) {
        return plan.datapath().stream().filter(DatapathChange.Attach.class::isInstance).map(DatapathChange.Attach.class::cast)
                .toList();
    }

    /**
     * Loads the datapath when the plan creates it or attaches the program somewhere (null otherwise): the maps are
     * created and pinned, or the pinned ones adopted at the size they have (a migration's new size).
     */
    private Datapath loadIfAttaching(Plan plan, LiveState live, Optional<DatapathChange.Migrate> migrate, List<Step> steps) {
        Optional<DatapathChange.Load> load = load(plan);
        if (load.isEmpty() && attaches(plan).isEmpty()) {
            return null;
        }
        long start = System.nanoTime();
        int capacity = load.map(DatapathChange.Load::maxRules)
                .orElse(migrate.map(DatapathChange.Migrate::toCapacity).orElse(live.rulesCapacity()));
        boolean creating = !Datapath.isPinned(reader.pinRoot());
        Datapath loaded = Datapath.load(reader.pinRoot(), capacity);
        if (creating) {
            progress.accept("  + datapath: maps pinned under " + reader.pinRoot() + " (" + capacity + " rules)");
            steps.add(new Step("load the datapath", 1, micros(start)));
        }
        return loaded;
    }

    /**
     * Where the plan loads the datapath while an {@code xdp_main} whose pins were removed still runs (the plan's
     * attaches that replace a program), moves that program's maps onto new pinned ones with every live rule the plan
     * keeps and its counters, and swaps the program in one step ({@link LayoutMigration#rebuildUnpinned}); returns the
     * interfaces done so. When its maps cannot be read (another layout), nothing happens here: the rules are then
     * written to new maps before the program is replaced, and its counters start from zero.
     */
    private Set<String> rebuildUnpinned(Plan plan, List<Step> steps) {
        Optional<DatapathChange.Load> load = load(plan);
        List<DatapathChange.Attach> replacing = attaches(plan).stream().filter(a -> a.replacesProgramId().isPresent()).toList();
        if (load.isEmpty() || replacing.isEmpty()) {
            return Set.of();
        }
        long start = System.nanoTime();
        TouchedKeys touched = plan.touchedKeys();
        Set<FlowKey6> kept6 = new HashSet<>();
        plan.rule6Changes().stream().filter(c -> c.kind() != Change.Kind.DELETE).forEach(c -> kept6.add(c.key()));
        int program = replacing.getFirst().replacesProgramId().getAsInt();
        LayoutMigration.Report report;
        try {
            report = LayoutMigration.rebuildUnpinned(reader.pinRoot(), program, load.get().maxRules(),
                    LayoutMigration.Devices.xdp(replacing.stream().map(DatapathChange.Attach::ifindex).toList()),
                    key -> !writes(touched, key), key -> !kept6.contains(key), LayoutMigration.Checkpoint.NONE);
        } catch (LayoutMigration.MigrationException e) {
            throw e;
        } catch (IllegalStateException e) {
            progress.accept("  ! datapath: the maps of program id " + program + " cannot be rebuilt (" + e.getMessage()
                    + "): new maps get the rules before the program is replaced; its counters start from zero");
            return Set.of();
        }
        progress.accept("  ~ datapath: the unpinned maps of " + Datapath.PROGRAM + " (program id " + program + ") rebuilt under "
                + reader.pinRoot() + ": " + report.rulesMoved() + " rules moved with their counters, " + report.rulesLeftBehind()
                + " left behind, " + report.countsCarried() + " packets counted meanwhile carried; "
                + String.join("; ", report.swapped()));
        steps.add(new Step("rebuild the unpinned datapath", report.rulesMoved(), micros(start)));
        Set<String> done = new HashSet<>();
        replacing.forEach(a -> done.add(a.iface()));
        return done;
    }

    /** Whether the plan writes a rule at {@code key} (adds, changes or takes it over). */
    private static boolean writes(TouchedKeys touched, FlowKey key) {
        Change.Kind kind = touched.kindAt(key);
        return kind != null && kind != Change.Kind.DELETE;
    }

    /** Attaches the program where the plan says, once the rules are written; {@code rebuilt} interfaces are done. */
    private void runAttaches(Plan plan, Datapath loaded, Set<String> rebuilt, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (DatapathChange.Attach attach : attaches(plan)) {
            if (rebuilt.contains(attach.iface())) {
                continue;
            }
            BpfProgram program = loaded.program().orElseThrow();
            if (attach.replacesProgramId().isPresent()) {
                // A replace keeps the mode the old program runs in (the kernel swaps within one mode); a change of
                // mode is the plan's own step.
                XdpMode live = Xdp.query(attach.ifindex()).map(Xdp.Attachment::mode).orElse(attach.mode());
                Xdp.replace(attach.ifindex(), attach.replacesProgramId().getAsInt(), program, live);
            } else {
                Xdp.attach(attach.ifindex(), program, attach.mode());
            }
            progress.accept("  + datapath: " + program.name() + " attached to " + attach.iface()
                    + " (" + attach.mode().name().toLowerCase() + ")");
            done++;
        }
        if (done > 0) {
            steps.add(new Step("attach the datapath", done, micros(start)));
        }
    }

    /** Moves {@code xdp_main} to the config's attach mode where it runs in another, behind the tc bridge. */
    private void runAttachModeChanges(Plan plan, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (DatapathChange change : plan.datapath()) {
            if (change instanceof DatapathChange.ChangeAttachMode mode) {
                progress.accept("  ~ datapath: " + AttachModeChange.change(reader.pinRoot(), mode.ifindex(), mode.to())
                        + " (" + mode.iface() + ")");
                done++;
            }
        }
        if (done > 0) {
            steps.add(new Step("change the attach mode", done, micros(start)));
        }
    }

    /**
     * Moves the datapath onto new maps before any write, the rules the plan deletes left behind; {@code xdp_main} is
     * swapped wherever it runs on the config's interfaces. A failure leaves the old maps serving.
     */
    private void runMigration(Plan plan, DatapathChange.Migrate migrate, List<Step> steps) {
        long start = System.nanoTime();
        // The deleted keys are looked up in the plan's packed keys: a set of them was 64 bytes a key.
        TouchedKeys touched = plan.touchedKeys();
        Set<FlowKey6> leaveBehind6 = new HashSet<>();
        plan.rule6Changes().stream().filter(c -> c.kind() == Change.Kind.DELETE).forEach(c -> leaveBehind6.add(c.key()));
        LayoutMigration.Report report = LayoutMigration.migrate(reader.pinRoot(), migrate.toCapacity(),
                LayoutMigration.Devices.xdp(List.copyOf(new TreeMap<>(plan.interfaces()).values())),
                key -> touched.kindAt(key) == Change.Kind.DELETE, leaveBehind6::contains, LayoutMigration.Checkpoint.NONE);
        progress.accept("  ~ datapath: layout " + report.fromLayout() + " -> " + report.toLayout() + ", rules map "
                + report.fromCapacity() + " -> " + report.toCapacity() + " entries: " + report.rulesMoved() + " rules moved, "
                + report.countsCarried() + " packets counted meanwhile carried" + (report.swapped().isEmpty() ? ""
                : "; " + String.join("; ", report.swapped())));
        steps.add(new Step("migrate the datapath", report.rulesMoved(), micros(start)));
    }

    private void runTuning(Plan plan, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (TuningChange change : plan.tuning()) {
            tuning.apply(change.after());
            progress.accept("  ~ " + change.id() + " = " + change.after().value());
            done++;
        }
        if (done > 0) {
            steps.add(new Step("tuning", done, micros(start)));
        }
    }

    private void runLocalIps(Plan plan, Datapath datapath, Change.Kind kind, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (LocalIpChange change : plan.localIps()) {
            if (change.kind() != kind) {
                continue;
            }
            if (kind == Change.Kind.ADD) {
                datapath.localIps().add(change.ip());
            } else {
                datapath.localIps().remove(change.ip());
            }
            done++;
        }
        if (done > 0) {
            String name = kind == Change.Kind.ADD ? "add local IPs" : "remove local IPs";
            steps.add(new Step(name, done, micros(start)));
            progress.accept("  " + (kind == Change.Kind.ADD ? "+ " : "- ") + done + " local IPs");
        }
    }

    private void runLocalIps6(Plan plan, Datapath datapath, Change.Kind kind, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (LocalIp6Change change : plan.localIps6()) {
            if (change.kind() == kind) {
                if (kind == Change.Kind.ADD) {
                    datapath.localIps6().add(change.ip());
                } else {
                    datapath.localIps6().remove(change.ip());
                }
                done++;
            }
        }
        if (done > 0) {
            steps.add(new Step(kind == Change.Kind.ADD ? "add IPv6 local IPs" : "remove IPv6 local IPs", done, micros(start)));
            progress.accept("  " + (kind == Change.Kind.ADD ? "+ " : "- ") + done + " IPv6 local IPs");
        }
    }

    private void runRule6Writes(Plan plan, Datapath datapath, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (Rule6Change change : plan.rule6Changes()) {
            if (change.kind() != Change.Kind.DELETE) {
                datapath.rules6().put(change.key(), change.after().orElseThrow());
                done++;
            }
        }
        if (done > 0) {
            steps.add(new Step("write IPv6 rules", done, micros(start)));
            progress.accept("  + ~ " + done + " IPv6 rules written");
        }
    }

    private void runRule6Deletes(Plan plan, Datapath datapath, List<Step> steps) {
        long start = System.nanoTime();
        int done = 0;
        for (Rule6Change change : plan.rule6Changes()) {
            if (change.kind() == Change.Kind.DELETE) {
                datapath.rules6().remove(change.key());
                done++;
            }
        }
        if (done > 0) {
            steps.add(new Step("delete IPv6 rules", done, micros(start)));
            progress.accept("  - " + done + " IPv6 rules deleted");
        }
    }

    private void runRuleWrites(Plan plan, List<RuleChange> rules, Datapath datapath, List<Step> steps) {
        // A cold plan's changes are made as they are read: no pass over them to learn what it says already.
        boolean deletes = !plan.addsToAnEmptyMap() && rules.stream().anyMatch(c -> c.kind() == Change.Kind.DELETE);
        List<RuleChange> writes = deletes ? only(rules, c -> c.kind() != Change.Kind.DELETE) : rules;
        if (writes.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        datapath.rules().putAll(writes, RuleChange::key, c -> c.after().orElseThrow());
        steps.add(new Step("write rules", writes.size(), micros(start)));
        progress.accept("  + ~ " + writes.size() + " rules written");
    }

    private void runRuleDeletes(Plan plan, List<RuleChange> rules, Datapath datapath, List<Step> steps) {
        if (plan.addsToAnEmptyMap()) {
            return;
        }
        List<RuleChange> deleted = only(rules, c -> c.kind() == Change.Kind.DELETE);
        if (deleted.isEmpty()) {
            return;
        }
        List<FlowKey> deletes = keysOf(deleted);
        long start = System.nanoTime();
        datapath.rules().removeAll(deletes);
        steps.add(new Step("delete rules", deletes.size(), micros(start)));
        progress.accept("  - " + deletes.size() + " rules deleted");
    }

    /**
     * Re-reads the node after a failure and sorts every planned change into landed and not landed: counted, the first
     * few that did not land named. The rules are read packed and each change looked up among them; an edit of every
     * flow at fleet scale (786,432 changes against a map of as many rules) read as an object per rule, and reported as a
     * String per change, ran out of the unit's heap, so the failure became a crash (issue 9).
     */
    private ApplyFailedException failed(Plan plan, String step, RuntimeException cause) {
        Tally tally = new Tally();
        LiveStateReader.WithRules read;
        try {
            read = reader.readPacked(plan.interfaces(), desiredTuning(plan));
        } catch (RuntimeException reread) {
            cause.addSuppressed(reread);
            tally.add(false, () -> "(the node could not be read again: " + reread.getMessage() + ")");
            return tally.exception(step, cause);
        }
        LiveState after = read.facts();
        LiveRules rules = read.rules();
        for (RuleChange change : plan.ruleChanges()) {
            int live = rules.find(change.key().high(), change.key().low());
            boolean done = change.kind() == Change.Kind.DELETE ? live < 0
                    : live >= 0 && rules.holds(live, change.after().orElseThrow());
            tally.add(done, () -> change.kind().symbol() + " rule " + change.key());
        }
        for (LocalIpChange change : plan.localIps()) {
            boolean present = after.localIps().contains(change.ip());
            boolean done = change.kind() == Change.Kind.ADD ? present : !present;
            tally.add(done, () -> change.kind().symbol() + " local IP " + Ipv4.format(change.ip()));
        }
        for (Rule6Change change : plan.rule6Changes()) {
            Optional<FlowRule6> now = Optional.ofNullable(after.rules6().get(change.key()));
            boolean done = change.kind() == Change.Kind.DELETE ? now.isEmpty() : now.equals(change.after());
            tally.add(done, () -> change.kind().symbol() + " rule " + change.key());
        }
        for (LocalIp6Change change : plan.localIps6()) {
            boolean present = after.localIps6().contains(change.ip());
            boolean done = change.kind() == Change.Kind.ADD ? present : !present;
            tally.add(done, () -> change.kind().symbol() + " local IP " + change.ip());
        }
        for (TuningChange change : plan.tuning()) {
            boolean done = after.tuning().contains(change.after());
            tally.add(done, () -> "~ " + change.id() + " = " + change.after().value());
        }
        for (DatapathChange change : plan.datapath()) {
            boolean done = switch (change) {
                case DatapathChange.Load load -> after.datapathPresent();
                case DatapathChange.Migrate migrate -> after.layout() == migrate.toLayout()
                        && after.rulesCapacity() == migrate.toCapacity();
                case DatapathChange.Attach attach -> after.attached().getOrDefault(attach.iface(), Optional.empty())
                        .filter(p -> p.name().equals(io.xdprecon.plan.Planner.PROGRAM_NAME)).isPresent();
                case DatapathChange.ChangeAttachMode mode -> after.attached().getOrDefault(mode.iface(), Optional.empty())
                        .filter(p -> p.name().equals(io.xdprecon.plan.Planner.PROGRAM_NAME) && p.mode() == mode.to())
                        .isPresent();
            };
            tally.add(done, () -> "+ datapath " + change);
        }
        return tally.exception(step, cause);
    }

    /** Planned changes counted as landed or not, in plan order; only the first that did not land are written out. */
    private static final class Tally {
        private int landed;
        private int notLanded;
        private final List<String> firstNotLanded = new ArrayList<>(ApplyFailedException.LISTED);

        void add(boolean done, java.util.function.Supplier<String> text) {
            if (done) {
                landed++;
                return;
            }
            if (notLanded++ < ApplyFailedException.LISTED) {
                firstNotLanded.add(text.get());
            }
        }

        ApplyFailedException exception(String step, RuntimeException cause) {
            return new ApplyFailedException(step, cause, landed, notLanded, firstNotLanded);
        }
    }

    private static long micros(long startNanos) {
        return (System.nanoTime() - startNanos) / 1000;
    }
}
