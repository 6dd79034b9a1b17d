package io.xdprecon.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import io.xdprecon.dataplane.dpdk.Payload;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * IPv6 sessions in the session table, the IPv4 cases of {@link SessionTableTest} again for IPv6 clients and
 * backends, and the two families side by side: a dual-stack node's IPv4 and IPv6 services never share a port pool,
 * a session, or a rule map.
 */
class SessionTable6Test {
    static final int LISTEN_IF = SessionTableTest.LISTEN_IF;
    static final int EGRESS_IF = SessionTableTest.EGRESS_IF;
    static final IpAddress.V6 VIP = v6("2001:db8:1::1");
    static final IpAddress.V6 EGRESS = v6("2001:db8:2::1");
    static final Endpoint B1 = new Endpoint(v6("2001:db8:3::1"), 7000);
    static final Endpoint B2 = new Endpoint(v6("2001:db8:3::2"), 7000);
    static final Endpoint B3 = new Endpoint(v6("2001:db8:3::3"), 7000);
    static final long S = SessionTableTest.S;

    static IpAddress.V6 v6(String text) {
        long[] a = Ipv6.parse(text);
        return new IpAddress.V6(a[0], a[1]);
    }

    /** Client {@code i}: neighbours in one /64, as behind one carrier's NAT64-free gateway. */
    static IpAddress.V6 client(int i) {
        return new IpAddress.V6(0x20010db8_00640000L, 0x100 + i);
    }

    /** Both rules maps of a dual-stack node, with a capacity and counters the test sets. */
    static final class FakeMaps implements RuleSink, CounterSource {
        final Map<FlowKey, FlowRule> rules = new HashMap<>();
        final Map<FlowKey6, FlowRule6> rules6 = new HashMap<>();
        final Map<FlowKey6, Long> packets6 = new HashMap<>();
        int capacity6 = Integer.MAX_VALUE;

        @Override
        public boolean put(FlowKey key, FlowRule rule) {
            rules.put(key, rule);
            return true;
        }

        @Override
        public boolean remove(FlowKey key) {
            return rules.remove(key) != null;
        }

        @Override
        public long packets(FlowKey rule) {
            return 0;
        }

        @Override
        public boolean put(FlowKey6 key, FlowRule6 rule) {
            if (!rules6.containsKey(key) && rules6.size() >= capacity6) {
                return false;
            }
            rules6.put(key, rule);
            return true;
        }

        @Override
        public boolean remove(FlowKey6 key) {
            packets6.remove(key);
            return rules6.remove(key) != null;
        }

        @Override
        public long packets(FlowKey6 rule) {
            return packets6.getOrDefault(rule, 0L);
        }

        void hit(FlowKey6 key, long n) {
            assertTrue(rules6.containsKey(key), "no rule for " + key);
            packets6.merge(key, n, Long::sum);
        }
    }

    final FakeMaps maps = new FakeMaps();

    static SessionService service(int ports, Endpoint... backends) {
        return new SessionService("relay6", LISTEN_IF, VIP, 3478, EGRESS_IF, EGRESS, new PortRange(40000, 40000 + ports - 1),
                List.of(backends), Duration.ofSeconds(30), Optional.empty(), Service.OnBackendRemoval.DRAIN);
    }

    static FlowKey6 route(SessionTable t, IpAddress.V6 client, int clientPort, long now) {
        return route(t, client, clientPort, Payload.EMPTY, now);
    }

    static FlowKey6 route(SessionTable t, IpAddress.V6 client, int clientPort, Payload payload, long now) {
        return t.route6(LISTEN_IF, client.high(), client.low(), VIP.high(), VIP.low(), clientPort, 3478, payload, now);
    }

    static FlowKey6 reply(SessionTable t, Endpoint backend, int egressPort, long now) {
        IpAddress.V6 b = (IpAddress.V6) backend.ip();
        return t.route6(EGRESS_IF, b.high(), b.low(), EGRESS.high(), EGRESS.low(), backend.port(), egressPort,
                Payload.EMPTY, now);
    }

    static Legs.V6 legs(Session s) {
        return (Legs.V6) s.legs();
    }

