package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRules;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.function.IntFunction;

/**
 * The flows of a plan that changes rules ({@link Planner#plan} against the live map, {@link Planner#planChange}
 * against the previous revision): named flows by name, each its changed legs forward first then by key, then the
 * deleted legs shown with them; then removed flows by key — as a view over a {@link RuleDiff}, each
 * {@link FlowChange} made when it is read. Every key of the diff is one rule change, told by its kind, the diff's
 * indexes and the rule it finds there. A revision editing every one of 262,144 flows changes 786,432 rules: as objects
 * (changes, keys, rules, optionals, and a map of the live rules) that did not fit the unit's heap; here it is some 13
 * bytes a rule besides the diff's.
 */
final class ChangedFlows extends AbstractList<FlowChange> implements RandomAccess {
    private static final Change.Kind[] KINDS = Change.Kind.values();

    private final RuleDiff diff;
    /** Per diff entry: its rule change's kind (ordinal). */
    private final byte[] kinds;
    /** The rule the node holds at a diff entry (null for an add). */
    private final IntFunction<FlowRule> befores;
    /** Diff entries in plan order. */
    private final int[] planned;
    /** Per flow in plan order: where its legs start in {@link #planned}; one more entry for the end. */
    private final int[] starts;
    /** Per flow in plan order: a flow number of its name in the diff's next rules, or -1 for a removed flow. */
    private final int[] flows;
    private final byte[] flowKinds;
    private final int[] flowsByKind = new int[KINDS.length];
    private final int[] rulesByKind = new int[KINDS.length];

    private ChangedFlows(RuleDiff diff, byte[] kinds, IntFunction<FlowRule> befores, int[] planned, int[] starts,
            int[] flows, byte[] flowKinds) {
        this.diff = diff;
        this.kinds = kinds;
        this.befores = befores;
        this.planned = planned;
        this.starts = starts;
        this.flows = flows;
        this.flowKinds = flowKinds;
        for (byte k : flowKinds) {
            flowsByKind[k]++;
        }
        for (int d : planned) {
            rulesByKind[kinds[d]]++;
        }
    }

    /**
     * The flows of {@code diff}'s changes: {@code kinds[d]} is entry {@code d}'s (every entry is one change), and
     * {@code befores} gives the rule the node holds there (null for an add; it must give the same rule at every
     * call). Warnings for rules taken over from sessions go to {@code warnings}, in plan order.
     */
    static ChangedFlows of(RuleDiff diff, byte[] kinds, IntFunction<FlowRule> befores, InterfaceNames names,
            List<String> warnings) {
        DesiredRules next = diff.next();
        int n = diff.size();
        int delete = Change.Kind.DELETE.ordinal();
        // The flow each entry is shown with: its own (a written rule), or the one its reverse leg belongs to (a
        // deleted rule). The maps keep no names: a deleted leg whose reverse leg the config still has is shown with
        // that flow, else with its own deleted reverse leg, else alone — decided in key order, as the object planner.
        int[] shownWith = new int[n]; // a flow number of next; -1 for a removed flow; -2 for a leg shown elsewhere
        BitSet placed = new BitSet(n);
        int[] pairedWith = new int[n];
        Arrays.fill(pairedWith, -1);
        BitSet touched = new BitSet(next.flows());
        for (int d = 0; d < n; d++) {
            if (kinds[d] != delete) {
                shownWith[d] = next.flowNumber(diff.after(d));
                touched.set(shownWith[d]);
                continue;
            }
            if (placed.get(d)) {
                shownWith[d] = -2;
                continue;
            }
            placed.set(d);
            FlowKey was = befores.apply(d).rewrite();
            long high = reverseHigh(was.high(), was.low());
            long low = reverseLow(was.high(), was.low());
            int partner = next.find(high, low);
            if (partner >= 0) {
                shownWith[d] = next.flowNumber(partner);
                touched.set(shownWith[d]);
                continue;
            }
            shownWith[d] = -1;
            int other = diff.find(high, low);
            if (other >= 0 && kinds[other] == delete && !placed.get(other)) {
                placed.set(other);
                pairedWith[d] = other; // later in key order than d: an earlier one would have placed d
            }
        }
        // Names in order, only of the flows shown: one flow edited among 262,144 sorts one name.
        record Named(String name, int flow) {}
        Named[] named = new Named[touched.cardinality()];
        for (int f = touched.nextSetBit(0), k = 0; f >= 0; f = touched.nextSetBit(f + 1)) {
            named[k++] = new Named(next.flowName(f), f);
        }
        Arrays.sort(named, (a, b) -> a.name().compareTo(b.name()));
        int[] rankOf = new int[next.flows()];
        int[] rankFlow = new int[named.length];
        int ranks = 0;
        for (int k = 0; k < named.length; k++) {
            if (k == 0 || !named[k].name().equals(named[k - 1].name())) {
                rankFlow[ranks++] = named[k].flow(); // flows of one name are one flow in the plan
            }
            rankOf[named[k].flow()] = ranks - 1;
        }
        // A counting sort into buckets (name, forward legs | reverse legs | deleted legs), each in key order.
        int[] bucketStart = new int[3 * ranks + 1];
        int unnamedRules = 0;
        int unnamedFlows = 0;
        for (int d = 0; d < n; d++) {
            if (shownWith[d] >= 0) {
                bucketStart[bucket(diff, kinds, shownWith, rankOf, d) + 1]++;
            } else if (shownWith[d] == -1) {
                unnamedFlows++;
                unnamedRules += pairedWith[d] >= 0 ? 2 : 1;
            }
        }
        for (int b = 0; b < 3 * ranks; b++) {
            bucketStart[b + 1] += bucketStart[b];
        }
        int namedRules = bucketStart[3 * ranks];
        int[] planned = new int[namedRules + unnamedRules];
        int[] fill = Arrays.copyOf(bucketStart, 3 * ranks);
        for (int d = 0; d < n; d++) {
            if (shownWith[d] >= 0) {
                planned[fill[bucket(diff, kinds, shownWith, rankOf, d)]++] = d;
            }
        }
        int flowCount = ranks + unnamedFlows;
        int[] starts = new int[flowCount + 1];
        int[] flows = new int[flowCount];
        byte[] flowKinds = new byte[flowCount];
        int[] legs = null; // the config's legs per name, counted only when a flow may be new
        for (int r = 0; r < ranks; r++) {
            starts[r] = bucketStart[3 * r];
            flows[r] = rankFlow[r];
            Change.Kind kind = Change.Kind.ADD;
            for (int j = bucketStart[3 * r]; j < bucketStart[3 * r + 3]; j++) {
                Change.Kind rule = KINDS[kinds[planned[j]]];
                if (rule == Change.Kind.REPLACE) {
                    kind = Change.Kind.REPLACE;
                    warnings.add("flow " + next.flowName(rankFlow[r]) + ": the config claims "
                            + names.format(diff.key(planned[j])) + " from a session-owned rule; it becomes config-owned");
                } else if (rule != Change.Kind.ADD && kind == Change.Kind.ADD) {
                    kind = Change.Kind.CHANGE;
                }
            }
            if (kind == Change.Kind.ADD) {
                if (legs == null) {
                    legs = new int[ranks];
                    for (int i = 0; i < next.size(); i++) {
                        int f = next.flowNumber(i);
                        if (touched.get(f)) {
                            legs[rankOf[f]]++;
                        }
                    }
                }
                if (bucketStart[3 * r + 3] - bucketStart[3 * r] != legs[r]) {
                    kind = Change.Kind.CHANGE; // a leg of it lived before: the flow is not new
                }
            }
            flowKinds[r] = (byte) kind.ordinal();
        }
        // Removed flows by key: each first leg (in key order) with its pair, which comes later in key order.
        int at = namedRules;
        int flow = ranks;
        for (int d = 0; d < n; d++) {
            if (shownWith[d] == -1) {
                starts[flow] = at;
                flows[flow] = -1;
                flowKinds[flow] = (byte) delete;
                planned[at++] = d;
                if (pairedWith[d] >= 0) {
                    planned[at++] = pairedWith[d];
                }
                flow++;
            }
        }
        starts[flowCount] = at;
        return new ChangedFlows(diff, kinds, befores, planned, starts, flows, flowKinds);
    }

