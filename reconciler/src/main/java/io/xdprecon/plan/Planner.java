package io.xdprecon.plan;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredRule6;
import io.xdprecon.state.Direction;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveRules;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Computes the {@link Plan} that takes a node from its live state to the desired one. A pure function:
 * same inputs, same plan, in the same order, in any JVM.
 *
 * <p>Rules: a config-owned live rule the config does not have is deleted; a desired rule with no live
 * entry is added; a desired rule whose live entry differs is changed — or, when that entry is
 * session-owned, replaced (the config claims the key, with a warning); an identical one is left alone.
 * Session-owned rules the config does not claim are never in the plan in {@code datapath.mode: dpdk}, whose
 * loop owns them; in xdp mode they are nobody's and deleted, as are rules of an owner code this build does
 * not know (replaced where the config has the key). The mass-delete guard counts config-owned rules only.
 */
public final class Planner {
    /** The name the kernel reports for our program; anything else on an interface is someone else's. */
    public static final String PROGRAM_NAME = "xdp_main";

    /** The error a DPDK-mode plan carries when the datapath is not up; the applier refuses on it. */
    public static final String DPDK_NOT_RUNNING = "datapath not running: start the DPDK loop";

    private Planner() {}

    public static Plan plan(DesiredState desired, LiveState live) {
        return plan(desired, live, LiveRules.of(live.rules()));
    }

    /**
     * {@link #plan(DesiredState, LiveState)} against the live rules {@code rules} read packed (the daemon's full read:
     * {@code live}'s own rules are not looked at): one merged walk of the desired and the live rules finds the keys
     * that change, and the plan holds their indexes ({@link ChangedFlows}), not an object per rule.
     */
    public static Plan plan(DesiredState desired, LiveState live, LiveRules rules) {
        if (rules.size() == 0 && !desired.rules().isEmpty()) {
            // A cold start: every desired rule is an add. The flows stay packed (AddedFlows), not an object per rule.
            Optional<AddedFlows> added = AddedFlows.of(desired.packed());
            if (added.isPresent()) {
                return assemble(desired, live, (names, warnings) -> added.get(), new Fingerprint.EntrySetDigest(), 0);
            }
        }
        Fingerprint.EntrySetDigest configRules = new Fingerprint.EntrySetDigest();
        for (int i = 0; i < rules.size(); i++) {
            if (rules.owner(i) == Owner.CONFIG) {
                configRules.addConfigRule(rules.keyHigh(i), rules.keyLow(i), rules.rewriteHigh(i), rules.rewriteLow(i));
            }
        }
        LiveDiff diff = LiveDiff.between(desired.packed(), rules, sessionsOwned(desired));
        byte[] kinds = new byte[diff.size()];
        for (int d = 0; d < kinds.length; d++) {
            kinds[d] = (byte) diff.kind(d).ordinal();
        }
        return assemble(desired, live, (names, warnings) -> ChangedFlows.of(diff, kinds, diff::live, names, warnings),
                configRules, rules.size());
    }

    /**
     * Whether session-owned rules belong to someone: the DPDK loop runs only in {@code datapath.mode: dpdk}. In
     * xdp mode a session rule (left by an earlier dpdk mode, or written by hand) forwards with nobody to expire it.
     */
    private static boolean sessionsOwned(DesiredState desired) {
        return desired.datapath().mode() == DatapathSettings.Mode.DPDK;
    }

    /**
     * The plan of a new revision {@code desired} for a node that still holds what the previous revision
     * wrote, looking only at the keys the two revisions disagree on: equal to {@link #plan} over a full
     * read of the node whenever every rule of the previous revision is live as written (the daemon's
     * state after a successful apply; the full plan on its drift interval checks the rest).
     *
     * @param baseline   the previous revision as the node holds it
     * @param diff       the keys the revisions disagree on ({@link RevisionDiff#between})
     * @param facts      the node without its rules ({@code LiveStateReader.readFacts}): local IPs, tuning,
     *                   programs, capacity
     * @param liveRules  how many entries the rules map holds (config and session), for the capacity check
     * @param liveAtDiff the live rule at each key of {@code diff} that has one (point lookups)
     * @return empty when the node is not as the previous revision left it at one of those keys (drift), or
     *         without a datapath or with other datapath settings: take the full plan then
     */
    public static Optional<Plan> planChange(Baseline baseline, DesiredState desired, RevisionDiff diff,
            LiveState facts, int liveRules, Map<FlowKey, FlowRule> liveAtDiff) {
        return planChange(baseline, desired, diff, facts, liveRules, liveAtDiff::get);
    }