    @Test
    void firstPacketCreatesASessionWithBothIpv6RulesDerivedLikeAStaticFlow() {
        SessionTable t = new SessionTable(List.of(service(100, B1, B2)), maps, maps);
        IpAddress.V6 c = client(0);
        FlowKey6 rewrite = route(t, c, 5555, 0);
        Session s = t.get(new SessionKey("relay6", c, 5555));
        assertNotNull(s);
        assertTrue(s.ipv6());
        IpAddress.V6 b = (IpAddress.V6) s.backend().ip();
        int port = s.egressPort();
        assertEquals(new FlowKey6(EGRESS_IF, EGRESS, b, port, s.backend().port()), rewrite);
        assertEquals(new FlowRule6(rewrite, Owner.SESSION), maps.rules6.get(new FlowKey6(LISTEN_IF, c, VIP, 5555, 3478)));
        assertEquals(new FlowRule6(new FlowKey6(LISTEN_IF, VIP, c, 3478, 5555), Owner.SESSION),
                maps.rules6.get(new FlowKey6(EGRESS_IF, b, EGRESS, s.backend().port(), port)));
        assertEquals(2, maps.rules6.size());
        assertTrue(maps.rules.isEmpty(), "nothing in the IPv4 map");
        assertTrue(s.installed());
        assertEquals(rewrite, route(t, c, 5555, 1), "a second packet before the rule lands creates nothing");
        assertEquals(new FlowKey6(LISTEN_IF, VIP, c, 3478, 5555), reply(t, s.backend(), port, 2), "a reply goes back");
        SessionTable.Stats st = t.stats();
        assertEquals(1, st.get(SessionTable.Counter.CREATED));
        assertEquals(3, st.get(SessionTable.Counter.SLOW_PATH_PACKETS));
        assertEquals(1, t.portsInUse("relay6"));
        assertThrows(IllegalStateException.class, s::forwardKey, "an IPv6 session has no IPv4 key");
    }

    @Test
    void anythingElseIsUnmatched() {
        SessionTable t = new SessionTable(List.of(service(100, B1)), maps, maps);
        IpAddress.V6 c = client(0);
        assertNull(t.route6(LISTEN_IF, c.high(), c.low(), VIP.high(), VIP.low(), 5555, 3479, Payload.EMPTY, 0), "other port");
        assertNull(t.route6(LISTEN_IF, c.high(), c.low(), VIP.high(), VIP.low() + 1, 5555, 3478, Payload.EMPTY, 0),
                "other address");
        assertNull(t.route6(EGRESS_IF, c.high(), c.low(), VIP.high(), VIP.low(), 5555, 3478, Payload.EMPTY, 0),
                "other interface");
        assertNull(reply(t, B1, 40000, 0), "reply to no session");
        assertEquals(4, t.stats().get(SessionTable.Counter.UNMATCHED));
        assertTrue(maps.rules6.isEmpty());
    }

    @Test
    void clientsGetTheirRendezvousBackendAndDistinctPortsPerBackend() {
        List<Endpoint> backends = List.of(B1, B2, B3);
        SessionTable t = new SessionTable(List.of(service(100, B1, B2, B3)), maps, maps);
        for (int i = 0; i < 60; i++) {
            assertNotNull(route(t, client(i), 5000 + i, 0));
        }
        for (Session s : t.sessions()) {
            SessionKey k = s.key();
            assertEquals(backends.get(Rendezvous.choose(backends, Rendezvous.client(k.client(), k.clientPort()))), s.backend());
        }
        for (Endpoint b : backends) {
            List<Session> of = t.sessions().stream().filter(s -> s.backend().equals(b)).toList();
            assertFalse(of.isEmpty(), "every backend is someone's choice: " + b);
            assertEquals(of.size(), of.stream().map(Session::egressPort).distinct().count(), "ports toward " + b);
        }
        assertEquals(120, maps.rules6.size());
    }

