package io.xdprecon.dataplane.maps;

import java.lang.foreign.MemorySegment;

/**
 * Every rule of a read of {@code xdp_fwd_rules}, kept as the map's own bytes: a full map (524,288 rules) is two
 * arrays, not a million objects. Keys and rules become records only for the entries asked for (a screenful);
 * the fields a sort or filter needs are read in place. Filled by {@link RulesMap#readRules} and reused by the
 * next read. Of each rule it keeps the control plane's part ({@link Abi#RULE_CONTROL_SIZE} bytes), not the
 * datapath's next-hop cache: 24 of the 64 bytes.
 */
public final class RuleTable {
    private byte[] keyBytes = new byte[0];
    private byte[] ruleBytes = new byte[0];
    private MemorySegment keys = MemorySegment.ofArray(keyBytes);
    private MemorySegment rules = MemorySegment.ofArray(ruleBytes);
    private int size;

    public int size() {
        return size;
    }

    public FlowKey key(int i) {
        return Abi.readKey(keys, keyAt(i));
    }

    /** The rule; an owner code this build does not know reads as {@link Owner#UNKNOWN}, keeping the code. */
    public FlowRule rule(int i) {
        return Abi.readRule(rules, ruleAt(i));
    }

    /** The owner as the map holds it ({@link Owner#code()}), readable whatever its value. */
    public int ownerCode(int i) {
        return Abi.readOwnerCode(rules, ruleAt(i));
    }

    /** The slot of the rule's counters in {@code xdp_flow_ctrs} (0: none). */
    public int slot(int i) {
        return Abi.readSlot(rules, ruleAt(i));
    }

    public int ifindex(int i) {
        return Abi.readIfindex(keys, keyAt(i));
    }

    /** The interface the rule sends out of. */
    public int egressIfindex(int i) {
        return Abi.readRewriteIfindex(rules, ruleAt(i));
    }

    /**
     * Orders two entries by their keys' fields (ifindex, source address and port, destination address and port,
     * addresses unsigned), without decoding them.
     */
    public int compareKeys(int a, int b) {
        return Abi.compareKeys(keys, keyAt(a), keys, keyAt(b));
    }

    void clear(int capacity) {
        size = 0;
        if (keyBytes.length < (long) capacity * Abi.FLOW_KEY_SIZE) {
            keyBytes = new byte[capacity * Abi.FLOW_KEY_SIZE];
            ruleBytes = new byte[capacity * Abi.RULE_CONTROL_SIZE];
            keys = MemorySegment.ofArray(keyBytes);
            rules = MemorySegment.ofArray(ruleBytes);
        }
    }

    /** Appends a page of {@code n} packed keys and rules (a concurrent writer may make a walk return more than once). */
    void append(MemorySegment pageKeys, MemorySegment pageRules, int n) {
        int room = Math.min(n, keyBytes.length / Abi.FLOW_KEY_SIZE - size);
        MemorySegment.copy(pageKeys, 0, keys, keyAt(size), (long) room * Abi.FLOW_KEY_SIZE);
        for (int i = 0; i < room; i++) {
            MemorySegment.copy(pageRules, (long) i * Abi.FLOW_RULE_SIZE, rules, ruleAt(size + i), Abi.RULE_CONTROL_SIZE);
        }
        size += room;
    }

    private static long keyAt(int i) {
        return (long) i * Abi.FLOW_KEY_SIZE;
    }

    private static long ruleAt(int i) {
        return (long) i * Abi.RULE_CONTROL_SIZE;
    }
}