    private static int bucket(RuleDiff diff, byte[] kinds, int[] shownWith, int[] rankOf, int d) {
        int leg = kinds[d] == Change.Kind.DELETE.ordinal() ? 2 : diff.next().direction(diff.after(d)).ordinal();
        return 3 * rankOf[shownWith[d]] + leg;
    }

    /** The key of the packets that answer a packet rewritten to the key {@code (high, low)}: its reverse leg. */
    static long reverseHigh(long high, long low) {
        return high & 0xffffffff00000000L | low >>> 32; // ifindex, the rewrite's destination as source
    }

    static long reverseLow(long high, long low) {
        // the rewrite's source as destination; its ports swapped
        return (high & 0xffffffffL) << 32 | (low & 0xffffL) << 16 | (low >>> 16) & 0xffffL;
    }

    @Override
    public FlowChange get(int index) {
        List<RuleChange> legs = new ArrayList<>(starts[index + 1] - starts[index]);
        for (int j = starts[index]; j < starts[index + 1]; j++) {
            legs.add(change(planned[j]));
        }
        Optional<String> name = flows[index] < 0 ? Optional.empty() : Optional.of(diff.next().flowName(flows[index]));
        return new FlowChange(KINDS[flowKinds[index]], name, legs);
    }

    @Override
    public int size() {
        return flows.length;
    }

    /** How many flows are of {@code kind}: what {@link Plan#summary} counts, without making them. */
    int flows(Change.Kind kind) {
        return flowsByKind[kind.ordinal()];
    }

    /** How many rule changes are of {@code kind}. */
    int rules(Change.Kind kind) {
        return rulesByKind[kind.ordinal()];
    }

    /** The keys of this plan's rule changes with their kinds, in key order: the diff's own. */
    TouchedKeys touched() {
        return TouchedKeys.of(diff, kinds);
    }

    /** Every rule change of every flow, in plan order: {@link Plan#ruleChanges()} of this plan, as a view. */
    List<RuleChange> ruleChanges() {
        return new AbstractRuleList() {
            @Override
            public RuleChange get(int index) {
                return change(planned[index]);
            }
        };
    }

    private abstract class AbstractRuleList extends AbstractList<RuleChange> implements RandomAccess {
        @Override
        public int size() {
            return planned.length;
        }
    }

    private RuleChange change(int d) {
        FlowKey key = diff.key(d);
        Change.Kind kind = KINDS[kinds[d]];
        return switch (kind) {
            case ADD -> RuleChange.add(key, after(d));
            case CHANGE -> RuleChange.change(key, befores.apply(d), after(d));
            case REPLACE -> RuleChange.replace(key, befores.apply(d), after(d));
            case DELETE -> RuleChange.delete(key, befores.apply(d));
        };
    }

    private FlowRule after(int d) {
        int j = diff.after(d);
        return new FlowRule(FlowKey.unpack(diff.next().rewriteHigh(j), diff.next().rewriteLow(j)), Owner.CONFIG);
    }
}