    /**
     * A dual-stack node: an IPv4 and an IPv6 service on the same interfaces with the same port range. Their pools are
     * separate (one per egress address and backend): filling the IPv6 one exhausts IPv6 clients only, and the IPv4
     * service still hands out the very same port numbers.
     */
    @Test
    void anIpv4AndAnIpv6ServiceNeverShareAPortPool() {
        SessionService four = new SessionService("relay4", LISTEN_IF, SessionTableTest.VIP, 3478, EGRESS_IF,
                SessionTableTest.EGRESS, new PortRange(40000, 40001), List.of(SessionTableTest.B1), Duration.ofSeconds(30));
        SessionService six = service(2, B1);
        SessionTable t = new SessionTable(List.of(four, six), maps, maps);
        assertNotNull(route(t, client(0), 5000, 0));
        assertNotNull(route(t, client(1), 5000, 0));
        assertNull(route(t, client(2), 5000, 0), "the IPv6 pool of 2 is full");
        assertEquals(1, t.stats().get(SessionTable.Counter.POOL_EXHAUSTED));
        int v4client = Ipv4.parse("198.51.100.1");
        FlowKey r0 = t.route(LISTEN_IF, v4client, SessionTableTest.VIP, 5000, 3478, 1);
        FlowKey r1 = t.route(LISTEN_IF, v4client + 1, SessionTableTest.VIP, 5000, 3478, 1);
        assertNotNull(r0);
        assertNotNull(r1);
        assertEquals(List.of(40000, 40001), java.util.stream.Stream.of(r0.srcPort(), r1.srcPort()).sorted().toList(),
                "the same ports as the IPv6 sessions hold, from the IPv4 pool");
        assertEquals(2, t.portsInUse("relay4"));
        assertEquals(2, t.portsInUse("relay6"));
        assertNotSame(t.pool("relay4", SessionTableTest.B1), t.pool("relay6", B1));
        assertEquals(4, maps.rules.size());
        assertEquals(4, maps.rules6.size());
        // an IPv4 packet to the IPv6 service's port, and an IPv6 one to the IPv4 service's, match nothing
        assertNull(t.route6(LISTEN_IF, client(3).high(), client(3).low(), 0, 0xffff_0000_0000L | SessionTableTest.VIP, 5000,
                3478, Payload.EMPTY, 2));
        assertEquals(1, t.stats().get(SessionTable.Counter.UNMATCHED));
        // releasing an IPv6 session frees an IPv6 port, not an IPv4 one
        for (long now = 10 * S; now <= 50 * S; now += 10 * S) {
            maps.hit(legs(t.get(new SessionKey("relay6", client(0), 5000))).forwardKey(), 1);
            t.sweep(now);
        }
        assertEquals(1, t.portsInUse("relay6"));
        assertEquals(0, t.portsInUse("relay4"), "IPv4 sessions without counters expired as IPv4 ones do");
    }

    private static void assertNotSame(Object a, Object b) {
        assertFalse(a == b, "the same pool");
    }

    @Test
    void idleIpv6SessionsExpireFromTheirCountersAndReleaseRulesAndPort() {
        SessionTable t = new SessionTable(List.of(service(2, B1)), maps, maps);
        route(t, client(0), 5000, 0);
        route(t, client(1), 5001, 0);
        Session busy = t.get(new SessionKey("relay6", client(0), 5000));
        Session quiet = t.get(new SessionKey("relay6", client(1), 5001));
        for (long now = 1 * S; now <= 40 * S; now += S) {
            maps.hit(legs(busy).forwardKey(), 3);
            maps.hit(legs(busy).reverseKey(), 3);
            t.sweep(now);
        }
        assertNull(t.get(quiet.key()));
        assertFalse(maps.rules6.containsKey(legs(quiet).forwardKey()));
        assertFalse(maps.rules6.containsKey(legs(quiet).reverseKey()));
        assertNotNull(t.get(busy.key()), "busy lives on its IPv6 rules' counters");
        assertEquals(1, t.stats().get(SessionTable.Counter.EXPIRED));
        assertNotNull(route(t, client(2), 5002, 41 * S));
        assertEquals(quiet.egressPort(), t.get(new SessionKey("relay6", client(2), 5002)).egressPort(), "port reused");
    }

