package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.LiveState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What one reconciliation of a node would do, as a value: computed by {@link Planner}, printed by
 * {@link PlanRenderer}, saved by {@link PlanFile}, and applied — after {@link #matches} confirms the live
 * state is still the one it was computed against.
 *
 * <p>Only what the config owns is in it: config-owned rules, local IPs, the tuning the config names and
 * the datapath itself. A session-owned rule appears only when a config rule claims its key
 * ({@link Change.Kind#REPLACE}, with a warning).
 *
 * @param node            the node planned for
 * @param source          where the desired state came from (file path, later a Git revision)
 * @param mode            how the datapath runs; in DPDK mode there are never datapath changes
 * @param datapathAbsent  no live maps were found: this is the full create plan
 * @param interfaces      kernel name → ifindex of the config's interfaces, to show keys by name
 * @param datapath        load and attach actions, in the order to run them
 * @param localIps        adds, then deletes, each by address
 * @param flows           named flows by name, then unnamed (removed) flows by key
 * @param tuning          in config order
 * @param guard           the mass-delete verdict
 * @param warnings        things to know that do not block an apply
 * @param errors          reasons the plan cannot be applied at all
 * @param fingerprint     of the live facts this plan depends on
 * @param localIps6       IPv6 local IPs, adds then deletes
 * @param flows6          IPv6 flows as {@code flows}
 */
public record Plan(String node, String source, DatapathSettings.Mode mode, boolean datapathAbsent,
        Map<String, Integer> interfaces, List<DatapathChange> datapath, List<LocalIpChange> localIps,
        List<FlowChange> flows, List<TuningChange> tuning, MassDeleteGuard guard, List<String> warnings,
        List<String> errors, Fingerprint fingerprint, List<LocalIp6Change> localIps6, List<Flow6Change> flows6) {

    /** The flag a disruptive tuning change needs. */
    public static final String DISRUPTIVE_FLAG = "--allow-disruptive";

    public Plan {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(mode, "mode");
        interfaces = Map.copyOf(interfaces);
        datapath = List.copyOf(datapath);
        localIps = List.copyOf(localIps);
        flows = flows instanceof AddedFlows || flows instanceof ChangedFlows || flows instanceof SavedFlows ? flows
                : List.copyOf(flows); // packed, immutable
        tuning = List.copyOf(tuning);
        Objects.requireNonNull(guard, "guard");
        warnings = List.copyOf(warnings);
        errors = List.copyOf(errors);
        Objects.requireNonNull(fingerprint, "fingerprint");
        localIps6 = List.copyOf(localIps6);
        flows6 = List.copyOf(flows6);
    }

    /** A plan with no IPv6 change. */
    public Plan(String node, String source, DatapathSettings.Mode mode, boolean datapathAbsent,
            Map<String, Integer> interfaces, List<DatapathChange> datapath, List<LocalIpChange> localIps,
            List<FlowChange> flows, List<TuningChange> tuning, MassDeleteGuard guard, List<String> warnings,
            List<String> errors, Fingerprint fingerprint) {
        this(node, source, mode, datapathAbsent, interfaces, datapath, localIps, flows, tuning, guard, warnings, errors,
                fingerprint, List.of(), List.of());
    }

    /** Resources to add, change and destroy, as the summary line counts them. */
    public record Summary(int add, int change, int destroy) {
        public boolean isEmpty() {
            return add == 0 && change == 0 && destroy == 0;
        }

        /** {@code Plan: N to add, N to change, N to destroy.} or {@code No changes.} — stable wording. */
        public String line() {
            return isEmpty() ? "No changes."
                    : "Plan: " + add + " to add, " + change + " to change, " + destroy + " to destroy.";
        }
    }

    /**
     * Counts flows, local IPs, tuning settings and datapath actions as resources (a flow's two legs are
     * one resource); a {@link Change.Kind#REPLACE} counts as a change: the key keeps a rule throughout.
     */
    public Summary summary() {
        // Counted list by list, never collected: a cold plan's flows are packed, and reading each of its 262,144
        // flows into one list made ~100 MB of changes at every summary (the daemon asks several times per reconcile).
        int[] counts = new int[Change.Kind.values().length];
        Stream.of(datapath, localIps, localIps6, flows6, tuning)
                .forEach(changes -> changes.forEach(c -> counts[c.kind().ordinal()]++));
        if (flows instanceof AddedFlows) {
            counts[Change.Kind.ADD.ordinal()] += flows.size(); // every flow of a cold plan is an add
        } else if (flows instanceof ChangedFlows changed) {
            for (Change.Kind kind : Change.Kind.values()) {
                counts[kind.ordinal()] += changed.flows(kind);
            }
        } else if (flows instanceof SavedFlows saved) {
            for (Change.Kind kind : Change.Kind.values()) {
                counts[kind.ordinal()] += saved.flows(kind);
            }
        } else {
            flows.forEach(c -> counts[c.kind().ordinal()]++);
        }
        return new Summary(counts[Change.Kind.ADD.ordinal()],
                counts[Change.Kind.CHANGE.ordinal()] + counts[Change.Kind.REPLACE.ordinal()],
                counts[Change.Kind.DELETE.ordinal()]);
    }

    /** Every change, in display order: datapath, local IPs (IPv4, IPv6), flows (IPv4, IPv6), tuning. */
    public List<Change> changes() {
        return Stream.of(datapath, localIps, localIps6, flows, flows6, tuning).<Change>flatMap(List::stream).toList();
    }

    /** Every IPv6 rule change, flows in plan order. */
    public List<Rule6Change> rule6Changes() {
        List<Rule6Change> rules = new ArrayList<>();
        flows6.forEach(f -> rules.addAll(f.rules()));
        return Collections.unmodifiableList(rules);
    }

    /** The IPv6 keys this plan writes or deletes: its {@link #fingerprint} pins the live value at each. */
    public Set<FlowKey6> touchedKeys6() {
        Set<FlowKey6> keys = new LinkedHashSet<>();
        rule6Changes().forEach(r -> keys.add(r.key()));
        return Collections.unmodifiableSet(keys);
    }

    public boolean hasChanges() {
        return !summary().isEmpty();
    }

    /** Whether applying needs {@link #DISRUPTIVE_FLAG}: some tuning change interrupts traffic. */
    public boolean disruptive() {
        return tuning.stream().anyMatch(TuningChange::disruptive);
    }

    /** Whether the mass-delete guard trips (the refusal text is {@code guard().refusal()}). */
    public boolean massDelete() {
        return guard.trips();
    }

    /** Every rule change of every flow, flows in plan order. */
    public List<RuleChange> ruleChanges() {
        if (flows instanceof AddedFlows added) {
            return added.ruleChanges();
        }
        if (flows instanceof ChangedFlows changed) {
            return changed.ruleChanges();
        }
        if (flows instanceof SavedFlows saved) {
            return saved.ruleChanges();
        }
        int n = 0;
        for (FlowChange flow : flows) {
            n += flow.rules().size();
        }
        List<RuleChange> rules = new ArrayList<>(n);
        flows.forEach(f -> rules.addAll(f.rules()));
        return Collections.unmodifiableList(rules);
    }

    /**
     * The keys this plan writes or deletes, with what it does at each: what the {@link #fingerprint} pins besides the
     * config rules. Packed in key order, a view of the plan's own tables where its flows are packed.
     */
    public TouchedKeys touchedKeys() {
        if (flows instanceof AddedFlows added) {
            return added.touched();
        }
        if (flows instanceof ChangedFlows changed) {
            return changed.touched();
        }
        return TouchedKeys.of(ruleChanges());
    }

    /**
     * Whether this plan adds every desired rule to a rules map that held none (a cold start), its flows packed: its
     * apply checks the live map by a walk, which costs what the map holds, instead of a lookup per key.
     */
    public boolean addsToAnEmptyMap() {
        return flows instanceof AddedFlows;
    }

    /** Whether {@code live} still has every fact this plan was computed against. */
    public boolean matches(LiveState live) {
        return fingerprint.equals(Fingerprint.of(live, touchedKeys(), tuningIds(), touchedKeys6()));
    }

    /** Ids of the tuning settings this plan changes: the only tuning its fingerprint covers. */
    public Set<String> tuningIds() {
        return tuning.stream().map(TuningChange::id).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /**
     * Why applying this plan must not start, in the words both {@code plan} and {@code apply} print:
     * the errors, then the mass-delete refusal and each disruptive change unless their flags were given.
     * Empty means go.
     */
    public List<String> refusals(boolean allowMassDelete, boolean allowDisruptive) {
        List<String> reasons = new ArrayList<>(errors);
        if (!allowMassDelete) {
            guard.refusal().ifPresent(reasons::add);
        }
        if (!allowDisruptive) {
            tuning.stream().filter(TuningChange::disruptive)
                    .map(t -> "disruptive: " + t.id() + " " + PlanRenderer.valueOrUnknown(t) + " -> "
                            + t.after().value() + " " + t.disruption() + "; refusing without " + DISRUPTIVE_FLAG)
                    .forEach(reasons::add);
        }
        return List.copyOf(reasons);
    }

    /** {@code --detailed-exitcode}: 1 when the plan has errors, 2 when it has changes, 0 otherwise. */
    public int detailedExitCode() {
        if (!errors.isEmpty()) {
            return 1;
        }
        return hasChanges() ? 2 : 0;
    }
}