    /**
     * {@link #planChange(Baseline, DesiredState, RevisionDiff, LiveState, int, Map)} with the live rules looked up
     * one key at a time as the plan walks the diff ({@code liveAt} gives null where there is none): the plan holds
     * no live rule, only the kind of each change ({@link ChangedFlows}), so a revision that edits every flow is
     * planned in what its diff's indexes take.
     */
    public static Optional<Plan> planChange(Baseline baseline, DesiredState desired, RevisionDiff diff,
            LiveState facts, int liveRules, Function<FlowKey, FlowRule> liveAt) {
        DesiredState previous = baseline.desired();
        if (!facts.datapathPresent() || !previous.datapath().equals(desired.datapath())) {
            return Optional.empty();
        }
        DesiredRules before = diff.previous();
        DesiredRules after = diff.next();
        boolean sessionsOwned = sessionsOwned(desired);
        byte[] kinds = new byte[diff.size()];
        Map<Integer, FlowRule> sessions = new HashMap<>();
        for (int d = 0; d < diff.size(); d++) {
            FlowRule live = liveAt.apply(diff.key(d));
            int written = diff.before(d);
            boolean asWritten = written < 0
                    ? live == null || live.owner() == Owner.SESSION && sessionsOwned
                    : live != null && live.owner() == Owner.CONFIG && live.rewrite().high() == before.rewriteHigh(written)
                            && live.rewrite().low() == before.rewriteLow(written);
            if (!asWritten) {
                return Optional.empty();
            }
            Change.Kind kind;
            if (diff.after(d) < 0) {
                kind = Change.Kind.DELETE; // written here by the previous revision, so config-owned
            } else if (live == null) {
                kind = Change.Kind.ADD;
            } else if (live.owner() == Owner.SESSION) {
                kind = Change.Kind.REPLACE;
                sessions.put(d, live);
            } else {
                kind = Change.Kind.CHANGE; // the diff holds a key both write only when their rewrites differ
            }
            kinds[d] = (byte) kind.ordinal();
        }
        // Where the change looked, the node holds what the previous revision wrote, or (replaced) a session's rule.
        Map<Integer, FlowRule> taken = Map.copyOf(sessions);
        IntFunction<FlowRule> befores = d -> {
            int written = diff.before(d);
            return written < 0 ? taken.get(d)
                    : new FlowRule(FlowKey.unpack(before.rewriteHigh(written), before.rewriteLow(written)), Owner.CONFIG);
        };
        // Every rule previous wrote is live and config-owned: the baseline's digest is the live one.
        return Optional.of(assemble(desired, facts, (names, warnings) -> ChangedFlows.of(diff, kinds, befores, names,
                warnings), baseline.rules(), liveRules));
    }

    /** How a plan's flows are found: from the changes of a diff, or all added (a cold start). */
    @FunctionalInterface
    private interface FlowPlanner {
        List<FlowChange> flows(InterfaceNames names, List<String> warnings);
    }

