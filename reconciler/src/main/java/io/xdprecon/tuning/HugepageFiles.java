package io.xdprecon.tuning;

import io.xdprecon.state.TuningSetting;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Where a huge page count lives in sysfs, and why it may not:
 * {@code /sys/kernel/mm/hugepages/hugepages-<kB>kB/nr_hugepages}, per NUMA node
 * {@code /sys/devices/system/node/node<N>/hugepages/hugepages-<kB>kB/nr_hugepages}. The count there is the
 * persistent pool (surplus pages excluded), which is what a write sets.
 */
final class HugepageFiles {
    static final Path SYSTEM = Path.of("/sys/kernel/mm/hugepages");
    static final Path NODES = Path.of("/sys/devices/system/node");

    private HugepageFiles() {}

    static Path countFile(TuningSetting.Hugepages setting) {
        String size = "hugepages-" + setting.pageSizeKb() + "kB";
        if (setting.numaNode().isPresent()) {
            return NODES.resolve("node" + setting.numaNode().getAsInt()).resolve("hugepages").resolve(size).resolve("nr_hugepages");
        }
        return SYSTEM.resolve(size).resolve("nr_hugepages");
    }

    /** The live count; empty when this node has no such page size or NUMA node ({@link #unsupportedReason} says which). */
    static OptionalInt read(Host host, TuningSetting.Hugepages setting) throws IOException {
        Path file = countFile(setting);
        try {
            return OptionalInt.of(parseCount(host.read(file), file));
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        }
    }

    static int parseCount(String text, Path file) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unreadable huge page count \"" + text.strip() + "\" in " + file);
        }
    }

    /** "no 4096 kB huge pages on this node (sizes: 2048 kB, 1048576 kB)", "no NUMA node 3 (nodes: 0)". */
    static String unsupportedReason(Host host, TuningSetting.Hugepages setting, Path file) throws IOException {
        if (setting.numaNode().isPresent()) {
            List<String> nodes = host.list(NODES).stream()
                    .filter(n -> n.matches("node\\d+")).map(n -> n.substring(4)).toList();
            int node = setting.numaNode().getAsInt();
            if (!nodes.contains(Integer.toString(node))) {
                return "no NUMA node " + node + " (nodes: " + (nodes.isEmpty() ? "none" : String.join(", ", nodes)) + ")";
            }
        }
        List<String> sizes = host.list(SYSTEM).stream()
                .filter(n -> n.matches("hugepages-\\d+kB"))
                .map(n -> n.substring("hugepages-".length(), n.length() - 2))
                .sorted((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)))
                .map(n -> n + " kB").toList();
        return "no " + setting.pageSizeKb() + " kB huge pages on this node (sizes: "
                + (sizes.isEmpty() ? "none" : String.join(", ", sizes)) + "; " + file + " does not exist)";
    }
}
