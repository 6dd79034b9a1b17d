package io.xdprecon.sessions;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.dpdk.Payload;
import io.xdprecon.dataplane.maps.IpAddress;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Packets of known sessions that reach userspace (before their rules land, or with the map full) allocate nothing. */
class RouteAllocationTest {
    @Test
    void routingPacketsOfKnownSessionsAllocatesNothing() {
        SessionTableTest.FakeMap map = new SessionTableTest.FakeMap();
        SessionTable t = new SessionTable(List.of(SessionTableTest.service(1000, SessionTableTest.B1, SessionTableTest.B2)),
                map, map);
        int sessions = 500;
        for (int i = 0; i < sessions; i++) {
            assertNotNull(t.route(SessionTableTest.LISTEN_IF, SessionTableTest.client(i), SessionTableTest.VIP, 5000, 3478, 0));
        }
        Session[] all = t.sessions().toArray(Session[]::new);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = 0;
        int rounds = 400;
        for (int r = 0; r < rounds; r++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (Session s : all) {
                t.route(SessionTableTest.LISTEN_IF, s.key().clientIp(), SessionTableTest.VIP, s.key().clientPort(), 3478, 1);
                t.route(SessionTableTest.EGRESS_IF, s.backend().address(), SessionTableTest.EGRESS, s.backend().port(),
                        s.egressPort(), 1);
            }
            long used = threads.getCurrentThreadAllocatedBytes() - before;
            if (r >= rounds - 100) {
                bytes += used; // after warm-up: the last 100 rounds
            }
        }
        long packets = 100L * 2 * sessions;
        System.out.printf("RouteAllocationTest: %d bytes over %d packets of known sessions%n", bytes, packets);
        assertTrue(bytes < packets, bytes + " bytes allocated over " + packets + " packets");
    }

    @Test
    void routingIpv6PacketsOfKnownSessionsAllocatesNothing() {
        SessionTable6Test.FakeMaps maps = new SessionTable6Test.FakeMaps();
        maps.capacity6 = 0; // every session on the slow path: all its packets are routed here
        SessionTable t = new SessionTable(List.of(SessionTable6Test.service(1000, SessionTable6Test.B1, SessionTable6Test.B2)),
                maps, maps);
        int sessions = 500;
        for (int i = 0; i < sessions; i++) {
            assertNotNull(SessionTable6Test.route(t, SessionTable6Test.client(i), 5000, 0));
        }
        Session[] all = t.sessions().toArray(Session[]::new);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = 0;
        int rounds = 400;
        IpAddress.V6 vip = SessionTable6Test.VIP;
        IpAddress.V6 egress = SessionTable6Test.EGRESS;
        for (int r = 0; r < rounds; r++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (Session s : all) {
                IpAddress.V6 c = (IpAddress.V6) s.key().client();
                IpAddress.V6 b = (IpAddress.V6) s.backend().ip();
                t.route6(SessionTableTest.LISTEN_IF, c.high(), c.low(), vip.high(), vip.low(), s.key().clientPort(), 3478,
                        Payload.EMPTY, 1);
                t.route6(SessionTableTest.EGRESS_IF, b.high(), b.low(), egress.high(), egress.low(), s.backend().port(),
                        s.egressPort(), Payload.EMPTY, 1);
            }
            long used = threads.getCurrentThreadAllocatedBytes() - before;
            if (r >= rounds - 100) {
                bytes += used;
            }
        }
        long packets = 100L * 2 * sessions;
        System.out.printf("RouteAllocationTest (IPv6): %d bytes over %d packets of known sessions%n", bytes, packets);
        assertTrue(bytes < packets, bytes + " bytes allocated over " + packets + " packets");
    }
}