    /** The plan with the flows {@code flowPlanner} finds, whichever way; {@code live}'s rules are not read. */
    private static Plan assemble(DesiredState desired, LiveState live, FlowPlanner flowPlanner,
            Fingerprint.EntrySetDigest configRules, int liveRules) {
        InterfaceNames names = new InterfaceNames(desired.datapath().attachTo());
        List<String> warnings = new ArrayList<>();
        List<String> errors = new ArrayList<>();

        List<DatapathChange> datapath = planDatapath(desired.datapath(), live, warnings, errors);
        List<LocalIpChange> localIps = planLocalIps(desired.localIps(), live.localIps());
        List<FlowChange> flows = flowPlanner.flows(names, warnings);
        List<LocalIp6Change> localIps6 = planLocalIps6(desired.localIps6(), live.localIps6());
        List<Flow6Change> flows6 = planFlows6(desired, live, names, warnings);
        List<TuningChange> tuning = planTuning(desired.tuning(), live.tuning(), live.memTotalKb(), warnings, errors);
        long adds6 = flows6.stream().flatMap(f -> f.rules().stream()).filter(r -> r.kind() == Change.Kind.ADD).count();
        long removed6 = flows6.stream().flatMap(f -> f.rules().stream()).filter(r -> r.kind() == Change.Kind.DELETE).count();
        // A migration carries both families' rules (but those the plan deletes) with their counters.
        Optional<DatapathChange.Migrate> migrate = planMigration(desired.datapath(), live, liveRules + live.rules6().size(),
                removed6, flows, warnings, errors);
        if (migrate.isPresent()) {
            datapath = new ArrayList<>(datapath);
            datapath.addFirst(migrate.get());
        }
        checkCapacity(desired.datapath(), live, liveRules + live.rules6().size(), migrate, flows, adds6, errors);
        if (live.rules6().size() + adds6 > Abi.MAX_RULES6) {
            errors.add("the IPv6 rules map holds at most " + Abi.MAX_RULES6 + " entries but this plan needs "
                    + (live.rules6().size() + adds6) + " at its peak (" + live.rules6().size() + " live + " + adds6
                    + " added before any delete)");
        }

        int deletes = 0;
        int orphanSessions = 0;
        // A cold plan's adds have nothing to weigh; a change's rules are made as they are read, and not kept.
        List<RuleChange> ruleChanges = flows instanceof ChangedFlows changed ? changed.ruleChanges() : List.of();
        for (RuleChange rule : ruleChanges) {
            FlowRule before = rule.before().orElse(null);
            if (before != null && before.owner() == Owner.SESSION && rule.kind() == Change.Kind.DELETE) {
                orphanSessions++;
            }
            if (before != null && before.owner() == Owner.UNKNOWN) {
                warnings.add("the rule at " + names.format(rule.key()) + " (=> " + names.format(before.rewrite())
                        + ") has " + before.ownerName() + ", which this build does not write: nobody's, so "
                        + (rule.kind() == Change.Kind.DELETE ? "it is removed" : "the config's rule replaces it"));
            }
            // The guard weighs the config's own rules: removing rules of no known owner is no mass delete.
            deletes += rule.kind() == Change.Kind.DELETE && before.owner() == Owner.CONFIG ? 1 : 0;
        }
        if (orphanSessions > 0) {
            warnings.add(orphanSessions + " session-owned rule(s) are live, but datapath.mode is "
                    + desired.datapath().mode().name().toLowerCase(java.util.Locale.ROOT)
                    + ": no DPDK loop owns them here, so they are removed");
        }
        // The guard weighs both families' config rules together: a relay's flows, whichever family.
        int liveConfig6 = (int) live.rules6().values().stream().filter(r -> r.owner() == Owner.CONFIG).count();
        int deletes6 = 0;
        List<FlowKey6> touched6 = new ArrayList<>();
        for (Flow6Change flow : flows6) {
            for (Rule6Change rule : flow.rules()) {
                touched6.add(rule.key());
                deletes6 += rule.kind() == Change.Kind.DELETE && rule.before().orElseThrow().owner() == Owner.CONFIG ? 1 : 0;
            }
        }
        MassDeleteGuard guard = new MassDeleteGuard(desired.rules().isEmpty() && desired.rules6().isEmpty(),
                configRules.count() + liveConfig6, deletes + deletes6);

        Set<String> tuningIds = new HashSet<>();
        tuning.forEach(t -> tuningIds.add(t.id()));
        return new Plan(desired.node(), desired.source(), desired.datapath().mode(), !live.datapathPresent(),
                desired.datapath().attachTo(), datapath, localIps, flows, tuning, guard, warnings, errors,
                flows instanceof AddedFlows added ? Fingerprint.ofAdds(live, configRules, added.keys(), tuningIds, touched6)
                        : Fingerprint.of(live, configRules, ruleChanges, tuningIds, touched6), localIps6, flows6);
    }

