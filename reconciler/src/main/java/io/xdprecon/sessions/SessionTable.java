package io.xdprecon.sessions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dynamic sessions of this node: created by the first packet that reaches userspace, expired when
 * their rules' counters stop moving for the service's idle timeout, adopted back from the pinned map
 * on start. The table is a Caffeine cache keyed by (service, client as seen on the wire), used as a
 * concurrent map that status readers may walk; expiry is not Caffeine's time policy but {@link #sweep}
 * over the datapath's counters, because an active session's packets go through XDP and never touch
 * the table.
 *
 * <p>Mutations ({@link #route}, {@link #sweep}, {@link #rebind}, {@link #adopt}) belong to one thread,
 * the session loop's, which also owns the {@link RuleSink}.
 */
public final class SessionTable {
    private record PoolKey(int address, PortRange range) {
    }

    private final List<SessionService> services;
    private final Map<String, SessionService> byName = new HashMap<>();
    private final Map<String, PortPool> pools = new HashMap<>();
    private final Cache<SessionKey, Session> sessions;
    private final Map<String, Integer> serviceIndex = new HashMap<>();
    /** Per-packet lookups without allocation: (service, client) and the reverse rule's key, each to its session. */
    private final SessionIndex forward = new SessionIndex(1024);
    private final SessionIndex reverse = new SessionIndex(1024);
    private final RuleSink sink;
    private final CounterSource counters;

    /** Sessions on the slow path retry their rules at most this often, unless this table freed room meanwhile. */
    public static final long RETRY_NANOS = 1_000_000_000L;
    private long lastRetryNanos;
    private boolean roomFreed;

    private long created;
    private long slowPathPackets;
    private long mapRefused;
    private long poolExhausted;
    private long noBackend;
    private long unmatched;
    private long expired;
    private long rebound;
    private long adopted;
    private long orphansRemoved;

    public SessionTable(List<SessionService> services, RuleSink sink, CounterSource counters) {
        this.services = List.copyOf(services);
        this.sink = sink;
        this.counters = counters;
        Map<PoolKey, PortPool> shared = new HashMap<>();
        for (SessionService s : this.services) {
            serviceIndex.put(s.name(), serviceIndex.size());
            if (byName.put(s.name(), s) != null) {
                throw new IllegalArgumentException("duplicate service " + s.name());
            }
            pools.put(s.name(), shared.computeIfAbsent(new PoolKey(s.egressAddress(), s.ports()),
                    k -> new PortPool(k.address(), k.range())));
        }
        this.sessions = Caffeine.newBuilder().executor(Runnable::run).build();
    }

    /** Counts of what the table did; every packet that reached it is in exactly one of the packet counts. */
    public record Stats(long sessions, long created, long slowPathPackets, long slowPathSessions, long mapRefused,
            long poolExhausted, long noBackend, long unmatched, long expired, long rebound, long adopted,
            long orphansRemoved) {
    }

    public Stats stats() {
        long slow = sessions.asMap().values().stream().filter(s -> !s.installed()).count();
        return new Stats(sessions.estimatedSize(), created, slowPathPackets, slow, mapRefused, poolExhausted, noBackend,
                unmatched, expired, rebound, adopted, orphansRemoved);
    }

    /**
     * The rewrite of a packet that reached userspace, or {@code null} when no session may carry it (it is
     * then counted as unmatched, pool-exhausted or no-backend, and the caller drops it on purpose). A packet
     * to a service from an unknown client creates the session and installs its rules; packets of a known
     * session (either direction) that still reach userspace are forwarded with the session's rewrite.
     */
    public FlowKey route(int ifindex, int srcIp, int dstIp, int srcPort, int dstPort, long nowNanos) {
        for (int i = 0, n = services.size(); i < n; i++) {
            SessionService s = services.get(i);
            if (s.listensOn(ifindex, dstIp, dstPort)) {
                Session session = forward.get(forwardA(i, srcIp), srcPort);
                if (session == null) {
                    session = create(s, srcIp, srcPort, nowNanos);
                    if (session == null) {
                        return null;
                    }
                }
                session.slowPathPacket();
                slowPathPackets++;
                return session.forwardRule().rewrite();
            }
        }
        Session session = reverse.get(reverseA(ifindex, dstIp), reverseB(srcIp, srcPort, dstPort));
        if (session != null) {
            session.slowPathPacket();
            slowPathPackets++;
            return session.reverseRule().rewrite();
        }
        unmatched++;
        return null;
    }

    private Session create(SessionService s, int clientIp, int clientPort, long nowNanos) {
        int b = Rendezvous.choose(s.backends(), clientIp, clientPort);
        if (b < 0) {
            noBackend++;
            return null;
        }
        PortPool pool = pools.get(s.name());
        int port = pool.allocate();
        if (port == PortPool.NONE) {
            poolExhausted++;
            return null;
        }
        Session session = new Session(new SessionKey(s.name(), clientIp, clientPort), s, s.backends().get(b), port,
                nowNanos, false);
        install(session);
        index(session);
        created++;
        return session;
    }

    /** Reverse leg first, so the first reply already finds its rule; a refused leg leaves none behind. */
    private void install(Session s) {
        if (!sink.put(s.reverseKey(), s.reverseRule())) {
            mapRefused++;
            s.installed(false);
            return;
        }
        if (!sink.put(s.forwardKey(), s.forwardRule())) {
            sink.remove(s.reverseKey());
            mapRefused++;
            s.installed(false);
            return;
        }
        s.installed(true);
    }

    /**
     * Once per interval: sessions still on the slow path retry their rules (when this table removed rules
     * since, or every {@link #RETRY_NANOS}: a full map is not asked again per session per sweep, the first
     * refusal ends the round); each session's counters (both
     * rules + slow path) are compared with the last sweep; a session whose count did not move for its
     * service's idle timeout loses both rules and its port. Returns the sessions expired.
     */
    public int sweep(long nowNanos) {
        List<Session> idle = new ArrayList<>();
        boolean retry = roomFreed || nowNanos - lastRetryNanos >= RETRY_NANOS;
        if (retry) {
            lastRetryNanos = nowNanos;
            roomFreed = false;
        }
        for (Session s : sessions.asMap().values()) {
            if (!s.installed() && retry) {
                install(s);
                retry = s.installed();
            }
            long count = s.slowPathPackets();
            if (s.installed()) {
                count += counters.packets(s.forwardKey()) + counters.packets(s.reverseKey());
            }
            if (!s.observe(count, nowNanos) && nowNanos - s.lastActiveNanos() >= s.service().idleTimeout().toNanos()) {
                idle.add(s);
            }
        }
        idle.forEach(this::remove);
        expired += idle.size();
        return idle.size();
    }

    private void remove(Session s) {
        roomFreed = true;
        sink.remove(s.forwardKey());
        sink.remove(s.reverseKey());
        pools.get(s.service().name()).release(s.egressPort());
        forward.remove(forwardA(serviceIndex.get(s.key().service()), s.key().clientIp()), s.key().clientPort());
        FlowKey r = s.reverseKey();
        reverse.remove(reverseA(r.ifindex(), r.dstIp()), reverseB(r.srcIp(), r.srcPort(), r.dstPort()));
        sessions.invalidate(s.key());
    }

    private void index(Session s) {
        sessions.put(s.key(), s);
        forward.put(forwardA(serviceIndex.get(s.key().service()), s.key().clientIp()), s.key().clientPort(), s);
        FlowKey r = s.reverseKey();
        reverse.put(reverseA(r.ifindex(), r.dstIp()), reverseB(r.srcIp(), r.srcPort(), r.dstPort()), s);
    }

    private static long forwardA(int service, int clientIp) {
        return (long) service << 32 | (clientIp & 0xffffffffL);
    }

    private static long reverseA(int ifindex, int egressAddress) {
        return (long) ifindex << 32 | (egressAddress & 0xffffffffL);
    }

    private static long reverseB(int backendIp, int backendPort, int egressPort) {
        return (long) backendIp << 32 | (long) backendPort << 16 | egressPort;
    }

    /**
     * NAT rebinding: the session of {@code key} now reaches us from {@code clientIp:clientPort}. Make before
     * break: the new forward rule lands, the reverse rule is replaced in place (same key, new client; its
     * counters stay), then the old forward rule goes. False when there is no such session or the new
     * address already has one.
     */
    public boolean rebind(SessionKey key, int clientIp, int clientPort) {
        Session s = sessions.getIfPresent(key);
        SessionKey next = new SessionKey(key.service(), clientIp, clientPort);
        if (s == null || sessions.getIfPresent(next) != null) {
            return false;
        }
        FlowKey oldForward = s.forwardKey();
        boolean wasInstalled = s.installed();
        s.rebind(next);
        if (wasInstalled) {
            if (sink.put(s.forwardKey(), s.forwardRule()) && sink.put(s.reverseKey(), s.reverseRule())) {
                s.installed(true);
            } else {
                sink.remove(s.forwardKey());
                sink.remove(s.reverseKey());
                mapRefused++;
                s.installed(false);
            }
            sink.remove(oldForward);
        }
        sessions.invalidate(key);
        sessions.put(next, s);
        int service = serviceIndex.get(key.service());
        forward.remove(forwardA(service, key.clientIp()), key.clientPort());
        forward.put(forwardA(service, clientIp), clientPort, s);
        rebound++;
        return true;
    }

    /** What {@link #adopt} found: sessions taken back, and session-owned rules removed as orphans. */
    public record Adoption(int adopted, List<FlowKey> orphans) {
    }

    /**
     * On start: session-owned rules of the pinned map become sessions again when both legs are present,
     * consistent with each other and with a configured service, and their egress port is free in its pool;
     * every other session-owned rule (half a pair, a removed service, a port outside the pool) is an orphan
     * and is removed. Config-owned rules are never touched. Idle time restarts at {@code nowNanos}.
     */
    public Adoption adopt(Map<FlowKey, FlowRule> rules, long nowNanos) {
        Set<FlowKey> claimed = new HashSet<>();
        int n = 0;
        for (Map.Entry<FlowKey, FlowRule> e : rules.entrySet()) {
            FlowKey k = e.getKey();
            FlowRule r = e.getValue();
            if (r.owner() != Owner.SESSION) {
                continue;
            }
            SessionService s = serviceListeningOn(k);
            if (s == null) {
                continue;
            }
            FlowKey t = r.rewrite();
            if (t.ifindex() != s.egressIfindex() || t.srcIp() != s.egressAddress() || t.dstPort() == 0) {
                continue;
            }
            Session candidate = new Session(new SessionKey(s.name(), k.srcIp(), k.srcPort()), s,
                    new Endpoint(t.dstIp(), t.dstPort()), t.srcPort(), nowNanos, true);
            FlowRule partner = rules.get(candidate.reverseKey());
            if (!candidate.forwardRule().equals(r) || !candidate.reverseRule().equals(partner)
                    || sessions.getIfPresent(candidate.key()) != null || !pools.get(s.name()).reserve(t.srcPort())) {
                continue;
            }
            candidate.installed(true);
            candidate.observe(counters.packets(candidate.forwardKey()) + counters.packets(candidate.reverseKey()),
                    nowNanos);
            index(candidate);
            claimed.add(candidate.forwardKey());
            claimed.add(candidate.reverseKey());
            n++;
        }
        List<FlowKey> orphans = new ArrayList<>();
        rules.forEach((k, r) -> {
            if (r.owner() == Owner.SESSION && !claimed.contains(k)) {
                orphans.add(k);
            }
        });
        orphans.forEach(sink::remove);
        roomFreed |= !orphans.isEmpty();
        adopted += n;
        orphansRemoved += orphans.size();
        return new Adoption(n, orphans);
    }

    private SessionService serviceListeningOn(FlowKey k) {
        for (SessionService s : services) {
            if (s.listensOn(k.ifindex(), k.dstIp(), k.dstPort())) {
                return s;
            }
        }
        return null;
    }

    public Session get(SessionKey key) {
        return sessions.getIfPresent(key);
    }

    /** A live view for status readers. */
    public Collection<Session> sessions() {
        return sessions.asMap().values();
    }

    public PortPool pool(String service) {
        return pools.get(service);
    }

    public SessionService service(String name) {
        return byName.get(name);
    }
}
