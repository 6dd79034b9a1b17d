package io.xdprecon.tests.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.tests.packets.Mac;

import org.junit.jupiter.api.Test;

class StaticFibTest {
    private static final Mac OUT_MAC = Mac.parse("02:00:00:00:00:03");
    private static final Mac HOST_MAC = Mac.parse("02:00:00:00:01:02");
    private static final Mac GATEWAY_MAC = Mac.parse("02:00:00:00:01:01");

    private static final StaticFib FIB = StaticFib.builder()
            .iface(2, Mac.parse("02:00:00:00:00:02"), 1500)
            .iface(3, OUT_MAC, 1400)
            .ifaceWithoutForwarding(5, Mac.parse("02:00:00:00:00:05"), 1500)
            .local("10.0.0.1/32")
            .connected("10.77.1.0/24", 3).neighbour(3, "10.77.1.2", HOST_MAC)
            .via("10.77.1.128/25", 3, "10.77.1.1").neighbour(3, "10.77.1.1", GATEWAY_MAC)
            .blackhole("10.77.5.0/24")
            .unreachable("10.77.6.0/24")
            .prohibit("10.77.7.0/24")
            .encapsulated("10.77.8.0/24", 3)
            .build();

    private static FibCode code(String dst, int totLen) {
        return FIB.lookup(2, Ipv4.parse("10.0.0.1"), Ipv4.parse(dst), totLen, 0).code();
    }

    @Test
    void resolvedNeighbourIsSuccessWithTheEgressMacs() {
        FibResult result = FIB.lookup(2, Ipv4.parse("10.0.0.1"), Ipv4.parse("10.77.1.2"), 100, 0);
        assertEquals(FibResult.success(3, OUT_MAC, HOST_MAC), result);
    }

    @Test
    void longestPrefixWinsAndAGatewayIsTheNeighbour() {
        assertEquals(FibResult.success(3, OUT_MAC, GATEWAY_MAC), FIB.lookup(2, 0, Ipv4.parse("10.77.1.200"), 100, 0));
        assertEquals(FibCode.NO_NEIGH, code("10.77.1.3", 100), "on the link, 10.77.1.3 has no neighbour entry");
    }

    @Test
    void everyFailureCode() {
        assertEquals(FibCode.BLACKHOLE, code("10.77.5.1", 100));
        assertEquals(FibCode.UNREACHABLE, code("10.77.6.1", 100));
        assertEquals(FibCode.PROHIBIT, code("10.77.7.1", 100));
        assertEquals(FibCode.UNSUPP_LWT, code("10.77.8.1", 100));
        assertEquals(FibCode.NOT_FWDED, code("10.0.0.1", 100), "a local address is not forwarded");
        assertEquals(FibCode.NOT_FWDED, code("192.0.2.1", 100), "no route");
        assertEquals(FibCode.FWD_DISABLED, FIB.lookup(5, 0, Ipv4.parse("10.77.1.2"), 100, 0).code());
    }

    @Test
    void mtuIsCheckedBeforeTheNeighbour() {
        assertEquals(FibCode.SUCCESS, code("10.77.1.2", 1400));
        assertEquals(FibCode.FRAG_NEEDED, code("10.77.1.2", 1401));
        assertEquals(FibCode.FRAG_NEEDED, code("10.77.1.3", 1401), "before NO_NEIGH");
    }

    @Test
    void unknownIngressIsAMistakeInTheTest() {
        assertThrows(IllegalArgumentException.class, () -> FIB.lookup(9, 0, 0, 100, 0));
    }

    @Test
    void codesMatchTheKernel() {
        assertEquals(8, FibCode.FRAG_NEEDED.code());
        assertEquals(FibCode.NO_NEIGH, FibCode.ofCode(7));
        assertEquals(4, XdpAction.REDIRECT.code());
        assertEquals(XdpAction.ABORTED, XdpAction.ofCode(0));
    }
}