    private static List<DatapathChange> planDatapath(DatapathSettings settings, LiveState live, List<String> warnings,
            List<String> errors) {
        if (settings.mode() == DatapathSettings.Mode.DPDK) {
            // The PMD loads and attaches the program; without it there are no maps to write to.
            if (!live.datapathPresent()) {
                errors.add(DPDK_NOT_RUNNING);
            }
            return List.of();
        }
        List<DatapathChange> changes = new ArrayList<>();
        boolean loading = !live.datapathPresent();
        if (loading) {
            changes.add(new DatapathChange.Load(settings.maxRules()));
        }
        for (Map.Entry<String, Integer> iface : new TreeMap<>(settings.attachTo()).entrySet()) {
            Optional<LiveState.AttachedProgram> running = live.attached().getOrDefault(iface.getKey(), Optional.empty());
            if (running.isEmpty()) {
                changes.add(new DatapathChange.Attach(iface.getKey(), iface.getValue(), settings.attachMode(),
                        OptionalInt.empty()));
            } else if (!running.get().name().equals(PROGRAM_NAME)) {
                errors.add("interface " + iface.getKey() + " already runs XDP program '" + running.get().name()
                        + "' (id " + running.get().id() + "), not " + PROGRAM_NAME
                        + ": refusing to replace a program xdprecon did not load; detach it first");
            } else {
                if (loading) {
                    // Our program runs but its maps are gone (unpinned): the new program must take its place,
                    // or it would keep forwarding with maps nobody can update.
                    changes.add(new DatapathChange.Attach(iface.getKey(), iface.getValue(), settings.attachMode(),
                            OptionalInt.of(running.get().id())));
                    warnings.add("interface " + iface.getKey() + " runs " + PROGRAM_NAME + " (id " + running.get().id()
                            + ") whose maps are not pinned: apply rebuilds them rules first (its live rules and counters on"
                            + " new pinned maps, the program swapped in one step)");
                }
                XdpMode liveMode = running.get().mode();
                if (settings.attachMode() != XdpMode.AUTO && liveMode != XdpMode.AUTO && liveMode != settings.attachMode()) {
                    changes.add(new DatapathChange.ChangeAttachMode(iface.getKey(), iface.getValue(), liveMode,
                            settings.attachMode()));
                }
            }
        }
        return changes;
    }

    /**
     * Live maps of an older layout, or of another capacity than the config's, are migrated onto new ones (XDP mode):
     * every live rule but those the plan deletes is copied with its counters. In DPDK mode the PMD owns the program
     * and the DPDK loop writes the maps: the loop migrates them when it starts (a resize is warned, an older layout
     * refused here).
     */
    private static Optional<DatapathChange.Migrate> planMigration(DatapathSettings settings, LiveState live, int liveRules,
            long deletes6, List<FlowChange> flows, List<String> warnings, List<String> errors) {
        boolean olderLayout = live.datapathPresent() && live.layout() != Abi.VERSION;
        boolean resize = live.datapathPresent() && live.rulesCapacity() != settings.maxRules();
        if (!olderLayout && !resize) {
            return Optional.empty();
        }
        if (settings.mode() == DatapathSettings.Mode.DPDK) {
            if (olderLayout) {
                errors.add("the pinned maps are of layout " + live.layout() + " and this build writes layout " + Abi.VERSION
                        + ": in dpdk mode the DPDK loop of this build migrates them when it starts (xdprecon run), behind the"
                        + " tc bridge");
            } else {
                warnings.add("the live rules map holds " + live.rulesCapacity() + " entries but the config asks for "
                        + settings.maxRules() + ": in dpdk mode the DPDK loop resizes it when it starts: restart xdprecon run"
                        + " (the tc bridge forwards meanwhile)");
            }
            return Optional.empty();
        }
        long deletes = count(flows, Change.Kind.DELETE) + deletes6;
        int copied = (int) Math.max(0, liveRules - deletes);
        if (copied > settings.maxRules()) {
            return Optional.empty(); // checkCapacity refuses the plan, saying why
        }
        return Optional.of(new DatapathChange.Migrate(live.layout(), Abi.VERSION, live.rulesCapacity(), settings.maxRules(),
                copied));
    }

