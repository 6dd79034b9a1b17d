package io.xdprecon.tests.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.cli.Main;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.state.TuningSetting;
import io.xdprecon.state.TuningSetting.Hugepages;
import io.xdprecon.tuning.TuningApplier;
import io.xdprecon.tuning.TuningException;
import io.xdprecon.tuning.TuningProblem;
import io.xdprecon.tuning.TuningReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Huge pages on the real node: the system-wide 2 MiB count goes up by 2 and is always put back. Small on
 * purpose (4 MiB); the previous count is restored in a finally block by a plain sysfs write, whatever the
 * code under test did.
 */
class HugepagesTest {
    private static final Path COUNT_2M = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");

    @Test
    void twoMorePagesOf2MiBAreAppliedReadBackAndRestored() throws Exception {
        int previous = Integer.parseInt(Files.readString(COUNT_2M).strip());
        long hugetlbKb = hugetlbKb();
        TuningReader reader = new TuningReader();
        Hugepages desired = new Hugepages(2048, OptionalInt.empty(), previous + 2);
        assertEquals(List.of(new Hugepages(2048, OptionalInt.empty(), previous)), reader.read(List.of(desired)));
        try {
            new TuningApplier().apply(desired);
            assertEquals(List.of(desired), reader.read(List.of(desired)));
            assertEquals(previous + 2, Integer.parseInt(Files.readString(COUNT_2M).strip()), "sysfs agrees");
            assertEquals(hugetlbKb + 2 * 2048, hugetlbKb(), "the kernel really holds 4 MiB more in huge pages (/proc/meminfo Hugetlb)");
            new TuningApplier().apply(new Hugepages(2048, OptionalInt.empty(), previous));
            assertEquals(List.of(new Hugepages(2048, OptionalInt.empty(), previous)), reader.read(List.of(desired)));
        } finally {
            Files.writeString(COUNT_2M, Integer.toString(previous), StandardOpenOption.WRITE);
            assertEquals(previous, Integer.parseInt(Files.readString(COUNT_2M).strip()), "restored");
        }
    }

    /**
     * Issue 10 case 7 on the real node: the plan weighs a huge page count against MemTotal of /proc/meminfo. A count
     * beyond the node's memory is a plan error, one beyond half of it a disruptive change that apply refuses without
     * --allow-disruptive; nothing is written to sysfs either way (before, both were written as asked).
     */
    @Test
    void countsBeyondTheNodesMemoryOrHalfOfItAreRefusedBeforeAnyWrite(@TempDir Path dir) throws Exception {
        int previous = Integer.parseInt(Files.readString(COUNT_2M).strip());
        long memTotalKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
        try (Lab lab = Lab.start()) {
            Path beyond = config(dir, "beyond.yaml", memTotalKb / 2048 + 1);
            Main.Captured plan = cli(lab, "plan", "-c", beyond.toString());
            assertEquals(1, plan.exit(), plan.out() + plan.err());
            assertTrue((plan.out() + plan.err()).contains("hugepages 2048kB = " + (memTotalKb / 2048 + 1) + " reserves "),
                    plan.out() + plan.err());
            assertTrue((plan.out() + plan.err()).contains("more than this node's memory (MemTotal "), plan.out() + plan.err());

            Path most = config(dir, "most.yaml", memTotalKb * 6 / 10 / 2048);
            Main.Captured apply = cli(lab, "apply", "-c", most.toString());
            assertTrue(apply.exit() != 0, apply.out() + apply.err());
            assertTrue((apply.out() + apply.err()).contains("of huge pages, over 50 % of the node's memory; refusing without"
                    + " --allow-disruptive"), apply.out() + apply.err());
        } finally {
            int now = Integer.parseInt(Files.readString(COUNT_2M).strip());
            if (now != previous) {
                Files.writeString(COUNT_2M, Integer.toString(previous), StandardOpenOption.WRITE); // a regression: give it back
            }
            assertEquals(previous, now, "nothing was written");
        }
    }

    private static Path config(Path dir, String name, long count) throws java.io.IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, LabConfigs.header(List.of(Lab.VIP), 524288) + LabConfigs.flow("relay", 0, 50000)
                + "tuning:\n  hugepages: [{ pageSize: 2Mi, count: " + count + " }]\n");
        return file;
    }

    private static Main.Captured cli(Lab lab, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--pin-root", lab.pinRoot().toString(), "--node", "lab-node"));
        return NetNs.call(lab.proxyNs(), () -> Main.capture(all.toArray(String[]::new)));
    }

    /** The "Hugetlb:" line of /proc/meminfo: kB held in huge pages of all sizes. */
    private static long hugetlbKb() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("Hugetlb:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .findFirst().orElseThrow();
    }

    @Test
    void perNumaNodeAndUnknownSizesAndNodes() throws Exception {
        TuningReader reader = new TuningReader();
        Hugepages node0 = new Hugepages(2048, OptionalInt.of(0), 0);
        Hugepages fourMeg = new Hugepages(4096, OptionalInt.empty(), 1);
        Hugepages node99 = new Hugepages(2048, OptionalInt.of(99), 1);
        List<TuningSetting> live = reader.read(List.of(node0, fourMeg, node99));
        int node0Count = Integer.parseInt(Files.readString(
                Path.of("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages")).strip());
        assertEquals(List.of(new Hugepages(2048, OptionalInt.of(0), node0Count)), live);
        assertEquals(TuningProblem.Kind.UNSUPPORTED, reader.problem(fourMeg.id()).orElseThrow().kind());
        assertTrue(reader.problem(fourMeg.id()).orElseThrow().detail().contains("2048 kB"), "lists the sizes that exist");
        assertEquals(TuningProblem.Kind.UNSUPPORTED, reader.problem(node99.id()).orElseThrow().kind());
        assertTrue(reader.problem(node99.id()).orElseThrow().detail().startsWith("no NUMA node 99 (nodes: 0"),
                reader.problem(node99.id()).orElseThrow().detail());

        TuningException e = Assertions.assertThrows(TuningException.class, () -> new TuningApplier().apply(fourMeg));
        assertTrue(e.getMessage().startsWith("hugepages 4096kB = 1: `write 1 to /sys/kernel/mm/hugepages/hugepages-4096kB/nr_hugepages`"),
                e.getMessage());
    }
}
