package io.xdprecon.dataplane.dpdk;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The version gate and the EAL arguments; no EAL is started (that is once per process: see the tests module). */
class EalTest {
    @Test
    void theInstalledLibrariesAre2211() {
        String version = Eal.version();
        assertTrue(version.startsWith("DPDK 22.11"), version);
        assertDoesNotThrow(() -> Eal.requireSupported(version));
    }

    @Test
    void onlyA2211ReleasePasses() {
        assertDoesNotThrow(() -> Eal.requireSupported("DPDK 22.11"));
        assertDoesNotThrow(() -> Eal.requireSupported("DPDK 22.11.11"));
        for (String other : List.of("DPDK 23.11.0", "DPDK 21.11.6", "DPDK 22.110", "DPDK 22.07.0", "")) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> Eal.requireSupported(other));
            assertTrue(e.getMessage().contains("rte_eth_fp_ops"), e.getMessage());
        }
    }

    @Test
    void afXdpArgumentsNameTheInterfaceTheQueueAndTheProgram() {
        List<String> args = Eal.afXdpArgs("dp0", "/tmp/x.o", 256);
        assertEquals(List.of("-l", "0", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
                "--file-prefix", "xdprecon-" + ProcessHandle.current().pid(), "--no-telemetry",
                "--vdev", "net_af_xdp0,iface=dp0,start_queue=0,queue_count=1,busy_budget=0,xdp_prog=/tmp/x.o"), args);
        assertEquals("net_af_xdp1,iface=eth9,start_queue=0,queue_count=1,busy_budget=0", Eal.afXdpVdev(1, "eth9", null));
    }

    @Test
    void rteStrerrorNamesErrnoValues() {
        assertEquals("Invalid argument", Rte.strerror(22));
    }
}
