package io.xdprecon.daemon.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.dataplane.link.Ipv6Neighbours;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EAL arguments from the config, and the kernel neighbour table as the slow path reads it. */
class DpdkLoopSettingsTest {
    @TempDir
    Path dir;

    @Test
    void ealGetsOneVdevPerServiceDeviceHugePagesOnlyWhenTheNodeHasThem() {
        Config config = ConfigLoader.load(Path.of("../examples/flows.yaml"));
        List<String> devices = DpdkLoop.Settings.devicesOf(config.services("edge-1"));
        assertEquals(List.of("ens5", "ens6"), devices, "listen and egress devices, once each, in config order");
        Path object = Path.of("/tmp/xdp_fwd.o");
        List<String> noHuge = new DpdkLoop.Settings(devices, false, 256, 1024, IcmpEcho.Policy.ANSWER).ealArgs(object);
        assertTrue(noHuge.containsAll(List.of("--no-huge", "--no-shconf")), noHuge.toString());
        assertEquals("xdprecon-" + ProcessHandle.current().pid(), noHuge.get(noHuge.indexOf("--file-prefix") + 1));
        assertEquals(List.of("net_af_xdp0,iface=ens5,start_queue=0,queue_count=1,busy_budget=0,xdp_prog=/tmp/xdp_fwd.o",
                "net_af_xdp1,iface=ens6,start_queue=0,queue_count=1,busy_budget=0,xdp_prog=/tmp/xdp_fwd.o"),
                noHuge.stream().filter(a -> a.startsWith("net_af_xdp")).toList());
        List<String> huge = new DpdkLoop.Settings(devices, true, 256, 1024, IcmpEcho.Policy.ANSWER).ealArgs(object);
        assertFalse(huge.contains("--no-huge"), huge.toString());
        assertTrue(huge.contains("--in-memory"), huge.toString());
        assertThrows(IllegalArgumentException.class,
                () -> new DpdkLoop.Settings(List.of(), false, 256, 1024, IcmpEcho.Policy.ANSWER));
    }

    @Test
    void neighboursAreTheCompleteEntriesOfTheArpTable() throws Exception {
        Path arp = dir.resolve("arp");
        Files.writeString(arp, """
                IP address       HW type     Flags       HW address            Mask     Device
                10.211.0.3       0x1         0x6         02:78:72:00:01:02     *        dp0
                10.211.0.9       0x1         0x0         00:00:00:00:00:00     *        dp0
                10.211.0.2       0x1         0x2         0a:0b:0c:0d:0e:0f     *        dp0
                """);
        IpAddress.V6 router6 = new IpAddress.V6(0x20010db8_00020000L, 1);
        Neighbours n = new Neighbours(arp, () -> List.of(new Ipv6Neighbours.Entry(router6, 0x027872000106L)));
        n.refresh();
        assertEquals(2, n.size());
        assertEquals(1, n.size6());
        assertEquals(0x027872000106L, n.mac6(router6.high(), router6.low()));
        assertEquals(-1, n.mac6(router6.high(), 2));
        assertEquals(0x027872000102L, n.mac(Ipv4.parse("10.211.0.3")));
        assertEquals(0x0a0b0c0d0e0fL, n.mac(Ipv4.parse("10.211.0.2")));
        assertEquals(-1, n.mac(Ipv4.parse("10.211.0.9")), "an incomplete entry has no MAC yet");
    }
}
