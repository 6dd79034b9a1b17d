package io.xdprecon.config;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.netns.NetNs;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Turns a kernel device name into its ifindex on this node; empty when there is no such device. Planning
 * resolves the config's interfaces through it, so a test or a dry run can pass a table instead of the kernel.
 */
@FunctionalInterface
public interface InterfaceResolver {
    OptionalInt ifindex(String device);

    /** The calling thread's network namespace, as the kernel sees it (netlink/ioctl, not /sys/class/net). */
    static InterfaceResolver currentNetns() {
        return device -> {
            try {
                return OptionalInt.of(NetNs.ifindex(device));
            } catch (BpfException.NoSuchDevice | BpfException.NotFound missing) {
                // if_nametoindex says ENODEV for a missing device; anything else (no permission?) is a real failure.
                return OptionalInt.empty();
            }
        };
    }

    /** A fixed table: for tests, and for planning against another node's interfaces. */
    static InterfaceResolver of(Map<String, Integer> ifindexByDevice) {
        Map<String, Integer> table = Map.copyOf(ifindexByDevice);
        return device -> table.containsKey(device) ? OptionalInt.of(table.get(device)) : OptionalInt.empty();
    }
}
