package io.xdprecon.dataplane;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.BtfMaxEntries;
import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.DatapathStats;
import io.xdprecon.dataplane.maps.LocalIps6Map;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The live datapath as the control plane sees it: the maps pinned by name under a pin root, and,
 * when this process loaded it, the program. Names and the object come from {@code bpf/xdprecon.h}
 * and {@code bpf/xdp_fwd.c}.
 */
public final class Datapath implements AutoCloseable {
    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf");
    public static final String OBJECT = "xdp_fwd";
    public static final String PROGRAM = "xdp_main";
    public static final String RULES_MAP = "xdp_fwd_rules";
    /** IPv6 rules (layout 4): {@code struct flow_key6 -> struct flow_rule6}. */
    public static final String RULES6_MAP = "xdp_rules6";
    /** IPv6 local IPs (layout 4): {@code struct ip6_addr -> struct ip_counter}. */
    public static final String LOCAL_IPS6_MAP = "xdp_local_ips6";
    public static final String FLOW_COUNTERS_MAP = "xdp_flow_ctrs";
    public static final String FLOW_SLOTS_MAP = "xdp_flow_slots";
    public static final String ABI_MAP = "xdp_abi";
    /** Layout 1's per-flow counters (a per-CPU hash): pinned maps that have it are of that layout. */
    public static final String LAYOUT_1_FLOW_STATS_MAP = "xdp_flow_stats";
    public static final String LOCAL_IPS_MAP = "xdp_local_ips";
    public static final String COUNTERS_MAP = "xdp_counters";
    /**
     * The maps pinned by name; {@code xsks_map} is not: DPDK's PMD fills its own. The IPv6 maps last: a layout-2 or -3
     * node's pins are all the others, whose {@code xdp_abi} says their layout before a missing one is looked for
     * ({@link #openPinned} relies on this order).
     */
    public static final List<String> PINNED_MAPS = List.of(RULES_MAP, FLOW_COUNTERS_MAP, FLOW_SLOTS_MAP, LOCAL_IPS_MAP,
            COUNTERS_MAP, ABI_MAP, RULES6_MAP, LOCAL_IPS6_MAP);

    private final Path pinRoot;
    private final BpfObject object;
    private final List<BpfMap> ownedMaps;
    private final RulesMap rules;
    private final Rules6Map rules6;
    private final LocalIpsMap localIps;
    private final LocalIps6Map localIps6;
    private final DatapathStats stats;

    private Datapath(Path pinRoot, BpfObject object, Function<String, BpfMap> maps, List<BpfMap> ownedMaps) {
        this.pinRoot = pinRoot;
        this.object = object;
        this.ownedMaps = ownedMaps;
        checkLayout(pinRoot, maps.apply(ABI_MAP));
        BpfMap rules = maps.apply(RULES_MAP);
        BpfMap flowCounters = maps.apply(FLOW_COUNTERS_MAP);
        if (flowCounters.maxEntries() != rules.maxEntries() + 1) {
            // Pins of two migrations' halves: a migration renames the new maps over the old ones one by one.
            throw new IllegalStateException("the maps pinned under " + pinRoot + " do not belong together (" + rules.maxEntries()
                    + " rules, " + flowCounters.maxEntries() + " counter slots): a migration is renaming them; try again");
        }
        this.rules = new RulesMap(rules, flowCounters, maps.apply(FLOW_SLOTS_MAP));
        this.rules6 = new Rules6Map(maps.apply(RULES6_MAP), this.rules);
        this.localIps = new LocalIpsMap(maps.apply(LOCAL_IPS_MAP));
        this.localIps6 = new LocalIps6Map(maps.apply(LOCAL_IPS6_MAP));
        this.stats = new DatapathStats(maps.apply(COUNTERS_MAP));
    }

