package io.xdprecon.tests.upgrade;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Pinned maps of other builds' layouts, written as those builds write them: layout 1 (the release before layout 2,
 * {@code bpf/legacy/layout1}, object {@code xdp_fwd_layout1}), layout 2 (the release before layout 3,
 * {@code bpf/legacy/layout2}, object {@code xdp_fwd_layout2}), layout 3 (the release before IPv6, {@code bpf/legacy/layout3},
 * object {@code xdp_fwd_layout3}) and the layout after this build's (a later build's,
 * {@code bpf/fixtures/xdp_fwd_newer.c}: this build's rules and 8 bytes more). For the migration and downgrade tests.
 */
public final class OtherLayouts {
    public static final String LAYOUT_1_OBJECT = "xdp_fwd_layout1";
    public static final String LAYOUT_2_OBJECT = "xdp_fwd_layout2";
    public static final String LAYOUT_3_OBJECT = "xdp_fwd_layout3";
    public static final String NEWER_OBJECT = "xdp_fwd_newer";
    /** The layout {@link #NEWER_OBJECT} stands for. */
    public static final int NEWER_LAYOUT = Abi.VERSION + 1;
    /** Its rule value: this build's and a u64. */
    public static final int NEWER_RULE_SIZE = Abi.FLOW_RULE_SIZE + 8;

    private OtherLayouts() {}

    /** Loads {@code object} with its maps pinned under {@code pinRoot}; the caller closes it (the pins stay). */
    public static BpfObject load(String object, Path pinRoot) {
        BpfObject loaded = BpfObject.openBundled(object, pinRoot);
        try {
            return loaded.load();
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /** Writes rules as the layout-1 release did: {@code flow_rule.reserved} zero, no next-hop cache (24 bytes). */
    public static void putLayout1Rules(Path pinRoot, Map<FlowKey, FlowRule> rules) {
        try (BpfMap map = BpfMap.openPinned(pinRoot.resolve(Datapath.RULES_MAP))) {
            rules.forEach((k, r) -> map.update(Abi.keyBytes(k), Arrays.copyOf(Abi.ruleBytes(r, 0), Abi.RULE_CONTROL_SIZE),
                    UpdateMode.ANY));
        }
    }

    /** Sets a flow's layout-1 counters ({@code xdp_flow_stats}), spread over the CPUs as the datapath would. */
    public static void putLayout1Counters(Path pinRoot, FlowKey flow, FlowCounters counters) {
        try (BpfMap map = BpfMap.openPinned(pinRoot.resolve(Datapath.LAYOUT_1_FLOW_STATS_MAP))) {
            map.update(Abi.keyBytes(flow), spread(map, counters), UpdateMode.ANY);
        }
    }

    /**
     * Writes rules as the layout-2 and layout-3 releases did: rewrite, owner and the counters' slot
     * ({@link Abi#RULE_CONTROL_SIZE} bytes; layout 3's empty next-hop cache after them, to the pinned map's value
     * size), rule i (in {@code rules}' order) at slot i + 1.
     */
    public static void putSlottedRules(Path pinRoot, Map<FlowKey, FlowRule> rules) {
        try (BpfMap map = BpfMap.openPinned(pinRoot.resolve(Datapath.RULES_MAP))) {
            int slot = 0;
            for (Map.Entry<FlowKey, FlowRule> e : rules.entrySet()) {
                byte[] value = Arrays.copyOf(Arrays.copyOf(Abi.ruleBytes(e.getValue(), ++slot), Abi.RULE_CONTROL_SIZE),
                        map.valueSize());
                map.update(Abi.keyBytes(e.getKey()), value, UpdateMode.ANY);
            }
        }
    }

    /**
     * Sets the per-CPU counters at {@code slot} of a layout-2 {@code xdp_flow_ctrs}, spread over the CPUs: what the
     * datapath would have counted (a test without traffic stands in for it).
     */
    public static void setCounters(BpfMap counters, int slot, FlowCounters value) {
        counters.update(Abi.u32Bytes(slot), spread(counters, value), UpdateMode.ANY);
    }

    private static byte[] spread(BpfMap map, FlowCounters counters) {
        int cpus = BpfMap.possibleCpus();
        List<FlowCounters> perCpu = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            perCpu.add(new FlowCounters(counters.packets() / cpus + (cpu == 0 ? counters.packets() % cpus : 0),
                    counters.bytes() / cpus + (cpu == 0 ? counters.bytes() % cpus : 0)));
        }
        return Abi.perCpuCounterBytes(perCpu, cpus, map.slotSize());
    }

    /** Stamps {@code version} into the pinned {@code xdp_abi}, as the build of that layout does when it creates the maps. */
    public static void stamp(Path pinRoot, int version) {
        try (BpfMap abi = BpfMap.openPinned(pinRoot.resolve(Datapath.ABI_MAP))) {
            abi.update(Abi.u32Bytes(0), Abi.u32Bytes(version), UpdateMode.ANY);
        }
    }

    /** Writes rules as a build of the next layout would: this build's fields (no counter slot) and its extra one. */
    public static void putNewerRules(Path pinRoot, Map<FlowKey, FlowRule> rules) {
        try (BpfMap map = BpfMap.openPinned(pinRoot.resolve(Datapath.RULES_MAP))) {
            rules.forEach((k, r) -> {
                byte[] value = Arrays.copyOf(Abi.ruleBytes(r, 0), NEWER_RULE_SIZE);
                ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).putLong(Abi.FLOW_RULE_SIZE, 0x3L);
                map.update(Abi.keyBytes(k), value, UpdateMode.ANY);
            });
        }
    }
}
