package io.xdprecon.sessions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import io.xdprecon.dataplane.dpdk.Counters;
import io.xdprecon.dataplane.dpdk.Payload;
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
 * on start. The table is a Caffeine cache keyed by (service, client as seen on the wire), which status
 * readers may walk, and Caffeine keeps it to the rule of idle expiry and to a bound:
 * <ul>
 *   <li>Its clock ({@link Caffeine#ticker}) is the loop's: it moves only at a {@link #sweep} (and {@link #adopt}),
 *       after the sweep has read the counters, because an active session's packets go through XDP and never
 *       touch the table — only its counters say it is alive.</li>
 *   <li>Each session expires its service's idle timeout after it was last seen active ({@link Caffeine#expireAfter},
 *       per entry); a sweep that sees a session's counters move sets its expiry again.</li>
 *   <li>At most {@code maxSessions} ({@link Caffeine#maximumSize}): past it Caffeine evicts the session least
 *       likely to be used again (W-TinyLFU), rather than the table growing without end.</li>
 *   <li>An expired or evicted session releases both rules and its port in the eviction listener, run on the loop's
 *       thread (the executor is the caller) during the sweep's {@link Cache#cleanUp} or the write that evicted it.
 *       Caffeine removes expired entries at its timer wheel's granularity (2^30 ns): a session is gone from the
 *       table at its deadline, and its rules leave at a sweep within about a second after it.</li>
 *   <li>{@link Caffeine#recordStats}: lookups and evictions, on {@code /metrics} ({@link Stats#cache}).</li>
 * </ul>
 *
 * <p>Mutations ({@link #route}, {@link #sweep}, {@link #rebind}, {@link #adopt}, {@link #update}) belong to one thread,
 * the session loop's, which also owns the {@link RuleSink}.
 */
public final class SessionTable {
    /**
     * Egress ports are unique per (egress address, backend): the reply rule's key holds the backend's address
     * and port, so two sessions to different backends may share a port and their replies still part.
     */
    private record PoolKey(int address, PortRange range, Endpoint backend) {
    }

    private List<SessionService> services;
    /** The stable index of each of {@link #services}, in the same order: what the per-packet indexes key on. */
    private int[] slots;
    private final Map<String, SessionService> byName = new HashMap<>();
    private final Map<PoolKey, PortPool> pools = new HashMap<>();
    private final Cache<SessionKey, Session> sessions;
    private final Map<String, Integer> serviceIndex = new HashMap<>();
    /** Per-packet lookups without allocation: (service, client) and the reverse rule's key, each to its session. */
    private final SessionIndex forward = new SessionIndex(1024);
    private final SessionIndex reverse = new SessionIndex(1024);
    /** (service, identity) to its session, for the services that name an identity. */
    private final SessionIndex identities = new SessionIndex(1024);
    private final RuleSink sink;
    private final CounterSource counters;

    /** Sessions on the slow path retry their rules at most this often, unless this table freed room meanwhile. */
    public static final long RETRY_NANOS = 1_000_000_000L;
    private long lastRetryNanos;
    private boolean roomFreed;

    private final Counters<Counter> counts = Counters.of(Counter.class);

    /** The bound when none is given: the rules of a full default map (524,288 rules, two per session). */
    public static final long DEFAULT_MAX_SESSIONS = 262_144;

    /** The table's clock, in the loop's nanoseconds: where the last sweep (or adoption) was. Read by readers too. */
    private volatile long clock;
    private final Policy.VarExpiration<SessionKey, Session> expiration;

    public SessionTable(List<SessionService> services, RuleSink sink, CounterSource counters) {
        this(services, sink, counters, DEFAULT_MAX_SESSIONS);
    }

    public SessionTable(List<SessionService> services, RuleSink sink, CounterSource counters, long maxSessions) {
        this.sink = sink;
        this.counters = counters;
        this.sessions = Caffeine.newBuilder()
                .executor(Runnable::run)
                .ticker(() -> clock)
                .expireAfter(new IdleExpiry())
                .maximumSize(maxSessions)
                .evictionListener((SessionKey key, Session s, RemovalCause cause) -> evicted(s, cause))
                .recordStats()
                .build();
        this.expiration = sessions.policy().expireVariably().orElseThrow();
        use(services);
    }

    /** A session expires its service's idle timeout after it was last active, on the table's clock. */
    private static final class IdleExpiry implements Expiry<SessionKey, Session> {
        @Override
        public long expireAfterCreate(SessionKey key, Session s, long now) {
            return s.lastActiveNanos() + s.service().idleTimeout().toNanos() - now;
        }

        @Override
        public long expireAfterUpdate(SessionKey key, Session s, long now, long current) {
            return expireAfterCreate(key, s, now);
        }

        @Override
        public long expireAfterRead(SessionKey key, Session s, long now, long current) {
            return current; // reading is no activity: only counters are
        }
    }

    /** Called by Caffeine for a session it expired or evicted: both rules and its port go, as for any removal. */
    private void evicted(Session s, RemovalCause cause) {
        release(s);
        counts.increment(cause == RemovalCause.EXPIRED ? Counter.EXPIRED : Counter.EVICTED);
    }

    /** Sets {@code s}'s expiry from its last activity (after a sweep saw it, or a new service's idle timeout). */
    private void refresh(Session s) {
        expiration.setExpiresAfter(s.key(), java.time.Duration.ofNanos(Math.max(0,
                s.lastActiveNanos() + s.service().idleTimeout().toNanos() - clock)));
    }

    private void use(List<SessionService> next) {
        Map<String, SessionService> named = new HashMap<>();
        for (SessionService s : next) {
            if (named.put(s.name(), s) != null) {
                throw new IllegalArgumentException("duplicate service " + s.name());
            }
        }
        services = List.copyOf(next);
        byName.clear();
        byName.putAll(named);
        slots = new int[services.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = serviceIndex.computeIfAbsent(services.get(i).name(), name -> serviceIndex.size());
        }
    }

    /**
     * A new config's services. A service with the same name, listen and egress keeps its sessions under its new
     * settings; those whose backend is no longer listed drain (stay on it until idle; new sessions avoid it) or
     * move at once (per the service's {@code onBackendRemoval}): a new backend by the client's rendezvous order
     * over the remaining ones, a port of its pool, the new reply rule first, then the request rule retargeted
     * in place, then the old reply rule removed. A session with no port left on any remaining backend stays
     * draining. A service that is gone, or whose listen or egress changed, has its sessions removed (rules and
     * ports; counted as retired): they can no longer be reached as they were. Returns the sessions moved.
     */
    public int update(List<SessionService> next) {
        Map<String, SessionService> named = new HashMap<>();
        next.forEach(s -> named.put(s.name(), s));
        List<Session> retire = new ArrayList<>();
        List<Session> move = new ArrayList<>();
        for (Session s : sessions.asMap().values()) {
            SessionService now = named.get(s.service().name());
            if (now == null || !sameEndpoints(now, s.service())) {
                retire.add(s);
                continue;
            }
            if (!now.identity().equals(s.service().identity()) && s.identified()) {
                forgetIdentity(s); // read elsewhere in the payload now: the old value names nothing
            }
            s.service(now);
            refresh(s); // the new config's idle timeout
            if (!now.backends().contains(s.backend()) && now.onBackendRemoval() == Service.OnBackendRemoval.MOVE) {
                move.add(s);
            }
        }
        retire.forEach(this::remove);
        counts.add(Counter.RETIRED, retire.size());
        use(next);
        int n = 0;
        for (Session s : move) {
            n += moveToRemainingBackend(s) ? 1 : 0;
        }
        counts.add(Counter.MOVED, n);
        return n;
    }

    private void forgetIdentity(Session s) {
        int service = serviceIndex.get(s.key().service());
        if (identities.get(service, s.identity()) == s) {
            identities.remove(service, s.identity());
        }
        s.forgetIdentity();
    }

    private static boolean sameEndpoints(SessionService a, SessionService b) {
        return a.listenIfindex() == b.listenIfindex() && a.vip() == b.vip() && a.listenPort() == b.listenPort()
                && a.egressIfindex() == b.egressIfindex() && a.egressAddress() == b.egressAddress()
                && a.ports().equals(b.ports());
    }

    private boolean moveToRemainingBackend(Session s) {
        SessionService service = s.service();
        List<Endpoint> backends = service.backends();
        for (int k : Rendezvous.order(backends, s.key().clientIp(), s.key().clientPort())) {
            Endpoint backend = backends.get(k);
            int port = pool(service, backend).allocate();
            if (port == PortPool.NONE) {
                continue;
            }
            Endpoint oldBackend = s.backend();
            int oldPort = s.egressPort();
            FlowKey oldReverse = s.reverseKey();
            reverse.remove(reverseA(oldReverse.ifindex(), oldReverse.dstIp()),
                    reverseB(oldReverse.srcIp(), oldReverse.srcPort(), oldReverse.dstPort()));
            s.retarget(backend, port);
            if (s.installed()) {
                if (!sink.put(s.reverseKey(), s.reverseRule()) || !sink.put(s.forwardKey(), s.forwardRule())) {
                    // the old request rule would send to the removed backend: none at all puts the session on the slow path
                    sink.remove(s.reverseKey());
                    sink.remove(s.forwardKey());
                    counts.increment(Counter.MAP_REFUSED);
                    s.installed(false);
                }
                sink.remove(oldReverse);
            }
            pool(service, oldBackend).release(oldPort);
            FlowKey r = s.reverseKey();
            reverse.put(reverseA(r.ifindex(), r.dstIp()), reverseB(r.srcIp(), r.srcPort(), r.dstPort()), s);
            return true;
        }
        return false;
    }

    /**
     * What the table counts. Every packet that reached the table is in exactly one of {@link #SLOW_PATH_PACKETS}
     * (forwarded), {@link #POOL_EXHAUSTED}, {@link #NO_BACKEND} or {@link #UNMATCHED} (dropped, by reason).
     */
    public enum Counter implements Counters.Name {
        CREATED(Counters.metric("xdprecon_session_setups", "Sessions created by a first packet")),
        SLOW_PATH_PACKETS(Counters.detail("Packets the table gave a rewrite (first packets, packets before the rules"
                + " land, the packets of sessions the map refused)")),
        MAP_REFUSED(Counters.metric("xdprecon_session_rules_refused", "Times the rules map refused a session's rules (full)")),
        POOL_EXHAUSTED(Counters.fate("pool_exhausted", "First packets dropped because no backend had an egress port left")),
        SPILLED(Counters.metric("xdprecon_session_spills",
                "Sessions created on a later backend of the client's order because earlier ones had no egress port")),
        NO_BACKEND(Counters.fate("no_backend", "First packets dropped because their service has no backend")),
        UNMATCHED(Counters.fate("unmatched", "Packets of no service and no session, dropped")),
        EXPIRED(Counters.metric("xdprecon_session_expiries",
                "Sessions removed after their idle timeout (both rules and the port released)")),
        REBOUND(Counters.metric("xdprecon_session_rebinds",
                "Sessions moved to a new client address by their session identity (NAT rebinding)")),
        UNIDENTIFIED(Counters.detail("First packets of a service with a session identity too short to carry it"
                + " (they start an ordinary session)")),
        ADOPTED(Counters.detail("Sessions taken back from the pinned map on start")),
        ORPHANS_REMOVED(Counters.detail("Session rules removed on start because no session could be made of them")),
        MOVED(Counters.metric("xdprecon_session_backend_moves",
                "Sessions moved off a backend removed from the config (onBackendRemoval: move)")),
        RETIRED(Counters.detail("Sessions removed because a new config dropped their service or changed its listen"
                + " or egress")),
        EVICTED(Counters.metric("xdprecon_session_evictions",
                "Sessions evicted because the table reached its bound (both rules and the port released)"));

        private final Counters.Shown shown;

        Counter(Counters.Shown shown) {
            this.shown = shown;
        }

        @Override
        public Counters.Shown shown() {
            return shown;
        }
    }

    /**
     * The table now: its counters and three gauges.
     *
     * @param sessions         live sessions
     * @param slowPathSessions live sessions without rules (the map refused them): userspace forwards all their packets
     * @param draining         live sessions on a backend no longer configured (kept until idle)
     * @param cache            Caffeine's statistics of the table: lookups by key (hits, misses) and evictions
     */
    public record Stats(long sessions, long slowPathSessions, long draining, Counters.Values<Counter> counters,
            CacheStats cache) {
        public long get(Counter counter) {
            return counters.get(counter);
        }

        @Override
        public String toString() {
            return "sessions=" + sessions + " slow_path_sessions=" + slowPathSessions + " draining=" + draining + " " + counters;
        }
    }

    public Stats stats() {
        long slow = 0;
        long draining = 0;
        for (Session s : sessions.asMap().values()) {
            slow += s.installed() ? 0 : 1;
            draining += s.service().backends().contains(s.backend()) ? 0 : 1;
        }
        return new Stats(sessions.estimatedSize(), slow, draining, counts.values(), sessions.stats());
    }

    /** {@link #route(int, int, int, int, int, Payload, long)} of a packet whose payload nobody looks into. */
    public FlowKey route(int ifindex, int srcIp, int dstIp, int srcPort, int dstPort, long nowNanos) {
        return route(ifindex, srcIp, dstIp, srcPort, dstPort, Payload.EMPTY, nowNanos);
    }

    /**
     * The rewrite of a packet that reached userspace, or {@code null} when no session may carry it (it is
     * then counted as unmatched, pool-exhausted or no-backend, and the caller drops it on purpose). A packet
     * to a service from an unknown client address moves the live session its identity names there (when the
     * service has one), or else creates a session and installs its rules; packets of a known session (either
     * direction) that still reach userspace are forwarded with the session's rewrite.
     */
    public FlowKey route(int ifindex, int srcIp, int dstIp, int srcPort, int dstPort, Payload payload, long nowNanos) {
        List<SessionService> services = this.services;
        for (int i = 0, n = services.size(); i < n; i++) {
            SessionService s = services.get(i);
            if (s.listensOn(ifindex, dstIp, dstPort)) {
                int slot = slots[i];
                Session session = forward.get(forwardA(slot, srcIp), srcPort);
                if (session == null) {
                    session = arrival(slot, s, srcIp, srcPort, payload, nowNanos);
                    if (session == null) {
                        return null;
                    }
                }
                session.slowPathPacket();
                counts.increment(Counter.SLOW_PATH_PACKETS);
                return session.forwardRule().rewrite();
            }
        }
        Session session = reverse.get(reverseA(ifindex, dstIp), reverseB(srcIp, srcPort, dstPort));
        if (session != null) {
            session.slowPathPacket();
            counts.increment(Counter.SLOW_PATH_PACKETS);
            return session.reverseRule().rewrite();
        }
        counts.increment(Counter.UNMATCHED);
        return null;
    }

    /**
     * A first packet from a client address without a session: with a session identity in the payload that a
     * live session of the service holds, that session moves here (NAT rebinding); otherwise a new session.
     */
    private Session arrival(int service, SessionService s, int clientIp, int clientPort, Payload payload, long nowNanos) {
        if (s.identity().isEmpty()) {
            return create(s, clientIp, clientPort, nowNanos);
        }
        SessionIdentity where = s.identity().get();
        if (payload.length() < where.end()) {
            counts.increment(Counter.UNIDENTIFIED);
            return create(s, clientIp, clientPort, nowNanos);
        }
        long identity = payload.bigEndian(where.offset(), where.length());
        Session known = identities.get(service, identity);
        if (known != null) {
            move(known, new SessionKey(s.name(), clientIp, clientPort));
            return known;
        }
        Session created = create(s, clientIp, clientPort, nowNanos);
        if (created != null) {
            created.identity(identity);
            identities.put(service, identity, created);
        }
        return created;
    }

    /**
     * A new session on the client's backend, or — when that backend has no egress port left — on the next one
     * of the client's rendezvous order that has (counted as spilled). Only when no backend has a port is there
     * no session: any port already in use toward a backend would make two sessions' replies indistinguishable.
     */
    private Session create(SessionService s, int clientIp, int clientPort, long nowNanos) {
        List<Endpoint> backends = s.backends();
        if (backends.isEmpty()) {
            counts.increment(Counter.NO_BACKEND);
            return null;
        }
        Endpoint first = backends.get(Rendezvous.choose(backends, clientIp, clientPort));
        int port = pool(s, first).allocate();
        if (port != PortPool.NONE) {
            return create(s, clientIp, clientPort, first, port, nowNanos);
        }
        // the whole order only when the choice is full: it costs several times the choice
        int[] order = Rendezvous.order(backends, clientIp, clientPort);
        for (int k = 1; k < order.length; k++) {
            Endpoint backend = backends.get(order[k]);
            port = pool(s, backend).allocate();
            if (port != PortPool.NONE) {
                counts.increment(Counter.SPILLED);
                return create(s, clientIp, clientPort, backend, port, nowNanos);
            }
        }
        counts.increment(Counter.POOL_EXHAUSTED);
        return null;
    }

    private Session create(SessionService s, int clientIp, int clientPort, Endpoint backend, int port, long nowNanos) {
        Session session = new Session(new SessionKey(s.name(), clientIp, clientPort), s, backend, port, nowNanos, false);
        install(session);
        index(session);
        counts.increment(Counter.CREATED);
        return session;
    }

    private PortPool pool(SessionService s, Endpoint backend) {
        return pools.computeIfAbsent(new PoolKey(s.egressAddress(), s.ports(), backend),
                k -> new PortPool(k.address(), k.range()));
    }

    /** Reverse leg first, so the first reply already finds its rule; a refused leg leaves none behind. */
    private void install(Session s) {
        if (!sink.put(s.reverseKey(), s.reverseRule())) {
            counts.increment(Counter.MAP_REFUSED);
            s.installed(false);
            return;
        }
        if (!sink.put(s.forwardKey(), s.forwardRule())) {
            sink.remove(s.reverseKey());
            counts.increment(Counter.MAP_REFUSED);
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
            if (s.observe(count, nowNanos)) {
                refresh(s);
            }
        }
        long expiredBefore = counts.get(Counter.EXPIRED);
        tick(nowNanos);
        sessions.cleanUp(); // the eviction listener releases what expired
        return (int) (counts.get(Counter.EXPIRED) - expiredBefore);
    }

    /** Moves the table's clock to {@code nowNanos}, never back. */
    private void tick(long nowNanos) {
        clock = Math.max(clock, nowNanos);
    }

    /** A removal of the table's own (a retired service, a service change): the rules and port go with it. */
    private void remove(Session s) {
        release(s);
        sessions.invalidate(s.key());
    }

    /** Both rules, the port and the per-packet indexes of {@code s}; the cache entry is the caller's. */
    private void release(Session s) {
        roomFreed = true;
        sink.remove(s.forwardKey());
        sink.remove(s.reverseKey());
        pool(s.service(), s.backend()).release(s.egressPort());
        int service = serviceIndex.get(s.key().service());
        forward.remove(forwardA(service, s.key().clientIp()), s.key().clientPort());
        if (s.identified()) {
            forgetIdentity(s);
        }
        FlowKey r = s.reverseKey();
        reverse.remove(reverseA(r.ifindex(), r.dstIp()), reverseB(r.srcIp(), r.srcPort(), r.dstPort()));
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
        move(s, next);
        return true;
    }

    private void move(Session s, SessionKey next) {
        SessionKey key = s.key();
        FlowKey oldForward = s.forwardKey();
        boolean wasInstalled = s.installed();
        s.rebind(next);
        if (wasInstalled) {
            if (sink.put(s.forwardKey(), s.forwardRule()) && sink.put(s.reverseKey(), s.reverseRule())) {
                s.installed(true);
            } else {
                sink.remove(s.forwardKey());
                sink.remove(s.reverseKey());
                counts.increment(Counter.MAP_REFUSED);
                s.installed(false);
            }
            sink.remove(oldForward);
        }
        sessions.invalidate(key);
        sessions.put(next, s);
        int service = serviceIndex.get(key.service());
        forward.remove(forwardA(service, key.clientIp()), key.clientPort());
        forward.put(forwardA(service, next.clientIp()), next.clientPort(), s);
        counts.increment(Counter.REBOUND);
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
        tick(nowNanos);
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
                    || sessions.getIfPresent(candidate.key()) != null
                    || !pool(s, candidate.backend()).reserve(t.srcPort())) {
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
        counts.add(Counter.ADOPTED, n);
        counts.add(Counter.ORPHANS_REMOVED, orphans.size());
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

    /** The egress ports of {@code service} toward {@code backend}. */
    public PortPool pool(String service, Endpoint backend) {
        return pool(byName.get(service), backend);
    }

    /** Egress ports in use by {@code service}'s sessions, over all its backends. */
    public int portsInUse(String service) {
        SessionService s = byName.get(service);
        int n = 0;
        for (Map.Entry<PoolKey, PortPool> e : pools.entrySet()) {
            if (e.getKey().address() == s.egressAddress() && e.getKey().range().equals(s.ports())) {
                n += e.getValue().inUse();
            }
        }
        return n;
    }

    public SessionService service(String name) {
        return byName.get(name);
    }
}