    /** NAT rebinding by the session identity, for an IPv6 client whose address and port change. */
    @Test
    void aKnownIdentityFromANewIpv6AddressMovesItsSessionThere() {
        SessionTable t = new SessionTable(List.of(service(10, B1, B2).withIdentity(new SessionIdentity(2, 4))), maps, maps);
        Payload call = SessionTableTest.payload(0x80, 0, 0xde, 0xad, 0xbe, 0xef, 1);
        FlowKey6 rewrite = route(t, client(0), 5000, call, 0);
        Session s = t.get(new SessionKey("relay6", client(0), 5000));
        assertTrue(s.identified());
        FlowKey6 oldForward = legs(s).forwardKey();
        FlowKey6 reverse = legs(s).reverseKey();
        maps.hit(reverse, 5);
        IpAddress.V6 moved = v6("2001:db8:99::7");
        assertEquals(rewrite, route(t, moved, 6000, call, 1), "same backend, same egress port");
        assertSame(s, t.get(new SessionKey("relay6", moved, 6000)));
        assertNull(t.get(new SessionKey("relay6", client(0), 5000)));
        assertFalse(maps.rules6.containsKey(oldForward));
        assertEquals(legs(s).forwardRule(), maps.rules6.get(new FlowKey6(LISTEN_IF, moved, VIP, 6000, 3478)));
        assertEquals(new FlowRule6(new FlowKey6(LISTEN_IF, VIP, moved, 3478, 6000), Owner.SESSION), maps.rules6.get(reverse));
        assertEquals(5, maps.packets(reverse), "the reply rule is replaced in place: its counters stay");
        assertEquals(2, maps.rules6.size());
        assertEquals(1, t.stats().get(SessionTable.Counter.REBOUND));
        assertEquals(1, t.stats().get(SessionTable.Counter.CREATED));
        // packets from the new address are the session's, both ways
        assertEquals(rewrite, route(t, moved, 6000, 2));
        assertEquals(new FlowKey6(LISTEN_IF, VIP, moved, 3478, 6000), reply(t, s.backend(), s.egressPort(), 2));
        // the old address is free: a packet from it is a new session
        assertNotNull(route(t, client(0), 5000, 3));
        assertEquals(2, t.stats().get(SessionTable.Counter.CREATED));
        // an explicit rebind to an IPv4 address is refused: a session stays in its family
        assertFalse(t.rebind(s.key(), Ipv4.parse("198.51.100.1"), 1));
        assertTrue(t.rebind(s.key(), client(9), 7000));
    }

    @Test
    void aRemovedIpv6BackendsSessionsMoveByRendezvousAndOnlyThey() {
        SessionService three = service(100, B1, B2, B3);
        SessionTable t = new SessionTable(List.of(three), maps, maps);
        for (int i = 0; i < 60; i++) {
            route(t, client(i), 5000, 0);
        }
        Map<SessionKey, Endpoint> before = new HashMap<>();
        t.sessions().forEach(s -> before.put(s.key(), s.backend()));
        long onB2 = before.values().stream().filter(B2::equals).count();
        assertTrue(onB2 > 0);
        SessionService two = new SessionService("relay6", LISTEN_IF, VIP, 3478, EGRESS_IF, EGRESS, three.ports(),
                List.of(B1, B3), Duration.ofSeconds(30), Optional.empty(), Service.OnBackendRemoval.MOVE);
        assertEquals(onB2, t.update(List.of(two)));
        for (Session s : t.sessions()) {
            Endpoint was = before.get(s.key());
            if (was.equals(B2)) {
                assertEquals(List.of(B1, B3).get(Rendezvous.choose(List.of(B1, B3),
                        Rendezvous.client(s.key().client(), s.key().clientPort()))), s.backend());
                assertEquals(legs(s).reverseRule().rewrite(), reply(t, s.backend(), s.egressPort(), 1));
            } else {
                assertEquals(was, s.backend());
            }
            assertEquals(legs(s).forwardRule(), maps.rules6.get(legs(s).forwardKey()));
            assertEquals(legs(s).reverseRule(), maps.rules6.get(legs(s).reverseKey()));
        }
        assertEquals(120, maps.rules6.size());
        assertTrue(maps.rules6.keySet().stream().noneMatch(k -> k.srcIp().equals(B2.ip())), "no reply rule from B2 left");
        assertEquals(0, t.pool("relay6", B2).inUse());
    }

