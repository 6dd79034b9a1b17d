package io.xdprecon.plan;

import io.xdprecon.dataplane.bpf.XdpMode;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Bringing the datapath itself up, in XDP mode only (in DPDK mode the PMD loads and attaches the
 * program), or moving it onto new maps. The applier runs these before any map write: the maps must exist first.
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
     * Move the live datapath onto new maps of this build's layout with room for {@code toCapacity} rules: an older
     * layout migrated, or a resize. Every live rule but those the plan deletes is copied with its counters, and
     * {@code xdp_main} swapped atomically onto the new maps wherever it runs ({@code LayoutMigration}).
     *
     * @param rules  the live rules copied (those the plan deletes are left behind)
     */
    record Migrate(int fromLayout, int toLayout, int fromCapacity, int toCapacity, int rules) implements DatapathChange {
        public Migrate {
            if (toCapacity < 2) {
                throw new IllegalArgumentException("maxRules must be at least 2: " + toCapacity);
            }
            if (fromLayout < 1 || toLayout < fromLayout || rules < 0 || rules > toCapacity) {
                throw new IllegalArgumentException("no such migration: layout " + fromLayout + " -> " + toLayout + ", "
                        + rules + " rules into " + toCapacity);
            }
        }

        @Override
        public Kind kind() {
            return Kind.CHANGE;
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

    /**
     * Move {@code xdp_main} on an interface to another attach mode: the kernel runs one XDP mode at a time on a
     * device and cannot swap a program across modes, so it is detached and attached again, the tc bridge forwarding
     * in between ({@code AttachModeChange}).
     */
    record ChangeAttachMode(String iface, int ifindex, XdpMode from, XdpMode to) implements DatapathChange {
        public ChangeAttachMode {
            Objects.requireNonNull(iface, "iface");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (ifindex <= 0) {
                throw new IllegalArgumentException("ifindex of " + iface + " must be positive: " + ifindex);
            }
            if (from == to || to == XdpMode.AUTO) {
                throw new IllegalArgumentException("no attach mode change: " + from + " -> " + to);
            }
        }

        @Override
        public Kind kind() {
            return Kind.CHANGE;
        }
    }
}
