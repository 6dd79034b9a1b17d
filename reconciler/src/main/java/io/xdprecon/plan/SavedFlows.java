package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * The IPv4 flows of a plan read back from its JSON document ({@code apply FILE}), packed: the same list of
 * {@link FlowChange}s the document holds, each made when it is read. A saved plan of 262,144 flows read as records
 * (a flow, its legs, their keys and rules) held some 150 MB, more than the unit's heap; here a rule is five longs and
 * three ints, a name its UTF-8 bytes.
 */
final class SavedFlows extends AbstractList<FlowChange> implements RandomAccess {
    private static final Change.Kind[] KINDS = Change.Kind.values();
    private static final int NONE = -1;

    private final byte[] flowKinds;
    /** Per flow: where its name starts in {@link #names}, or {@link #NONE} for a flow not in the config. */
    private final int[] nameStarts;
    private final int[] nameEnds;
    private final byte[] names;
    /** Per flow: where its legs start in the rule columns; one more entry for the end. */
    private final int[] ruleStarts;
    private final byte[] ruleKinds;
    private final long[] keys; // high, low per rule
    private final long[] befores; // high, low per rule (unused for an add)
    private final int[] beforeOwners;
    private final long[] afters; // high, low per rule (unused for a delete)
    private final int[] afterOwners;
    private final int[] flowsByKind = new int[KINDS.length];

    private final int flowCount;
    private final int ruleCount;

    /** Takes the builder's columns as they are, room to spare included: a copy to trim them would double the peak. */
    private SavedFlows(Builder b) {
        flowCount = b.flows;
        ruleCount = b.rules;
        flowKinds = b.flowKinds;
        nameStarts = b.nameStarts;
        nameEnds = b.nameEnds;
        names = b.names;
        ruleStarts = b.ruleStarts;
        ruleStarts[flowCount] = ruleCount;
        ruleKinds = b.ruleKinds;
        keys = b.keys;
        befores = b.befores;
        beforeOwners = b.beforeOwners;
        afters = b.afters;
        afterOwners = b.afterOwners;
        for (int f = 0; f < flowCount; f++) {
            flowsByKind[flowKinds[f]]++;
        }
    }

    @Override
    public FlowChange get(int index) {
        List<RuleChange> legs = new ArrayList<>(ruleStarts[index + 1] - ruleStarts[index]);
        for (int r = ruleStarts[index]; r < ruleStarts[index + 1]; r++) {
            legs.add(rule(r));
        }
        Optional<String> name = nameStarts[index] == NONE ? Optional.empty()
                : Optional.of(new String(names, nameStarts[index], nameEnds[index] - nameStarts[index], StandardCharsets.UTF_8));
        return new FlowChange(KINDS[flowKinds[index]], name, legs);
    }

    @Override
    public int size() {
        return flowCount;
    }

    /** How many flows are of {@code kind}: what {@link Plan#summary} counts, without making them. */
    int flows(Change.Kind kind) {
        return flowsByKind[kind.ordinal()];
    }

    /** Every rule change of every flow, in plan order: {@link Plan#ruleChanges()} of this plan, as a view. */
    List<RuleChange> ruleChanges() {
        return new RuleChanges();
    }

    private final class RuleChanges extends AbstractList<RuleChange> implements RandomAccess {
        @Override
        public RuleChange get(int index) {
            return rule(index);
        }

        @Override
        public int size() {
            return ruleCount;
        }
    }

    private RuleChange rule(int r) {
        Change.Kind kind = KINDS[ruleKinds[r]];
        Optional<FlowRule> before = kind == Change.Kind.ADD ? Optional.empty()
                : Optional.of(FlowRule.read(FlowKey.unpack(befores[2 * r], befores[2 * r + 1]), beforeOwners[r]));
        Optional<FlowRule> after = kind == Change.Kind.DELETE ? Optional.empty()
                : Optional.of(FlowRule.read(FlowKey.unpack(afters[2 * r], afters[2 * r + 1]), afterOwners[r]));
        return new RuleChange(kind, FlowKey.unpack(keys[2 * r], keys[2 * r + 1]), before, after);
    }

    /** Flows appended in plan order, each already a valid {@link FlowChange}. */
    static final class Builder {
        private int flows;
        private int rules;
        private int nameBytes;
        private byte[] flowKinds = new byte[16];
        private int[] nameStarts = new int[16];
        private int[] nameEnds = new int[16];
        private byte[] names = new byte[256];
        private int[] ruleStarts = new int[17];
        private byte[] ruleKinds = new byte[32];
        private long[] keys = new long[64];
        private long[] befores = new long[64];
        private int[] beforeOwners = new int[32];
        private long[] afters = new long[64];
        private int[] afterOwners = new int[32];

        void add(FlowChange flow) {
            if (flows == flowKinds.length) {
                int grown = 2 * flows;
                flowKinds = Arrays.copyOf(flowKinds, grown);
                nameStarts = Arrays.copyOf(nameStarts, grown);
                nameEnds = Arrays.copyOf(nameEnds, grown);
                ruleStarts = Arrays.copyOf(ruleStarts, grown + 1);
            }
            flowKinds[flows] = (byte) flow.kind().ordinal();
            ruleStarts[flows] = rules;
            if (flow.flow().isPresent()) {
                byte[] name = flow.flow().get().getBytes(StandardCharsets.UTF_8);
                if (nameBytes + name.length > names.length) {
                    names = Arrays.copyOf(names, Math.max(2 * names.length, nameBytes + name.length));
                }
                System.arraycopy(name, 0, names, nameBytes, name.length);
                nameStarts[flows] = nameBytes;
                nameBytes += name.length;
                nameEnds[flows] = nameBytes;
            } else {
                nameStarts[flows] = NONE;
                nameEnds[flows] = NONE;
            }
            flows++;
            for (RuleChange rule : flow.rules()) {
                add(rule);
            }
        }

        private void add(RuleChange rule) {
            if (rules == ruleKinds.length) {
                int grown = 2 * rules;
                ruleKinds = Arrays.copyOf(ruleKinds, grown);
                keys = Arrays.copyOf(keys, 2 * grown);
                befores = Arrays.copyOf(befores, 2 * grown);
                beforeOwners = Arrays.copyOf(beforeOwners, grown);
                afters = Arrays.copyOf(afters, 2 * grown);
                afterOwners = Arrays.copyOf(afterOwners, grown);
            }
            ruleKinds[rules] = (byte) rule.kind().ordinal();
            keys[2 * rules] = rule.key().high();
            keys[2 * rules + 1] = rule.key().low();
            rule.before().ifPresent(before -> {
                befores[2 * rules] = before.rewrite().high();
                befores[2 * rules + 1] = before.rewrite().low();
                beforeOwners[rules] = before.ownerCode();
            });
            rule.after().ifPresent(after -> {
                afters[2 * rules] = after.rewrite().high();
                afters[2 * rules + 1] = after.rewrite().low();
                afterOwners[rules] = after.ownerCode();
            });
            rules++;
        }

        SavedFlows build() {
            return new SavedFlows(this);
        }
    }
}