    @Test
    void adoptionTakesBackIpv6PairsBesideIpv4OnesAndRemovesOrphans() {
        SessionService four = SessionTableTest.service(10, SessionTableTest.B1);
        SessionTable before = new SessionTable(List.of(four, service(10, B1, B2)), maps, maps);
        for (int i = 0; i < 5; i++) {
            route(before, client(i), 5000 + i, 0);
        }
        before.route(LISTEN_IF, SessionTableTest.client(0), SessionTableTest.VIP, 5000, 3478, 0);
        Session broken = before.get(new SessionKey("relay6", client(4), 5004));
        maps.rules6.remove(legs(broken).reverseKey()); // half a pair
        FlowKey6 config = new FlowKey6(9, v6("2001:db8::a"), v6("2001:db8::b"), 1, 2);
        maps.rules6.put(config, new FlowRule6(new FlowKey6(9, v6("2001:db8::b"), v6("2001:db8::c"), 1, 2), Owner.CONFIG));

        SessionTable after = new SessionTable(List.of(four, service(10, B1, B2)), maps, maps);
        SessionTable.Adoption a = after.adopt(Map.copyOf(maps.rules), Map.copyOf(maps.rules6), 100 * S);
        assertEquals(5, a.adopted(), "4 IPv6 sessions and the IPv4 one");
        assertEquals(List.of(), a.orphans());
        assertEquals(List.of(legs(broken).forwardKey()), a.orphans6());
        assertTrue(maps.rules6.containsKey(config), "config rules untouched");
        assertEquals(9, maps.rules6.size());
        for (int i = 0; i < 4; i++) {
            Session was = before.get(new SessionKey("relay6", client(i), 5000 + i));
            Session now = after.get(was.key());
            assertEquals(was.backend(), now.backend());
            assertEquals(was.egressPort(), now.egressPort());
            assertTrue(now.adopted() && now.installed() && now.ipv6());
            assertTrue(after.pool("relay6", now.backend()).isUsed(now.egressPort()));
            assertEquals(legs(now).reverseRule().rewrite(), reply(after, now.backend(), now.egressPort(), 101 * S));
        }
        assertNotNull(after.get(new SessionKey("relay", SessionTableTest.client(0), 5000)));
        assertEquals(0, after.stats().get(SessionTable.Counter.CREATED));
    }

    /** A sink without an IPv6 rules map refuses IPv6 rules: the session is forwarded by the slow path all along. */
    @Test
    void withoutAnIpv6MapTheSessionStaysOnTheSlowPath() {
        SessionTableTest.FakeMap v4only = new SessionTableTest.FakeMap();
        SessionTable t = new SessionTable(List.of(service(10, B1)), v4only, v4only);
        FlowKey6 rewrite = route(t, client(0), 5000, 0);
        assertNotNull(rewrite);
        Session s = t.get(new SessionKey("relay6", client(0), 5000));
        assertFalse(s.installed());
        assertEquals(1, t.stats().slowPathSessions());
        assertEquals(1, t.stats().get(SessionTable.Counter.MAP_REFUSED));
        assertEquals(rewrite, route(t, client(0), 5000, 1));
        assertEquals(legs(s).reverseRule().rewrite(), reply(t, B1, s.egressPort(), 1));
        assertTrue(v4only.rules.isEmpty());
    }

    @Test
    void aServiceIsOneFamily() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SessionService("mixed",
                LISTEN_IF, VIP, 3478, EGRESS_IF, EGRESS, new PortRange(40000, 40001), List.of(SessionTableTest.B1),
                Duration.ofSeconds(30), Optional.empty(), Service.OnBackendRemoval.DRAIN));
        assertTrue(e.getMessage().contains("mixes IPv4 and IPv6"), e.getMessage());
        assertNotEquals(new SessionKey("s", new IpAddress.V6(0, 1), 1), new SessionKey("s", 1, 1));
    }
}
