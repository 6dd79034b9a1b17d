package io.xdprecon.dataplane;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.BtfMaxEntries;
import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.DatapathStats;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.RulesMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    public static final String FLOW_COUNTERS_MAP = "xdp_flow_ctrs";
    public static final String FLOW_SLOTS_MAP = "xdp_flow_slots";
    public static final String ABI_MAP = "xdp_abi";
    /** Layout 1's per-flow counters (a per-CPU hash): pinned maps that have it are of that layout. */
    public static final String LAYOUT_1_FLOW_STATS_MAP = "xdp_flow_stats";
    public static final String LOCAL_IPS_MAP = "xdp_local_ips";
    public static final String COUNTERS_MAP = "xdp_counters";
    /** The maps pinned by name; {@code xsks_map} is not: DPDK's PMD fills its own. */
    public static final List<String> PINNED_MAPS =
            List.of(RULES_MAP, FLOW_COUNTERS_MAP, FLOW_SLOTS_MAP, LOCAL_IPS_MAP, COUNTERS_MAP, ABI_MAP);

    private final Path pinRoot;
    private final BpfObject object;
    private final List<BpfMap> ownedMaps;
    private final RulesMap rules;
    private final LocalIpsMap localIps;
    private final DatapathStats stats;

    private Datapath(Path pinRoot, BpfObject object, BpfMap rules, BpfMap flowCounters, BpfMap flowSlots, BpfMap localIps,
            BpfMap counters, BpfMap abi, List<BpfMap> ownedMaps) {
        this.pinRoot = pinRoot;
        this.object = object;
        this.ownedMaps = ownedMaps;
        checkLayout(pinRoot, abi);
        if (flowCounters.maxEntries() != rules.maxEntries() + 1) {
            // Pins of two migrations' halves: a migration renames the new maps over the old ones one by one.
            throw new IllegalStateException("the maps pinned under " + pinRoot + " do not belong together (" + rules.maxEntries()
                    + " rules, " + flowCounters.maxEntries() + " counter slots): a migration is renaming them; try again");
        }
        this.rules = new RulesMap(rules, flowCounters, flowSlots);
        this.localIps = new LocalIpsMap(localIps);
        this.stats = new DatapathStats(counters);
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
            return new Datapath(pinRoot, object, object.map(RULES_MAP), object.map(FLOW_COUNTERS_MAP),
                    object.map(FLOW_SLOTS_MAP), object.map(LOCAL_IPS_MAP), object.map(COUNTERS_MAP), object.map(ABI_MAP),
                    List.of());
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
        List<BpfMap> opened = new ArrayList<>();
        try {
            for (String name : PINNED_MAPS) {
                opened.add(BpfMap.openPinned(pinRoot.resolve(name)));
            }
            return new Datapath(pinRoot, null, opened.get(0), opened.get(1), opened.get(2), opened.get(3), opened.get(4),
                    opened.get(5), opened);
        } catch (RuntimeException e) {
            opened.forEach(BpfMap::close);
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