    private static List<LocalIpChange> planLocalIps(Set<Integer> desired, Set<Integer> live) {
        List<LocalIpChange> changes = new ArrayList<>();
        desired.stream().filter(ip -> !live.contains(ip)).sorted(Integer::compareUnsigned)
                .forEach(ip -> changes.add(new LocalIpChange(Change.Kind.ADD, ip)));
        live.stream().filter(ip -> !desired.contains(ip)).sorted(Integer::compareUnsigned)
                .forEach(ip -> changes.add(new LocalIpChange(Change.Kind.DELETE, ip)));
        return changes;
    }

    private static final Comparator<IpAddress.V6> V6_ORDER = Comparator.<IpAddress.V6>comparingLong(
            a -> a.high() ^ Long.MIN_VALUE).thenComparingLong(a -> a.low() ^ Long.MIN_VALUE);

    /** The order IPv6 keys are shown in: by interface, then source, destination and ports. */
    static final Comparator<FlowKey6> FLOW_KEY6_ORDER = Comparator.comparingInt(FlowKey6::ifindex)
            .thenComparing(FlowKey6::srcIp, V6_ORDER).thenComparing(FlowKey6::dstIp, V6_ORDER)
            .thenComparingInt(FlowKey6::srcPort).thenComparingInt(FlowKey6::dstPort);

    private static List<LocalIp6Change> planLocalIps6(Set<IpAddress.V6> desired, Set<IpAddress.V6> live) {
        List<LocalIp6Change> changes = new ArrayList<>();
        desired.stream().filter(ip -> !live.contains(ip)).sorted(V6_ORDER)
                .forEach(ip -> changes.add(new LocalIp6Change(Change.Kind.ADD, ip)));
        live.stream().filter(ip -> !desired.contains(ip)).sorted(V6_ORDER)
                .forEach(ip -> changes.add(new LocalIp6Change(Change.Kind.DELETE, ip)));
        return changes;
    }

