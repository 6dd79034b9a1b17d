package io.xdprecon.sessions;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;

/**
 * Packets the datapath rewrote for a rule so far (monotonic while the rule lives). Tests supply their own.
 *
 * <p>A source over the pinned maps also reads by counter slot: {@link #packets(FlowKey)} is two bpf syscalls (the
 * rule for its slot, then the slot's per-CPU counters), {@link #packetsAt} one, for a caller that kept the rule's
 * slot ({@link #slotOf}, one). A source without slots answers {@link #BY_KEY} and is read by key.
 */
public interface CounterSource {
    /** What {@link #slotOf} answers for a source that reads by key only. */
    int BY_KEY = -1;

    long packets(FlowKey rule);

    /** An IPv6 rule's packets; 0 where there is no IPv6 rules map (no rule, nothing counted). */
    default long packets(FlowKey6 rule) {
        return 0;
    }

    /** The counter slot of {@code rule}'s rule now (one lookup): 0 without a rule, {@link #BY_KEY} for a slot-less source. */
    default int slotOf(FlowKey rule) {
        return BY_KEY;
    }

    default int slotOf(FlowKey6 rule) {
        return BY_KEY;
    }

    /** The packets counted at {@code slot} (either family's: they share one counters map); 0 for slot 0. */
    default long packetsAt(int slot) {
        throw new UnsupportedOperationException("a source without slots is read by key");
    }

    static CounterSource of(RulesMap map) {
        return of(map, null);
    }

    /** Both pinned rules maps' counters: IPv4 rules' in {@code map}, IPv6 ones' in {@code map6} (null: none). */
    static CounterSource of(RulesMap map, Rules6Map map6) {
        return new CounterSource() {
            @Override
            public long packets(FlowKey rule) {
                return map.counters(rule).packets();
            }

            @Override
            public long packets(FlowKey6 rule) {
                return map6 == null ? 0 : map6.counters(rule).packets();
            }

            @Override
            public int slotOf(FlowKey rule) {
                return map.slotOf(rule);
            }

            @Override
            public int slotOf(FlowKey6 rule) {
                return map6 == null ? 0 : map6.slotOf(rule);
            }

            @Override
            public long packetsAt(int slot) {
                return map.countersAt(slot).packets();
            }
        };
    }
}
