package io.xdprecon.tuning;

import static io.xdprecon.tuning.EthtoolFixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.state.TuningSetting;
import io.xdprecon.state.TuningSetting.Hugepages;
import io.xdprecon.state.TuningSetting.QueueCount;
import io.xdprecon.state.TuningSetting.RssKey;
import io.xdprecon.tuning.TuningProblem.Kind;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TuningReaderTest {
    private static final String SYS_2M = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
    private static final String SYS_1G = "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";
    private static final String NODE0_2M = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages";

    private static FakeHost hugepageNode() {
        return new FakeHost().file(SYS_2M, "16\n").file(SYS_1G, "0\n").file(NODE0_2M, "16\n")
                .file("/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "0\n")
                .file("/sys/devices/system/node/online", "0\n");
    }

    @Test
    void hugepagesByPageSizeAndNode() {
        TuningReader reader = new TuningReader(hugepageNode());
        List<TuningSetting> live = reader.read(List.of(
                new Hugepages(2048, OptionalInt.empty(), 512),
                new Hugepages(2048, OptionalInt.of(0), 0),
                new Hugepages(1048576, OptionalInt.empty(), 4)));
        assertEquals(List.of(
                new Hugepages(2048, OptionalInt.empty(), 16),
                new Hugepages(2048, OptionalInt.of(0), 16),
                new Hugepages(1048576, OptionalInt.empty(), 0)), live);
        assertEquals(List.of(), reader.problems());
    }

    @Test
    void aMissingPageSizeOrNodeIsUnsupportedAndSaysWhatExists() {
        TuningReader reader = new TuningReader(hugepageNode());
        Hugepages fourMeg = new Hugepages(4096, OptionalInt.empty(), 1);
        Hugepages node3 = new Hugepages(2048, OptionalInt.of(3), 1);
        Hugepages node0FourMeg = new Hugepages(4096, OptionalInt.of(0), 1);
        assertEquals(List.of(), reader.read(List.of(fourMeg, node3, node0FourMeg)));
        List<TuningProblem> problems = reader.problems();
        assertEquals(List.of(fourMeg.id(), node3.id(), node0FourMeg.id()), problems.stream().map(TuningProblem::id).toList());
        assertTrue(problems.stream().allMatch(p -> p.kind() == Kind.UNSUPPORTED), problems.toString());
        assertTrue(problems.get(0).detail().startsWith("no 4096 kB huge pages on this node (sizes: 2048 kB, 1048576 kB"),
                problems.get(0).detail());
        assertEquals("no NUMA node 3 (nodes: 0)", problems.get(1).detail());
        assertTrue(problems.get(2).detail().contains("node0/hugepages/hugepages-4096kB"), problems.get(2).detail());
        assertTrue(problems.get(0).toString().contains("unsupported on this node"), problems.get(0).toString());
    }

    @Test
    void anUnreadableCountIsAFailureNotACrash() {
        TuningReader reader = new TuningReader(new FakeHost().file(SYS_2M, "lots\n"));
        Hugepages h = new Hugepages(2048, OptionalInt.empty(), 1);
        assertEquals(List.of(), reader.read(List.of(h)));
        assertEquals(Kind.FAILED, reader.problem(h.id()).orElseThrow().kind());
        assertTrue(reader.problem(h.id()).orElseThrow().detail().contains("lots"));
    }

    @Test
    void queueCountsFromEthtoolL() {
        FakeHost host = new FakeHost().on("ethtool -l xa", VETH_L_2).on("ethtool -l eth0", IXGBE_L).on("ethtool -l eth1", MLX5_L);
        TuningReader reader = new TuningReader(host);
        List<TuningSetting> live = reader.read(List.of(new QueueCount("eth1", 4), new QueueCount("xa", 4), new QueueCount("eth0", 2)));
        assertEquals(List.of(new QueueCount("eth1", 16), new QueueCount("xa", 2), new QueueCount("eth0", 8)), live,
                "in the desired order");
        assertEquals(List.of(), reader.problems());
    }

    @Test
    void queueProblemsAreClassified() {
        FakeHost host = new FakeHost()
                .fails("ethtool -l lo", LO_L_STDERR)
                .fails("ethtool -l nosuch", NO_DEVICE_L_STDERR)
                .on("ethtool -l odd", "Channel parameters for odd:\nsomething else entirely\n")
                .fails("ethtool -l slow", "did not finish in 20 s")
                .on("ethtool -l none", VETH_L_4.replace("Current hardware settings:\nRX:\t\t4\nTX:\t\t4",
                        "Current hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a"));
        TuningReader reader = new TuningReader(host);
        List<TuningSetting> desired = List.of(new QueueCount("lo", 1), new QueueCount("nosuch", 1), new QueueCount("odd", 1),
                new QueueCount("slow", 1), new QueueCount("none", 1));
        assertEquals(List.of(), reader.read(desired));
        assertEquals(List.of(Kind.UNSUPPORTED, Kind.NO_SUCH_DEVICE, Kind.FAILED, Kind.FAILED, Kind.UNSUPPORTED),
                reader.problems().stream().map(TuningProblem::kind).toList());
        TuningProblem lo = reader.problem("queues lo").orElseThrow();
        assertEquals("`ethtool -l lo` exited with 1: netlink error: Operation not supported", lo.detail(),
                "the command and its stderr");
        assertTrue(reader.problem("queues odd").orElseThrow().detail().startsWith("cannot parse the output of `ethtool -l odd`"));
    }

    @Test
    void rssKeysFromEthtoolX() {
        FakeHost host = new FakeHost()
                .on("ethtool -x eth0", IXGBE_X)
                .on("ethtool -x eth1", MLX5_X_SYMMETRIC)
                .fails("ethtool -x xa", VETH_X_STDERR)
                .on("ethtool -x eth2", NO_KEY_X)
                .fails("ethtool -x nosuch", NO_DEVICE_X_STDERR);
        TuningReader reader = new TuningReader(host);
        byte[] sym = Tuning.symmetricKey(40);
        List<TuningSetting> live = reader.read(List.of(new RssKey("eth0", sym), new RssKey("eth1", sym), new RssKey("xa", sym),
                new RssKey("eth2", sym), new RssKey("nosuch", sym)));
        assertEquals(List.of(new RssKey("eth0", HexFormat.ofDelimiter(":").parseHex(DEFAULT_40)), new RssKey("eth1", sym)), live);
        assertArrayEquals(sym, ((RssKey) live.get(1)).key());
        assertEquals(Kind.UNSUPPORTED, reader.problem("rss-key xa").orElseThrow().kind());
        assertTrue(reader.problem("rss-key xa").orElseThrow().detail().contains("Operation not supported"));
        assertEquals(Kind.UNSUPPORTED, reader.problem("rss-key eth2").orElseThrow().kind());
        assertEquals("the driver of eth2 reports no RSS hash key", reader.problem("rss-key eth2").orElseThrow().detail());
        assertEquals(Kind.NO_SUCH_DEVICE, reader.problem("rss-key nosuch").orElseThrow().kind());
    }

    @Test
    void oneSnapshotAsksEachDeviceOncePerKindAndKeepsTheFirstOfAnId() {
        FakeHost host = new FakeHost().on("ethtool -l eth0", IXGBE_L).on("ethtool -x eth0", IXGBE_X).file(SYS_2M, "0\n");
        TuningReader reader = new TuningReader(host);
        List<TuningSetting> live = reader.read(List.of(new QueueCount("eth0", 4), new RssKey("eth0", Tuning.symmetricKey(40)),
                new QueueCount("eth0", 8), new Hugepages(2048, OptionalInt.empty(), 4), new Hugepages(2048, OptionalInt.empty(), 8)));
        assertEquals(List.of("queues eth0", "rss-key eth0", "hugepages 2048kB"), live.stream().map(TuningSetting::id).toList());
        assertEquals(List.of("ethtool -l eth0", "ethtool -x eth0"), host.ran);
    }

    @Test
    void problemsBelongToTheLastRead() {
        FakeHost host = new FakeHost().fails("ethtool -l lo", LO_L_STDERR).file(SYS_2M, "0\n");
        TuningReader reader = new TuningReader(host);
        reader.read(List.of(new QueueCount("lo", 1)));
        assertEquals(1, reader.problems().size());
        reader.read(List.of(new Hugepages(2048, OptionalInt.empty(), 1)));
        assertEquals(List.of(), reader.problems());
        assertEquals(Optional.empty(), reader.problem("queues lo"));
    }

    @Test
    void classifiesEthtoolErrors() {
        assertEquals(Kind.NO_SUCH_DEVICE, TuningReader.classify("netlink error: No such device"));
        assertEquals(Kind.UNSUPPORTED, TuningReader.classify(VETH_X_STDERR));
        assertEquals(Kind.FAILED, TuningReader.classify("netlink error: Device or resource busy"));
    }
}