    /**
     * The IPv6 flows, by the IPv4 rules ({@link #plan}): as objects, the IPv6 map holds at most 65,536 rules. Named
     * flows by name, forward leg first; config-owned live rules the config no longer has (and, where no DPDK loop
     * owns them, session and unknown-owner rules) are deleted, with the flow of their reverse leg when it has one.
     */
    private static List<Flow6Change> planFlows6(DesiredState desired, LiveState live, InterfaceNames names,
            List<String> warnings) {
        Map<FlowKey6, DesiredRule6> want = desired.rules6();
        Map<FlowKey6, FlowRule6> have = live.rules6();
        if (want.isEmpty() && have.isEmpty()) {
            return List.of();
        }
        Map<String, List<Map.Entry<DesiredRule6, Rule6Change>>> named = new TreeMap<>();
        Map<String, Integer> legs = new HashMap<>();
        want.forEach((key, wanted) -> {
            legs.merge(wanted.flow(), 1, Integer::sum);
            FlowRule6 before = have.get(key);
            if (before != null && before.owner() == Owner.CONFIG && before.rewrite().equals(wanted.rule().rewrite())) {
                return;
            }
            FlowRule6 after = new FlowRule6(wanted.rule().rewrite(), Owner.CONFIG);
            Rule6Change change;
            if (before == null) {
                change = new Rule6Change(Change.Kind.ADD, key, Optional.empty(), Optional.of(after));
            } else if (before.owner() == Owner.SESSION) {
                change = new Rule6Change(Change.Kind.REPLACE, key, Optional.of(before), Optional.of(after));
                warnings.add("flow " + wanted.flow() + ": the config claims " + names.format(key)
                        + " from a session-owned rule; it becomes config-owned");
            } else {
                change = new Rule6Change(Change.Kind.CHANGE, key, Optional.of(before), Optional.of(after));
            }
            named.computeIfAbsent(wanted.flow(), f -> new ArrayList<>()).add(Map.entry(wanted, change));
        });
        boolean sessionsOwned = sessionsOwned(desired);
        List<Map.Entry<FlowKey6, FlowRule6>> orphans = new ArrayList<>();
        have.forEach((key, rule) -> {
            if ((rule.owner() != Owner.SESSION || !sessionsOwned) && !want.containsKey(key)) {
                orphans.add(Map.entry(key, rule));
            }
        });
        orphans.sort(Map.Entry.comparingByKey(FLOW_KEY6_ORDER));
        Map<String, List<Rule6Change>> orphanedNamed = new TreeMap<>();
        List<Flow6Change> unnamed = new ArrayList<>();
        Set<FlowKey6> placed = new HashSet<>();
        for (Map.Entry<FlowKey6, FlowRule6> orphan : orphans) {
            if (!placed.add(orphan.getKey())) {
                continue;
            }
            Rule6Change delete = new Rule6Change(Change.Kind.DELETE, orphan.getKey(), Optional.of(orphan.getValue()),
                    Optional.empty());
            FlowKey6 partner = reverseKey6(orphan.getValue());
            if (want.containsKey(partner)) {
                orphanedNamed.computeIfAbsent(want.get(partner).flow(), f -> new ArrayList<>()).add(delete);
            } else if (have.containsKey(partner) && !want.containsKey(partner) && placed.add(partner)
                    && (have.get(partner).owner() != Owner.SESSION || !sessionsOwned)) {
                List<Rule6Change> pair = new ArrayList<>(List.of(delete, new Rule6Change(Change.Kind.DELETE, partner,
                        Optional.of(have.get(partner)), Optional.empty())));
                pair.sort(Comparator.comparing(Rule6Change::key, FLOW_KEY6_ORDER));
                unnamed.add(new Flow6Change(Change.Kind.DELETE, Optional.empty(), pair));
            } else {
                unnamed.add(new Flow6Change(Change.Kind.DELETE, Optional.empty(), List.of(delete)));
            }
        }
        Set<String> names6 = new TreeSet<>(named.keySet());
        names6.addAll(orphanedNamed.keySet());
        List<Flow6Change> flows = new ArrayList<>();
        for (String flow : names6) {
            List<Map.Entry<DesiredRule6, Rule6Change>> changed = named.getOrDefault(flow, List.of());
            List<Rule6Change> rules = new ArrayList<>();
            changed.stream().sorted(Comparator.<Map.Entry<DesiredRule6, Rule6Change>, Direction>comparing(
                    e -> e.getKey().direction()).thenComparing(e -> e.getValue().key(), FLOW_KEY6_ORDER))
                    .forEach(e -> rules.add(e.getValue()));
            rules.addAll(orphanedNamed.getOrDefault(flow, List.of()));
            boolean replace = rules.stream().anyMatch(r -> r.kind() == Change.Kind.REPLACE);
            boolean allAdds = rules.stream().allMatch(r -> r.kind() == Change.Kind.ADD);
            Change.Kind kind = replace ? Change.Kind.REPLACE
                    : allAdds && rules.size() == legs.getOrDefault(flow, 0) ? Change.Kind.ADD : Change.Kind.CHANGE;
            flows.add(new Flow6Change(kind, Optional.of(flow), rules));
        }
        unnamed.sort(Comparator.comparing(f -> f.rules().getFirst().key(), FLOW_KEY6_ORDER));
        flows.addAll(unnamed);
        return flows;
    }

    /** The key of the packets that answer a packet rewritten by {@code rule}. */
    static FlowKey6 reverseKey6(FlowRule6 rule) {
        FlowKey6 r = rule.rewrite();
        return new FlowKey6(r.ifindex(), r.dstIp(), r.srcIp(), r.dstPort(), r.srcPort());
    }

    /**
     * Huge pages a setting may reserve without {@code --allow-disruptive}: half the node's memory. More would starve
     * the processes the node runs (a typo pushed to Git would reserve all of it on every node).
     */
    static final int HUGEPAGES_SHARE_PERCENT = 50;

