package io.xdprecon.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import io.xdprecon.dataplane.dpdk.Payload;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionTableTest {
    static final int LISTEN_IF = 4;
    static final int EGRESS_IF = 5;
    static final int VIP = Ipv4.parse("10.0.0.1");
    static final int EGRESS = Ipv4.parse("10.1.0.1");
    static final long S = 1_000_000_000L;

    /** A rules map with a capacity and counters the test sets. */
    static final class FakeMap implements RuleSink, CounterSource {
        final Map<FlowKey, FlowRule> rules = new HashMap<>();
        final Map<FlowKey, Long> packets = new HashMap<>();
        int capacity = Integer.MAX_VALUE;

        @Override
        public boolean put(FlowKey key, FlowRule rule) {
            if (!rules.containsKey(key) && rules.size() >= capacity) {
                return false;
            }
            rules.put(key, rule);
            return true;
        }

        @Override
        public boolean remove(FlowKey key) {
            packets.remove(key);
            return rules.remove(key) != null;
        }

        @Override
        public long packets(FlowKey rule) {
            return packets.getOrDefault(rule, 0L);
        }

        void hit(FlowKey key, long n) {
            assertTrue(rules.containsKey(key), "no rule for " + key);
            packets.merge(key, n, Long::sum);
        }
    }

    static SessionService service(int ports, Endpoint... backends) {
        return new SessionService("relay", LISTEN_IF, VIP, 3478, EGRESS_IF, EGRESS, new PortRange(40000, 40000 + ports - 1),
                List.of(backends), Duration.ofSeconds(30));
    }

    static final Endpoint B1 = Endpoint.of("10.2.0.1", 7000);
    static final Endpoint B2 = Endpoint.of("10.2.0.2", 7000);

    final FakeMap map = new FakeMap();

    static int client(int i) {
        return Ipv4.parse("198.51.100.1") + i;
    }

    @Test
    void firstPacketCreatesASessionWithBothRulesDerivedLikeAStaticFlow() {
        SessionTable t = new SessionTable(List.of(service(100, B1, B2)), map, map);
        int c = client(0);
        FlowKey rewrite = t.route(LISTEN_IF, c, VIP, 5555, 3478, 0);
        Session s = t.get(new SessionKey("relay", c, 5555));
        assertNotNull(s);
        Endpoint b = s.backend();
        int port = s.egressPort();
        assertEquals(new FlowKey(EGRESS_IF, EGRESS, b.address(), port, b.port()), rewrite);
        assertEquals(new FlowRule(rewrite, Owner.SESSION), map.rules.get(new FlowKey(LISTEN_IF, c, VIP, 5555, 3478)));
        assertEquals(new FlowRule(new FlowKey(LISTEN_IF, VIP, c, 3478, 5555), Owner.SESSION),
                map.rules.get(new FlowKey(EGRESS_IF, b.address(), EGRESS, b.port(), port)));
        assertEquals(2, map.rules.size());
        assertTrue(s.installed());
        // a second packet before the rule lands is forwarded the same way, creating nothing
        assertEquals(rewrite, t.route(LISTEN_IF, c, VIP, 5555, 3478, 1));
        // a reply that reaches userspace goes back to the client
        assertEquals(new FlowKey(LISTEN_IF, VIP, c, 3478, 5555), t.route(EGRESS_IF, b.address(), EGRESS, b.port(), port, 2));
        SessionTable.Stats st = t.stats();
        assertEquals(1, st.get(SessionTable.Counter.CREATED));
        assertEquals(3, st.get(SessionTable.Counter.SLOW_PATH_PACKETS));
        assertEquals(1, t.portsInUse("relay"));
    }

    @Test
    void anythingElseIsUnmatchedAndGetsNoRewrite() {
        SessionTable t = new SessionTable(List.of(service(100, B1)), map, map);
        assertNull(t.route(LISTEN_IF, client(0), VIP, 5555, 3479, 0), "other port");
        assertNull(t.route(LISTEN_IF, client(0), VIP + 1, 5555, 3478, 0), "other address");
        assertNull(t.route(EGRESS_IF, client(0), VIP, 5555, 3478, 0), "other interface");
        assertNull(t.route(EGRESS_IF, B1.address(), EGRESS, B1.port(), 40000, 0), "reply to no session");
        assertEquals(4, t.stats().get(SessionTable.Counter.UNMATCHED));
        assertTrue(map.rules.isEmpty());
    }

    @Test
    void distinctClientsOfABackendGetDistinctPortsAndKeepTheirBackend() {
        SessionTable t = new SessionTable(List.of(service(100, B1, B2)), map, map);
        for (int i = 0; i < 50; i++) {
            t.route(LISTEN_IF, client(i), VIP, 5000 + i, 3478, 0);
        }
        for (Endpoint b : List.of(B1, B2)) {
            List<Session> of = t.sessions().stream().filter(s -> s.backend().equals(b)).toList();
            assertEquals(of.size(), of.stream().map(Session::egressPort).distinct().count(), "ports toward " + b);
        }
        assertEquals(50, t.sessions().stream().map(Session::reverseKey).distinct().count());
        assertEquals(100, map.rules.size());
        for (Session s : t.sessions()) {
            SessionKey k = s.key();
            assertEquals(s.backend(), List.of(B1, B2).get(Rendezvous.choose(List.of(B1, B2), k.clientIp(), k.clientPort())));
        }
        assertTrue(t.sessions().stream().map(Session::backend).distinct().count() == 2, "both backends used");
    }

    @Test
    void idleSessionsExpireFromCountersAndTheirPortsAreReused() {
        SessionTable t = new SessionTable(List.of(service(2, B1)), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        t.route(LISTEN_IF, client(1), VIP, 5001, 3478, 0);
        Session busy = t.get(new SessionKey("relay", client(0), 5000));
        Session quiet = t.get(new SessionKey("relay", client(1), 5001));
        assertNull(t.route(LISTEN_IF, client(2), VIP, 5002, 3478, 0), "pool of 2 is full");
        assertEquals(1, t.stats().get(SessionTable.Counter.POOL_EXHAUSTED));
        assertEquals(0, t.sweep(1 * S));
        for (long now = 2 * S; now <= 40 * S; now += S) {
            map.hit(busy.forwardKey(), 3);
            map.hit(busy.reverseKey(), 3);
            t.sweep(now);
        }
        assertNull(t.get(quiet.key()), "quiet expired");
        assertFalse(map.rules.containsKey(quiet.forwardKey()));
        assertFalse(map.rules.containsKey(quiet.reverseKey()));
        assertNotNull(t.get(busy.key()), "busy lives on counters alone");
        assertEquals(1, t.stats().get(SessionTable.Counter.EXPIRED));
        assertNotNull(t.route(LISTEN_IF, client(2), VIP, 5002, 3478, 41 * S));
        assertEquals(quiet.egressPort(), t.get(new SessionKey("relay", client(2), 5002)).egressPort(), "port reused");
        // the busy one goes 30 s after its counters stop
        assertEquals(0, t.sweep(60 * S));
        assertEquals(1, t.sweep(70 * S));
        assertNull(t.get(busy.key()));
    }

    @Test
    void aFullMapKeepsTheSessionOnTheSlowPathUntilRoomAppears() {
        map.capacity = 3;
        SessionTable t = new SessionTable(List.of(service(10, B1)), map, map);
        FlowKey r0 = t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        FlowKey r1 = t.route(LISTEN_IF, client(1), VIP, 5001, 3478, 0);
        assertNotNull(r0);
        assertNotNull(r1, "refused by the map, still forwarded");
        Session slow = t.get(new SessionKey("relay", client(1), 5001));
        assertFalse(slow.installed());
        assertEquals(2, map.rules.size(), "no half pair left behind");
        assertEquals(1, t.stats().get(SessionTable.Counter.MAP_REFUSED));
        assertEquals(1, t.stats().slowPathSessions());
        assertEquals(r1, t.route(LISTEN_IF, client(1), VIP, 5001, 3478, 1), "later packets too");
        assertEquals(slow.reverseRule().rewrite(),
                t.route(EGRESS_IF, B1.address(), EGRESS, B1.port(), slow.egressPort(), 1), "and replies");
        // a full map is asked again at most once per RETRY_NANOS, not per session per sweep
        t.sweep(S / 10);
        t.sweep(S / 5);
        assertEquals(1, t.stats().get(SessionTable.Counter.MAP_REFUSED));
        t.sweep(3 * S / 2);
        assertEquals(2, t.stats().get(SessionTable.Counter.MAP_REFUSED));
        map.capacity = 4;
        t.sweep(8 * S / 5);
        assertFalse(slow.installed(), "not retried within a second");
        t.sweep(3 * S);
        assertTrue(slow.installed());
        assertEquals(4, map.rules.size());
        assertEquals(0, t.stats().slowPathSessions());
    }

    @Test
    void rebindingMovesTheForwardRuleAndRetargetsTheReverseInPlace() {
        SessionTable t = new SessionTable(List.of(service(10, B1)), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        SessionKey old = new SessionKey("relay", client(0), 5000);
        Session s = t.get(old);
        FlowKey oldForward = s.forwardKey();
        map.hit(s.reverseKey(), 7);
        assertTrue(t.rebind(old, client(9), 6000));
        assertNull(t.get(old));
        assertTrue(t.get(new SessionKey("relay", client(9), 6000)) == s);
        assertFalse(map.rules.containsKey(oldForward));
        assertEquals(s.forwardRule(), map.rules.get(new FlowKey(LISTEN_IF, client(9), VIP, 6000, 3478)));
        assertEquals(new FlowRule(new FlowKey(LISTEN_IF, VIP, client(9), 3478, 6000), Owner.SESSION),
                map.rules.get(s.reverseKey()));
        assertEquals(7, map.packets(s.reverseKey()), "reverse counters kept");
        assertEquals(2, map.rules.size());
        assertEquals(1, t.portsInUse("relay"), "same port");
        assertFalse(t.rebind(old, client(1), 1), "gone");
        assertEquals(1, t.stats().get(SessionTable.Counter.REBOUND));
        // packets from the new address are the session's, both ways, creating nothing
        assertEquals(s.forwardRule().rewrite(), t.route(LISTEN_IF, client(9), VIP, 6000, 3478, 1));
        assertEquals(new FlowKey(LISTEN_IF, VIP, client(9), 3478, 6000),
                t.route(EGRESS_IF, B1.address(), EGRESS, B1.port(), s.egressPort(), 1));
        assertEquals(1, t.stats().get(SessionTable.Counter.CREATED));
    }

    @Test
    void adoptionTakesBackConsistentPairsAndRemovesOrphans() {
        SessionTable before = new SessionTable(List.of(service(10, B1, B2)), map, map);
        for (int i = 0; i < 5; i++) {
            before.route(LISTEN_IF, client(i), VIP, 5000 + i, 3478, 0);
        }
        FlowKey config = FlowKey.of(9, "1.1.1.1", 1, "2.2.2.2", 2);
        map.rules.put(config, new FlowRule(FlowKey.of(9, "2.2.2.2", 1, "3.3.3.3", 2), Owner.CONFIG));
        Session broken = before.get(new SessionKey("relay", client(4), 5004));
        map.rules.remove(broken.reverseKey()); // half a pair, as after a crash between the two writes
        FlowKey foreign = FlowKey.of(LISTEN_IF, "7.7.7.7", 1, "10.0.0.99", 3478); // a removed service's
        map.rules.put(foreign, new FlowRule(FlowKey.of(EGRESS_IF, "10.1.0.1", 40001, "10.2.0.1", 7000), Owner.SESSION));

        SessionTable after = new SessionTable(List.of(service(10, B1, B2)), map, map);
        SessionTable.Adoption a = after.adopt(Map.copyOf(map.rules), 100 * S);
        assertEquals(4, a.adopted());
        assertEquals(2, a.orphans().size());
        assertTrue(map.rules.containsKey(config), "config rules untouched");
        assertEquals(9, map.rules.size());
        for (int i = 0; i < 4; i++) {
            Session was = before.get(new SessionKey("relay", client(i), 5000 + i));
            Session now = after.get(was.key());
            assertEquals(was.backend(), now.backend());
            assertEquals(was.egressPort(), now.egressPort());
            assertTrue(now.adopted() && now.installed());
            assertTrue(after.pool("relay", now.backend()).isUsed(now.egressPort()));
        }
        assertEquals(4, after.portsInUse("relay"));
        // adopted sessions expire like any other, from when they were adopted
        assertEquals(0, after.sweep(110 * S));
        assertEquals(4, after.sweep(131 * S));
        assertEquals(1, map.rules.size());
    }

    @Test
    void noBackendIsCountedAndInstallsNothing() {
        SessionTable t = new SessionTable(List.of(service(10)), map, map);
        assertNull(t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0));
        assertEquals(1, t.stats().get(SessionTable.Counter.NO_BACKEND));
        assertEquals(0, t.portsInUse("relay"));
        assertTrue(map.rules.isEmpty());
    }

    /** A UDP payload from bytes. */
    static Payload payload(int... bytes) {
        return new Payload() {
            @Override
            public int length() {
                return bytes.length;
            }

            @Override
            public int byteAt(int offset) {
                return bytes[offset] & 0xff;
            }
        };
    }

    @Test
    void portsAreUniquePerBackendAndAFullBackendSpillsToTheNextInTheClientsOrder() {
        List<Endpoint> backends = List.of(B1, B2);
        SessionTable t = new SessionTable(List.of(service(2, B1, B2)), map, map);
        int expectSpilled = 0;
        int[] first = new int[2];
        for (int i = 0; i < 4; i++) {
            assertNotNull(t.route(LISTEN_IF, client(i), VIP, 5000, 3478, 0), "2 ports x 2 backends hold 4 sessions");
            int choice = Rendezvous.choose(backends, client(i), 5000);
            expectSpilled += first[choice]++ >= 2 ? 1 : 0;
        }
        assertEquals(4, t.portsInUse("relay"));
        assertEquals(2, t.pool("relay", B1).inUse());
        assertEquals(2, t.pool("relay", B2).inUse());
        // the same egress port toward two backends: the reply rules' keys still differ by backend
        assertEquals(2, t.sessions().stream().map(Session::egressPort).distinct().count());
        assertEquals(4, t.sessions().stream().map(Session::reverseKey).distinct().count());
        long onOther = t.sessions().stream()
                .filter(s -> !s.backend().equals(backends.get(Rendezvous.choose(backends, s.key().clientIp(), s.key().clientPort()))))
                .count();
        assertEquals(expectSpilled, onOther, "a session leaves its backend only when that one is full");
        assertEquals(expectSpilled, t.stats().get(SessionTable.Counter.SPILLED));
        // no backend has a port: the packet cannot get a reply path, so it is dropped, counted by reason
        assertNull(t.route(LISTEN_IF, client(9), VIP, 5000, 3478, 0));
        SessionTable.Stats st = t.stats();
        assertEquals(1, st.get(SessionTable.Counter.POOL_EXHAUSTED));
        assertEquals(4, st.get(SessionTable.Counter.CREATED));
        assertEquals(8, map.rules.size());
    }

    static SessionService identified(int ports, Endpoint... backends) {
        return service(ports, backends).withIdentity(new SessionIdentity(2, 4));
    }

    @Test
    void aKnownIdentityFromANewAddressMovesItsSessionThere() {
        SessionTable t = new SessionTable(List.of(identified(10, B1, B2)), map, map);
        Payload call = payload(0x80, 0, 0xde, 0xad, 0xbe, 0xef, 1);
        FlowKey rewrite = t.route(LISTEN_IF, client(0), VIP, 5000, 3478, call, 0);
        Session s = t.get(new SessionKey("relay", client(0), 5000));
        assertTrue(s.identified());
        assertEquals(0xdeadbeefL, s.identity());
        FlowKey oldForward = s.forwardKey();
        FlowKey reverse = s.reverseKey();
        map.hit(reverse, 5);
        // the NAT rebinds: same identity, new address and port
        assertEquals(rewrite, t.route(LISTEN_IF, client(7), VIP, 6000, 3478, call, 1), "same backend, same egress port");
        assertTrue(t.get(new SessionKey("relay", client(7), 6000)) == s);
        assertNull(t.get(new SessionKey("relay", client(0), 5000)));
        assertFalse(map.rules.containsKey(oldForward));
        assertEquals(s.forwardRule(), map.rules.get(new FlowKey(LISTEN_IF, client(7), VIP, 6000, 3478)));
        assertEquals(new FlowRule(new FlowKey(LISTEN_IF, VIP, client(7), 3478, 6000), Owner.SESSION), map.rules.get(reverse));
        assertEquals(5, map.packets(reverse), "the reply rule is replaced in place: its counters stay");
        assertEquals(2, map.rules.size());
        SessionTable.Stats st = t.stats();
        assertEquals(1, st.get(SessionTable.Counter.CREATED));
        assertEquals(1, st.get(SessionTable.Counter.REBOUND));
        assertEquals(1, t.portsInUse("relay"));
        // another identity from another address is another session; a payload too short for one starts an ordinary one
        t.route(LISTEN_IF, client(8), VIP, 6000, 3478, payload(0x80, 0, 0, 0, 0, 1), 2);
        t.route(LISTEN_IF, client(9), VIP, 6000, 3478, payload(0x80, 0, 0xde), 2);
        st = t.stats();
        assertEquals(3, st.get(SessionTable.Counter.CREATED));
        assertEquals(1, st.get(SessionTable.Counter.UNIDENTIFIED));
        assertEquals(1, st.get(SessionTable.Counter.REBOUND));
        // once the session expires its identity is free: the same identity later is a new session
        for (long now = 10 * S; now <= 60 * S; now += 10 * S) {
            t.sweep(now);
        }
        assertEquals(0, t.sessions().size());
        t.route(LISTEN_IF, client(7), VIP, 6001, 3478, call, 61 * S);
        assertEquals(4, t.stats().get(SessionTable.Counter.CREATED));
        assertEquals(1, t.stats().get(SessionTable.Counter.REBOUND));
    }

    @Test
    void withoutAnIdentityANewAddressIsANewSession() {
        SessionTable t = new SessionTable(List.of(service(10, B1)), map, map);
        Payload call = payload(0x80, 0, 0xde, 0xad, 0xbe, 0xef, 1);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, call, 0);
        t.route(LISTEN_IF, client(7), VIP, 6000, 3478, call, 1);
        assertEquals(2, t.stats().get(SessionTable.Counter.CREATED));
        assertEquals(0, t.stats().get(SessionTable.Counter.REBOUND));
        assertEquals(4, map.rules.size());
    }

    static final Endpoint B3 = Endpoint.of("10.2.0.3", 7000);

    /** 60 sessions over B1, B2, B3; then B2 leaves under {@code policy}. Returns the table. */
    SessionTable removeB2(Service.OnBackendRemoval policy, Map<SessionKey, Endpoint> before) {
        SessionService three = service(100, B1, B2, B3);
        SessionTable t = new SessionTable(List.of(three), map, map);
        for (int i = 0; i < 60; i++) {
            t.route(LISTEN_IF, client(i), VIP, 5000, 3478, 0);
        }
        t.sessions().forEach(s -> before.put(s.key(), s.backend()));
        assertTrue(before.containsValue(B2));
        SessionService two = new SessionService("relay", LISTEN_IF, new IpAddress.V4(VIP), 3478, EGRESS_IF,
                new IpAddress.V4(EGRESS), three.ports(),
                List.of(B1, B3), Duration.ofSeconds(30), java.util.Optional.empty(), policy);
        t.update(List.of(two));
        return t;
    }

    @Test
    void aRemovedBackendDrainsByDefault() {
        Map<SessionKey, Endpoint> before = new HashMap<>();
        SessionTable t = removeB2(Service.OnBackendRemoval.DRAIN, before);
        long onB2 = before.values().stream().filter(B2::equals).count();
        Map<FlowKey, FlowRule> rules = Map.copyOf(map.rules);
        for (Session s : t.sessions()) {
            assertEquals(before.get(s.key()), s.backend(), "nobody moves");
        }
        assertEquals(rules, map.rules, "no rule written");
        SessionTable.Stats st = t.stats();
        assertEquals(onB2, st.draining());
        assertEquals(0, st.get(SessionTable.Counter.MOVED));
        // new sessions avoid the removed backend; the drained ones go when idle and free B2's ports
        for (int i = 100; i < 140; i++) {
            t.route(LISTEN_IF, client(i), VIP, 5000, 3478, 1);
            assertNotEquals(B2, t.get(new SessionKey("relay", client(i), 5000)).backend());
        }
        t.sweep(40 * S);
        t.sweep(80 * S);
        assertEquals(0, t.pool("relay", B2).inUse());
        assertEquals(0, t.stats().draining());
    }

    @Test
    void aRemovedBackendsSessionsMoveByRendezvousAndOnlyThey() {
        Map<SessionKey, Endpoint> before = new HashMap<>();
        SessionTable t = removeB2(Service.OnBackendRemoval.MOVE, before);
        long onB2 = before.values().stream().filter(B2::equals).count();
        assertEquals(onB2, t.stats().get(SessionTable.Counter.MOVED));
        assertEquals(0, t.stats().draining());
        for (Session s : t.sessions()) {
            Endpoint was = before.get(s.key());
            if (was.equals(B2)) {
                assertEquals(List.of(B1, B3).get(Rendezvous.choose(List.of(B1, B3), s.key().clientIp(), s.key().clientPort())),
                        s.backend(), "re-picked by rendezvous over the remaining backends");
            } else {
                assertEquals(was, s.backend(), "a client of a remaining backend stays");
            }
            // both rules now lead to the current backend, and nothing is left toward B2
            assertEquals(s.forwardRule(), map.rules.get(s.forwardKey()));
            assertEquals(s.reverseRule(), map.rules.get(s.reverseKey()));
            assertTrue(t.pool("relay", s.backend()).isUsed(s.egressPort()));
        }
        assertEquals(120, map.rules.size());
        assertTrue(map.rules.keySet().stream().noneMatch(k -> k.srcIp() == B2.address()), "no reply rule from B2 left");
        assertEquals(0, t.pool("relay", B2).inUse(), "B2's ports released");
        // replies from the new backend reach the client through the table too
        Session s = t.sessions().stream().filter(x -> before.get(x.key()).equals(B2)).findFirst().orElseThrow();
        assertEquals(s.reverseRule().rewrite(),
                t.route(EGRESS_IF, s.backend().address(), EGRESS, s.backend().port(), s.egressPort(), 2));
        assertNull(t.route(EGRESS_IF, B2.address(), EGRESS, B2.port(), 40000, 2), "the old reply path is gone");
    }

    @Test
    void aServiceThatIsGoneOrMovedItsListenLosesItsSessions() {
        SessionTable t = new SessionTable(List.of(service(10, B1)), map, map);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 0);
        SessionService elsewhere = new SessionService("relay", LISTEN_IF, VIP, 3479, EGRESS_IF, EGRESS,
                new PortRange(40000, 40009), List.of(B1), Duration.ofSeconds(30));
        t.update(List.of(elsewhere));
        assertEquals(0, t.sessions().size());
        assertTrue(map.rules.isEmpty());
        assertEquals(1, t.stats().get(SessionTable.Counter.RETIRED));
        // the service at its new port works, and its old port is no longer a service
        assertNotNull(t.route(LISTEN_IF, client(0), VIP, 5000, 3479, 1));
        assertNull(t.route(LISTEN_IF, client(0), VIP, 5000, 3478, 1));
        t.update(List.of());
        assertEquals(0, t.sessions().size());
        assertEquals(2, t.stats().get(SessionTable.Counter.RETIRED));
    }

    @Test
    void anIdentityReadElsewhereByANewConfigForgetsTheOldValues() {
        SessionService first = identified(10, B1);
        SessionTable t = new SessionTable(List.of(first), map, map);
        Payload call = payload(0x80, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4);
        t.route(LISTEN_IF, client(0), VIP, 5000, 3478, call, 0);
        t.update(List.of(first.withIdentity(new SessionIdentity(6, 4))));
        Session s = t.get(new SessionKey("relay", client(0), 5000));
        assertFalse(s.identified());
        // the old identity's bytes from a new address no longer name the session: a new one
        t.route(LISTEN_IF, client(7), VIP, 6000, 3478, call, 1);
        assertEquals(2, t.stats().get(SessionTable.Counter.CREATED));
        assertEquals(0, t.stats().get(SessionTable.Counter.REBOUND));
        assertTrue(t.get(new SessionKey("relay", client(7), 6000)).identified());
        // the same config again changes nothing
        t.update(List.of(first.withIdentity(new SessionIdentity(6, 4))));
        assertTrue(t.get(new SessionKey("relay", client(7), 6000)).identified());
    }
}
