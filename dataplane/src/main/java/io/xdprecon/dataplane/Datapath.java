package io.xdprecon.dataplane;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.maps.DatapathStats;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.maps.RulesMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    public static final String FLOW_STATS_MAP = "xdp_flow_stats";
    public static final String LOCAL_IPS_MAP = "xdp_local_ips";
    public static final String COUNTERS_MAP = "xdp_counters";
    /** The maps pinned by name; {@code xsks_map} is not: DPDK's PMD fills its own. */
    public static final List<String> PINNED_MAPS = List.of(RULES_MAP, FLOW_STATS_MAP, LOCAL_IPS_MAP, COUNTERS_MAP);

    private final Path pinRoot;
    private final BpfObject object;
    private final List<BpfMap> ownedMaps;
    private final RulesMap rules;
    private final LocalIpsMap localIps;
    private final DatapathStats stats;

    private Datapath(Path pinRoot, BpfObject object, BpfMap rules, BpfMap flowStats, BpfMap localIps, BpfMap counters,
            List<BpfMap> ownedMaps) {
        this.pinRoot = pinRoot;
        this.object = object;
        this.ownedMaps = ownedMaps;
        this.rules = new RulesMap(rules, flowStats);
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
                object.maxEntries(RULES_MAP, maxRules).maxEntries(FLOW_STATS_MAP, maxRules);
            }
            object.load();
            return new Datapath(pinRoot, object, object.map(RULES_MAP), object.map(FLOW_STATS_MAP),
                    object.map(LOCAL_IPS_MAP), object.map(COUNTERS_MAP), List.of());
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** Opens the maps a running datapath pinned; {@link BpfException.NotFound} names the first missing pin. */
    public static Datapath openPinned(Path pinRoot) {
        List<BpfMap> opened = new ArrayList<>();
        try {
            for (String name : PINNED_MAPS) {
                opened.add(BpfMap.openPinned(pinRoot.resolve(name)));
            }
            return new Datapath(pinRoot, null, opened.get(0), opened.get(1), opened.get(2), opened.get(3), opened);
        } catch (RuntimeException e) {
            opened.forEach(BpfMap::close);
            throw e;
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
