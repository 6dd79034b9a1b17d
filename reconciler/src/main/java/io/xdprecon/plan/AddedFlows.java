package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRules;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * The flows of a plan that adds every desired rule to a node whose map holds none (a cold start): the same list
 * {@link Planner#plan} makes of objects — flows by name, each its legs forward first, every one an add — as a view
 * over the packed desired rules, each {@link FlowChange} made when it is read. A cold plan of 262,144 flows held
 * some 150 MB of changes, keys and names while it was applied: the daemon's RSS peaked at 360 MB under a 256 MB
 * heap cap. Here it holds three int arrays (about 12 bytes a rule); readers make short-lived objects.
 */
final class AddedFlows extends AbstractList<FlowChange> implements RandomAccess {
    private final DesiredRules rules;
    /** Rule indexes in plan order: flows by name, each flow's legs forward first, then by key. */
    private final int[] planned;
    /** Per flow in plan order: where its legs start in {@link #planned}; one more entry for the end. */
    private final int[] starts;
    /** Per flow in plan order: its flow number in {@link #rules}. */
    private final int[] flows;

    private AddedFlows(DesiredRules rules, int[] planned, int[] starts, int[] flows) {
        this.rules = rules;
        this.planned = planned;
        this.starts = starts;
        this.flows = flows;
    }

    /** Every rule of {@code rules} added; empty when two flows share a name (the planner's lists merge those). */
    static Optional<AddedFlows> of(DesiredRules rules) {
        int flowCount = rules.flows();
        // A counting sort by (flow, direction) over the rules in key order: each bucket stays in key order.
        int[] bucketStart = new int[2 * flowCount + 1];
        for (int i = 0; i < rules.size(); i++) {
            bucketStart[bucket(rules, i) + 1]++;
        }
        for (int b = 0; b < 2 * flowCount; b++) {
            bucketStart[b + 1] += bucketStart[b];
        }
        int[] byFlow = new int[rules.size()];
        int[] fill = Arrays.copyOf(bucketStart, 2 * flowCount);
        for (int i = 0; i < rules.size(); i++) {
            byFlow[fill[bucket(rules, i)]++] = i;
        }
        // Flows by name (only those with a rule: the planner names flows by their changes).
        record Named(String name, int flow) {}
        List<Named> named = new ArrayList<>(flowCount);
        for (int f = 0; f < flowCount; f++) {
            if (bucketStart[2 * f + 2] > bucketStart[2 * f]) {
                named.add(new Named(rules.flowName(f), f));
            }
        }
        named.sort((a, b) -> a.name().compareTo(b.name()));
        int[] planned = new int[rules.size()];
        int[] starts = new int[named.size() + 1];
        int[] flows = new int[named.size()];
        int at = 0;
        for (int k = 0; k < named.size(); k++) {
            if (k > 0 && named.get(k).name().equals(named.get(k - 1).name())) {
                return Optional.empty();
            }
            int f = named.get(k).flow();
            flows[k] = f;
            starts[k] = at;
            int from = bucketStart[2 * f];
            int to = bucketStart[2 * f + 2];
            System.arraycopy(byFlow, from, planned, at, to - from);
            at += to - from;
        }
        starts[named.size()] = at;
        return Optional.of(new AddedFlows(rules, planned, starts, flows));
    }

    private static int bucket(DesiredRules rules, int i) {
        return 2 * rules.flowNumber(i) + rules.direction(i).ordinal();
    }

    @Override
    public FlowChange get(int index) {
        List<RuleChange> legs = new ArrayList<>(starts[index + 1] - starts[index]);
        for (int j = starts[index]; j < starts[index + 1]; j++) {
            legs.add(added(planned[j]));
        }
        return new FlowChange(Change.Kind.ADD, Optional.of(rules.flowName(flows[index])), legs);
    }

    @Override
    public int size() {
        return flows.length;
    }

    /** Every rule change of every flow, in plan order: {@link Plan#ruleChanges()} of this plan, as a view. */
    List<RuleChange> ruleChanges() {
        return new RuleChanges();
    }

    /** The keys of {@link #ruleChanges()}, as a view that makes only the keys. */
    List<FlowKey> keys() {
        return new AbstractList<>() {
            @Override
            public FlowKey get(int index) {
                return rules.key(planned[index]);
            }

            @Override
            public int size() {
                return planned.length;
            }
        };
    }

    /** The keys the plan adds, in key order: every desired rule's. */
    TouchedKeys touched() {
        return TouchedKeys.added(rules);
    }

    /** How many rules the plan adds: all of them. */
    int rules() {
        return planned.length;
    }

    private RuleChange added(int i) {
        return RuleChange.add(rules.key(i), new FlowRule(FlowKey.unpack(rules.rewriteHigh(i), rules.rewriteLow(i)), Owner.CONFIG));
    }

    private final class RuleChanges extends AbstractList<RuleChange> implements RandomAccess {
        @Override
        public RuleChange get(int index) {
            return added(planned[index]);
        }

        @Override
        public int size() {
            return planned.length;
        }
    }
}