    /**
     * Loads the program, creating its maps pinned under {@code pinRoot} or adopting those already
     * pinned there (with their entries). {@code maxRules} 0 keeps the compiled capacity.
     */
    public static Datapath load(Path pinRoot, int maxRules) {
        BpfObject object = BpfObject.openBundled(OBJECT, pinRoot);
        try {
            if (maxRules > 0) {
                capacities(maxRules).forEach(object::maxEntries);
            }
            if (pinRoot != null && Files.exists(pinRoot.resolve(LAYOUT_1_FLOW_STATS_MAP))) {
                throw new LayoutMismatch(pinRoot, 1);
            }
            object.load();
            return new Datapath(pinRoot, object, object::map, List.of());
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** The capacity of each map sized by the rules: the rules, a counter slot per rule and slot 0, a bit per slot. */
    public static Map<String, Integer> capacities(int maxRules) {
        return Map.of(RULES_MAP, maxRules, FLOW_COUNTERS_MAP, maxRules + 1, FLOW_SLOTS_MAP, (maxRules + 1 + 63) / 64);
    }

    /**
     * The object's ELF bytes declaring room for {@code maxRules} rules, for a loader that cannot be told the
     * capacity (DPDK's PMD loads {@code xdp_prog=} as it is, and libbpf adopts a pinned map only of the declared size).
     */
    public static byte[] objectFor(int maxRules) {
        return BtfMaxEntries.rewrite(BpfObject.bundledElf(OBJECT), capacities(maxRules));
    }

    /**
     * Opens the maps a running datapath pinned; {@link BpfException.NotFound} names the first missing pin,
     * {@link LayoutMismatch} says when they are of another layout than this build's.
     */
    public static Datapath openPinned(Path pinRoot) {
        if (Files.exists(pinRoot.resolve(LAYOUT_1_FLOW_STATS_MAP))) {
            throw new LayoutMismatch(pinRoot, 1);
        }
        Map<String, BpfMap> opened = new HashMap<>();
        try {
            for (String name : PINNED_MAPS) {
                if (name.equals(RULES6_MAP)) {
                    // layouts 2 and 3 have none of the IPv6 maps: their xdp_abi says so (a migration) before a pin is missed
                    checkLayout(pinRoot, opened.get(ABI_MAP));
                }
                opened.put(name, BpfMap.openPinned(pinRoot.resolve(name)));
            }
            return new Datapath(pinRoot, null, opened::get, List.copyOf(opened.values()));
        } catch (RuntimeException e) {
            opened.values().forEach(BpfMap::close);
            throw e;
        }
    }

    /**
     * Stamps {@link Abi#VERSION} into {@code xdp_abi} when nobody has (maps this build's object just created,
     * here or in DPDK's PMD), and refuses maps that carry another layout's version.
     */
    private static void checkLayout(Path pinRoot, BpfMap abi) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            abi.lookup(key, value);
            int version = value.get(ValueLayout.JAVA_INT, 0);
            if (version == 0) {
                value.set(ValueLayout.JAVA_INT, 0, Abi.VERSION);
                abi.update(key, value, UpdateMode.ANY);
            } else if (version != Abi.VERSION) {
                throw new LayoutMismatch(pinRoot, version);
            }
        }
    }

    /**
     * Pinned maps of another layout than {@link Abi#VERSION}: an older one must be migrated first (a plan does it);
     * a newer one, a later build's, is never written by this one (a downgrade).
     */
    public static final class LayoutMismatch extends IllegalStateException {
        private final int found;

        public LayoutMismatch(Path pinRoot, int found) {
            super(message(pinRoot, found));
            this.found = found;
        }

        private static String message(Path pinRoot, int found) {
            String pins = "the maps pinned under " + pinRoot + " are of layout " + found;
            if (found > Abi.VERSION) {
                return pins + ", newer than layout " + Abi.VERSION + " of this build: a downgrade, which this build refuses"
                        + " (it writes no map of a layout it does not know, and knows no migration from layout " + found
                        + " down to " + Abi.VERSION + "); run a build of layout " + found + " or later, or unpin the maps to"
                        + " start empty (losing counters and sessions)";
            }
            return pins + "; this build reads layout " + Abi.VERSION + ": plan and apply migrate them (or unpin them to start empty)";
        }

        /** The layout version the pinned maps carry. */
        public int found() {
            return found;
        }
    }

    /** True when every map of a datapath is pinned under {@code pinRoot}. */
    public static boolean isPinned(Path pinRoot) {
        return PINNED_MAPS.stream().allMatch(name -> Files.exists(pinRoot.resolve(name)));
    }

    /** Removes the pins (the kernel frees the maps once no program or descriptor holds them). */
    public static void unpin(Path pinRoot) {
        for (String name : PINNED_MAPS) {
            try {
                Files.deleteIfExists(pinRoot.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove pin " + pinRoot.resolve(name), e);
            }
        }
    }

    public Path pinRoot() {
        return pinRoot;
    }

    public RulesMap rules() {
        return rules;
    }

    public LocalIpsMap localIps() {
        return localIps;
    }

    /** The IPv6 rules ({@code xdp_rules6}); their counter slots come from the same bitmap as {@link #rules()}'. */
    public Rules6Map rules6() {
        return rules6;
    }

    public LocalIps6Map localIps6() {
        return localIps6;
    }

    public DatapathStats stats() {
        return stats;
    }

    /** The program, when this instance loaded it. */
    public Optional<BpfProgram> program() {
        return object == null ? Optional.empty() : Optional.of(object.program(PROGRAM));
    }

    public Optional<BpfObject> object() {
        return Optional.ofNullable(object);
    }

    @Override
    public void close() {
        ownedMaps.forEach(BpfMap::close);
        if (object != null) {
            object.close();
        }
    }
}
