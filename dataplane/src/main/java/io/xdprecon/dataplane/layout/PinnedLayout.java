package io.xdprecon.dataplane.layout;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.maps.Abi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which layout the maps pinned under a pin root have, and how many rules they hold room for: what a build
 * must know before it writes a single entry. Layout 1 is told by its per-flow counters map
 * ({@code xdp_flow_stats}, which no later layout pins); from layout 2 on the version is stamped in
 * {@code xdp_abi}. Maps this build's object created but nobody stamped yet (DPDK's PMD made them) are of this
 * build's layout when they have its shape.
 *
 * @param version        the layout ({@link Abi#VERSION} is this build's)
 * @param rulesCapacity  max entries of the pinned rules map
 */
public record PinnedLayout(int version, int rulesCapacity) {

    /** The layout pinned under {@code pinRoot}; empty when no rules map is pinned there. */
    public static Optional<PinnedLayout> probe(Path pinRoot) {
        Path rules = pinRoot.resolve(Datapath.RULES_MAP);
        if (!Files.exists(rules)) {
            return Optional.empty();
        }
        int capacity;
        int valueSize;
        try (BpfMap map = BpfMap.openPinned(rules)) {
            capacity = map.maxEntries();
            valueSize = map.definition().valueSize();
        }
        if (Files.exists(pinRoot.resolve(Datapath.LAYOUT_1_FLOW_STATS_MAP))) {
            return Optional.of(new PinnedLayout(1, capacity));
        }
        Path abi = pinRoot.resolve(Datapath.ABI_MAP);
        if (!Files.exists(abi)) {
            throw new IllegalStateException("the maps pinned under " + pinRoot + " are of no layout this build knows: "
                    + Datapath.RULES_MAP + " is pinned, but neither " + Datapath.ABI_MAP + " (layout 2 and later) nor "
                    + Datapath.LAYOUT_1_FLOW_STATS_MAP + " (layout 1)");
        }
        int stamped = stampedVersion(abi);
        if (stamped == 0) {
            // Created by an object that nobody stamped: this build's, if the rules have its shape.
            if (valueSize != Abi.FLOW_RULE_SIZE) {
                throw new IllegalStateException("the maps pinned under " + pinRoot + " carry no layout version and rules of "
                        + valueSize + " bytes, not this build's " + Abi.FLOW_RULE_SIZE + ": of no layout this build knows");
            }
            return Optional.of(new PinnedLayout(Abi.VERSION, capacity));
        }
        return Optional.of(new PinnedLayout(stamped, capacity));
    }

    private static int stampedVersion(Path abi) {
        try (BpfMap map = BpfMap.openPinned(abi); Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = arena.allocate(Math.max(4, map.valueSize()), 8);
            return map.lookup(key, value) ? value.get(ValueLayout.JAVA_INT, 0) : 0;
        }
    }

    /** This build's layout. */
    public boolean isCurrent() {
        return version == Abi.VERSION;
    }

    /** A layout of a later build than this one: never written here. */
    public boolean isNewer() {
        return version > Abi.VERSION;
    }

    /** "layout 1", as messages name it. */
    public static String name(int version) {
        return "layout " + version;
    }
}
