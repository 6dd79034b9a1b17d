package io.xdprecon.plan;

import io.xdprecon.dataplane.bpf.XdpMode;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Bringing the datapath itself up, in XDP mode only (in DPDK mode the PMD loads and attaches the
 * program). The applier runs these before any map write: the maps must exist first.
 */
public sealed interface DatapathChange extends Change {

    /** Load the program {@code xdp_main} and pin its maps, sized for {@code maxRules} rules. */
    record Load(int maxRules) implements DatapathChange {
        public Load {
            if (maxRules < 2) {
                throw new IllegalArgumentException("maxRules must be at least 2: " + maxRules);
            }
        }

        @Override
        public Kind kind() {
            return Kind.ADD;
        }
    }

    /**
     * Attach {@code xdp_main} to an interface.
     *
     * @param replacesProgramId  present when an older {@code xdp_main} runs there whose maps are no
     *                           longer pinned: the attach atomically replaces that program
     */
    record Attach(String iface, int ifindex, XdpMode mode, OptionalInt replacesProgramId) implements DatapathChange {
        public Attach {
            Objects.requireNonNull(iface, "iface");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(replacesProgramId, "replacesProgramId");
            if (ifindex <= 0) {
                throw new IllegalArgumentException("ifindex of " + iface + " must be positive: " + ifindex);
            }
        }

        @Override
        public Kind kind() {
            return replacesProgramId.isPresent() ? Kind.CHANGE : Kind.ADD;
        }
    }
}