    private static List<TuningChange> planTuning(List<TuningSetting> desired, List<TuningSetting> live, long memTotalKb,
            List<String> warnings, List<String> errors) {
        Map<String, TuningSetting> liveById = new HashMap<>();
        live.forEach(t -> liveById.putIfAbsent(t.id(), t));
        Set<String> seen = new HashSet<>();
        List<TuningChange> changes = new ArrayList<>();
        for (TuningSetting want : desired) {
            if (!seen.add(want.id())) {
                errors.add("tuning " + want.id() + " is set twice in the config");
                continue;
            }
            Optional<TuningSetting> have = Optional.ofNullable(liveById.get(want.id()));
            if (have.isPresent() && have.get().equals(want)) {
                continue;
            }
            if (have.isEmpty()) {
                warnings.add(want.id() + ": the current value is unknown on this node (unsupported, or the"
                        + " interface is missing); apply will try to set it to " + want.value());
            }
            boolean disruptive = want.disruptive();
            if (want instanceof TuningSetting.Hugepages pages && memTotalKb > 0
                    && pages.count() > have.map(h -> ((TuningSetting.Hugepages) h).count()).orElse(0)) {
                long kb = (long) pages.count() * pages.pageSizeKb();
                String asked = want.id() + " = " + pages.count() + " reserves " + TuningChange.kibibytes(kb)
                        + " of huge pages";
                if (kb > memTotalKb) {
                    errors.add(asked + ", more than this node's memory (MemTotal " + TuningChange.kibibytes(memTotalKb)
                            + "): the kernel cannot grant it; lower the count");
                    continue;
                }
                if (kb * 100 > memTotalKb * HUGEPAGES_SHARE_PERCENT) {
                    warnings.add(asked + ", more than " + HUGEPAGES_SHARE_PERCENT + " % of this node's memory (MemTotal "
                            + TuningChange.kibibytes(memTotalKb) + "): needs " + Plan.DISRUPTIVE_FLAG);
                    disruptive = true;
                }
            }
            changes.add(new TuningChange(have, want, disruptive));
        }
        return changes;
    }

    /**
     * Adds run before deletes (make before break), so the map must hold every live rule plus every added
     * one at the peak; a plan that cannot fit would fail half-way, so it is an error before any write.
     */
    private static void checkCapacity(DatapathSettings settings, LiveState live, int liveRuleCount,
            Optional<DatapathChange.Migrate> migrate, List<FlowChange> flows, long adds6, List<String> errors) {
        boolean resizing = live.datapathPresent() && live.rulesCapacity() != settings.maxRules()
                && settings.mode() == DatapathSettings.Mode.XDP;
        int capacity = live.datapathPresent() && !resizing ? live.rulesCapacity() : settings.maxRules();
        // IPv6 rules take counter slots of the same bitmap: both families together fit the rules capacity.
        long adds = count(flows, Change.Kind.ADD) + adds6;
        long deletes = count(flows, Change.Kind.DELETE);
        if (resizing) {
            // The rules the plan deletes are left behind by the migration: the new map holds the rest, then the adds.
            long peak = Math.max(0, liveRuleCount - deletes) + adds;
            if (peak > capacity) {
                errors.add("the new rules map would hold at most " + capacity + " entries but this plan needs " + peak
                        + " (" + liveRuleCount + " live, config and sessions, - " + deletes + " deleted + " + adds
                        + " added): raise datapath.maxRules");
            }
            return;
        }
        int liveRules = live.datapathPresent() ? liveRuleCount : 0;
        if (capacity > 0 && liveRules + adds > capacity) {
            errors.add("the rules map holds at most " + capacity + " entries but this plan needs "
                    + (liveRules + adds) + " at its peak (" + liveRules + " live + " + adds
                    + " added before any delete)");
        }
    }

    /** How many rule changes of {@code kind} {@code flows} hold: without a walk when they are all adds. */
    private static long count(List<FlowChange> flows, Change.Kind kind) {
        if (flows instanceof AddedFlows added) {
            return kind == Change.Kind.ADD ? added.rules() : 0;
        }
        if (flows instanceof ChangedFlows changed) {
            return changed.rules(kind);
        }
        long n = 0;
        for (FlowChange flow : flows) {
            for (RuleChange rule : flow.rules()) {
                n += rule.kind() == kind ? 1 : 0;
            }
        }
        return n;
    }
}
