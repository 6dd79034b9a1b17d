package io.xdprecon.tuning;

import static io.xdprecon.tuning.EthtoolFixtures.*;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.state.TuningSetting.Hugepages;
import io.xdprecon.state.TuningSetting.QueueCount;
import io.xdprecon.state.TuningSetting.RssKey;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TuningApplierTest {
    private static final String SYS_2M = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
    private static final String NODE1_2M = "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages";
    private static final String SYM_40 = EthtoolRss.format(Tuning.symmetricKey(40));

    @Test
    void hugepagesWriteTheCountAndReadItBack() {
        FakeHost host = new FakeHost().file(SYS_2M, "0\n").file(NODE1_2M, "0\n");
        TuningApplier applier = new TuningApplier(host);
        applier.apply(new Hugepages(2048, OptionalInt.empty(), 2));
        applier.apply(new Hugepages(2048, OptionalInt.of(1), 8));
        assertEquals("2\n", host.files.get(Path.of(SYS_2M)));
        assertEquals("8\n", host.files.get(Path.of(NODE1_2M)));
        assertEquals(List.of("write 2 to " + SYS_2M, "write 8 to " + NODE1_2M), host.ran);
    }

    @Test
    void hugepagesAlreadyLiveWriteNothing() {
        FakeHost host = new FakeHost().file(SYS_2M, "4\n");
        new TuningApplier(host).apply(new Hugepages(2048, OptionalInt.empty(), 4));
        assertEquals(List.of(), host.ran);
    }

    @Test
    void fewerHugepagesThanAskedIsATypedFailureAndThePreviousCountIsPutBack() {
        FakeHost host = new FakeHost().file(SYS_2M, "0\n");
        host.grant = asked -> Math.min(asked, 300);
        Hugepages target = new Hugepages(2048, OptionalInt.empty(), 512);
        HugepagesShortfallException e = assertThrows(HugepagesShortfallException.class, () -> new TuningApplier(host).apply(target));
        assertEquals(512, e.asked());
        assertEquals(300, e.got());
        assertEquals(0, e.previous());
        assertSame(target, e.setting());
        assertEquals("write 512 to " + SYS_2M, e.command());
        assertEquals("hugepages 2048kB = 512: `write 512 to " + SYS_2M + "`: asked 512, got 300 (was 0): not enough free"
                + " contiguous memory for more pages of 2048 kB; put back to 0", e.getMessage());
        assertEquals("0\n", host.files.get(Path.of(SYS_2M)), "the 300 pages the kernel granted are given back");
        assertEquals(List.of("write 512 to " + SYS_2M, "write 0 to " + SYS_2M), host.ran);
    }

    @Test
    void aPageSizeTheNodeLacksFailsWithoutWriting() {
        FakeHost host = new FakeHost().file(SYS_2M, "0\n");
        TuningException e = assertThrows(TuningException.class,
                () -> new TuningApplier(host).apply(new Hugepages(4096, OptionalInt.empty(), 1)));
        assertTrue(e.getMessage().contains("no 4096 kB huge pages on this node (sizes: 2048 kB"), e.getMessage());
        assertEquals(List.of(), host.ran);
    }

    @Test
    void vethQueuesAreSetAsRxAndTx() {
        FakeHost host = new FakeHost().on("ethtool -l xa", VETH_L_4, VETH_L_2).on("ethtool -L xa rx 2 tx 2", "");
        new TuningApplier(host).apply(new QueueCount("xa", 2));
        assertEquals(List.of("ethtool -l xa", "ethtool -L xa rx 2 tx 2", "ethtool -l xa"), host.ran);
    }

    @Test
    void nicQueuesAreSetAsCombined() {
        String ixgbeAt4 = IXGBE_L.replace("Combined:\t8", "Combined:\t4");
        FakeHost host = new FakeHost().on("ethtool -l eth0", IXGBE_L, ixgbeAt4).on("ethtool -L eth0 combined 4", "");
        new TuningApplier(host).apply(new QueueCount("eth0", 4));
        assertEquals(List.of("ethtool -l eth0", "ethtool -L eth0 combined 4", "ethtool -l eth0"), host.ran);
    }

    @Test
    void queuesAlreadyLiveRunNoChange() {
        FakeHost host = new FakeHost().on("ethtool -l eth0", IXGBE_L);
        new TuningApplier(host).apply(new QueueCount("eth0", 8));
        assertEquals(List.of("ethtool -l eth0"), host.ran);
    }

    @Test
    void moreQueuesThanTheDeviceHasFailBeforeAnyChange() {
        FakeHost host = new FakeHost().on("ethtool -l xa", VETH_L_4);
        TuningException e = assertThrows(TuningException.class, () -> new TuningApplier(host).apply(new QueueCount("xa", 5)));
        assertEquals("queues xa = 5: `ethtool -L xa rx 5 tx 4`: the device supports at most 4 RX channels", e.getMessage());
        assertEquals(List.of("ethtool -l xa"), host.ran);
    }

    @Test
    void aFailingCommandNamesTheSettingTheCommandAndItsStderr() {
        FakeHost host = new FakeHost().on("ethtool -l xa", VETH_L_4)
                .fails("ethtool -L xa rx 2 tx 2", "netlink error: Device or resource busy");
        QueueCount target = new QueueCount("xa", 2);
        TuningException e = assertThrows(TuningException.class, () -> new TuningApplier(host).apply(target));
        assertSame(target, e.setting());
        assertEquals("ethtool -L xa rx 2 tx 2", e.command());
        assertEquals("exited with 1: netlink error: Device or resource busy", e.detail());
        assertEquals("queues xa = 2: `ethtool -L xa rx 2 tx 2`: exited with 1: netlink error: Device or resource busy", e.getMessage());
    }

    @Test
    void aDeviceWithoutChannelsOrAMissingOneFailsNamingIt() {
        FakeHost host = new FakeHost().fails("ethtool -l lo", LO_L_STDERR).fails("ethtool -l nosuch", NO_DEVICE_L_STDERR);
        TuningApplier applier = new TuningApplier(host);
        TuningException lo = assertThrows(TuningException.class, () -> applier.apply(new QueueCount("lo", 1)));
        assertTrue(lo.getMessage().startsWith("queues lo = 1: `ethtool -l lo`: exited with 1: netlink error: Operation not supported"),
                lo.getMessage());
        TuningException missing = assertThrows(TuningException.class, () -> applier.apply(new QueueCount("nosuch", 1)));
        assertTrue(missing.getMessage().contains("No such device"), missing.getMessage());
    }

    @Test
    void aQueueCountThatDoesNotStickIsReported() {
        FakeHost host = new FakeHost().on("ethtool -l xa", VETH_L_4).on("ethtool -L xa rx 2 tx 2", "");
        TuningException e = assertThrows(TuningException.class, () -> new TuningApplier(host).apply(new QueueCount("xa", 2)));
        assertTrue(e.getMessage().endsWith("succeeded, but `ethtool -l xa` now reports 4"), e.getMessage());
    }

    @Test
    void rssKeyIsSetWithHkeyAndReadBack() {
        FakeHost host = new FakeHost()
                .on("ethtool -x eth0", IXGBE_X, IXGBE_X.replace(DEFAULT_40, SYM_40))
                .on("ethtool -X eth0 hkey " + SYM_40, "");
        new TuningApplier(host).apply(new RssKey("eth0", Tuning.symmetricKey(40)));
        assertEquals(List.of("ethtool -x eth0", "ethtool -X eth0 hkey " + SYM_40, "ethtool -x eth0"), host.ran);
    }

    @Test
    void rssKeyAlreadyLiveRunsNoChange() {
        FakeHost host = new FakeHost().on("ethtool -x eth1", MLX5_X_SYMMETRIC);
        assertDoesNotThrow(() -> new TuningApplier(host).apply(new RssKey("eth1", Tuning.symmetricKey(40))));
        assertEquals(List.of("ethtool -x eth1"), host.ran);
    }

    @Test
    void rssKeyOfTheWrongLengthFailsBeforeAnyChange() {
        FakeHost host = new FakeHost().on("ethtool -x eth0", IXGBE_X);
        TuningException e = assertThrows(TuningException.class,
                () -> new TuningApplier(host).apply(new RssKey("eth0", Tuning.symmetricKey(52))));
        assertTrue(e.getMessage().endsWith("the device's key is 40 bytes, this one 52"), e.getMessage());
        assertEquals(List.of("ethtool -x eth0"), host.ran);
    }

    @Test
    void rssKeyOnADeviceWithoutRssFailsNamingTheCommandAndStderr() {
        FakeHost host = new FakeHost().fails("ethtool -x xa", VETH_X_STDERR).on("ethtool -x eth2", NO_KEY_X);
        TuningApplier applier = new TuningApplier(host);
        TuningException veth = assertThrows(TuningException.class, () -> applier.apply(new RssKey("xa", Tuning.symmetricKey(40))));
        assertEquals("ethtool -x xa", veth.command());
        assertTrue(veth.detail().contains("Operation not supported"), veth.detail());
        TuningException noKey = assertThrows(TuningException.class, () -> applier.apply(new RssKey("eth2", Tuning.symmetricKey(40))));
        assertTrue(noKey.getMessage().endsWith("the driver of eth2 reports no RSS hash key"), noKey.getMessage());
        assertInstanceOf(TuningException.class, noKey);
    }
}
