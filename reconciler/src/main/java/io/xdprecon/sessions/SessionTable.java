package io.xdprecon.sessions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import io.xdprecon.dataplane.dpdk.Counters;
import io.xdprecon.dataplane.dpdk.Payload;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import java.util.ArrayList;
import java.util.Arrays;
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
 * readers may walk, and which keeps it to a bound; idle expiry is the sweep's, at a cost per sweep that does not
 * grow with the table:
 * <ul>
 *   <li>An active session's packets go through XDP and never touch the table — only its counters say it is alive.
 *       Each {@link #sweep} observes a slice of the sessions, round robin over the table (a ring, in the sessions'
 *       order of creation, so each is observed once a round at about the same point of it): reads their counters
 *       (both rules + slow path), and a session whose count moved since its last observation is active as of that
 *       sweep. A sweep observes the sessions the
 *       round owes by then at one round per {@link #period()} (1 s, or a quarter of the shortest idle timeout when
 *       that is shorter), and at most {@value #MAX_SLICE} of them: it reads at most {@value #MAX_SLICE} sessions'
 *       counters however many there are (one bpf syscall a rule: {@link #rulePackets}), and a table of more than
 *       ten times that takes proportionally longer rounds (at one sweep every 100 ms, {@code sessions / }{@value #MAX_SLICE}{@code  x 100 ms}: 4.9 s at 100,000
 *       sessions). A table of at most {@value #MIN_SLICE} sessions is observed whole at every sweep.</li>
 *   <li>A session expires when a sweep observes it with no movement for its service's idle timeout since the
 *       sweep that last saw it move (or since it was created or adopted): never before it was observed idle across
 *       its timeout, however late its turn in the round, and at most about two rounds after its idle timeout (its
 *       last movement is dated at the observation that saw it, and it is seen idle at its first turn past the
 *       timeout). Its rules and port are released at once.</li>
 *   <li>At most {@code maxSessions} ({@link Caffeine#maximumSize}): past it Caffeine evicts the session least
 *       likely to be used again (W-TinyLFU), rather than the table growing without end. An evicted session releases
 *       both rules and its port in the eviction listener, run on the loop's thread (the executor is the caller)
 *       during the write that evicted it or the sweep's {@link Cache#cleanUp}.</li>
 *   <li>{@link Caffeine#recordStats}: lookups and evictions, on {@code /metrics} ({@link Stats#cache}).</li>
 * </ul>
 *
 * <p>IPv4 and IPv6 sessions live in the one table ({@link #route} and {@link #route6} per packet): a service is of one
 * family, and so are its sessions, their rules ({@link Legs}) and its port pools (keyed by egress address and
 * backend, so an IPv4 and an IPv6 service never draw from one pool, even with the same port range).
 *
 * <p>Mutations ({@link #route}, {@link #route6}, {@link #sweep}, {@link #rebind}, {@link #adopt}, {@link #update})
 * belong to one thread, the session loop's, which also owns the {@link RuleSink}.
 */
public final class SessionTable {
    /**
     * Egress ports are unique per (egress address, backend): the reply rule's key holds the backend's address
     * and port, so two sessions to different backends may share a port and their replies still part.
     */
    private record PoolKey(IpAddress address, PortRange range, Endpoint backend) {
    }

    private List<SessionService> services;
    /** The stable index of each of {@link #services}, in the same order: what the per-packet indexes key on. */
    private int[] slots;
    private final Map<String, SessionService> byName = new HashMap<>();
    private final Map<PoolKey, PortPool> pools = new HashMap<>();
    private final Cache<SessionKey, Session> sessions;
    private final Map<String, Integer> serviceIndex = new HashMap<>();
    /**
     * Per-packet lookups without allocation: (service, client) and the reverse rule's key, each to its session;
     * IPv6 keys are wider (an IPv6 forward key is three longs, a reverse key five), so they have their own indexes.
     */
    private final SessionIndex forward = new SessionIndex(1024);
    private final SessionIndex reverse = new SessionIndex(1024);
    private final SessionIndex forward6 = new SessionIndex(16, 3);
    private final SessionIndex reverse6 = new SessionIndex(16, 5);
    /** (service, identity) to its session, for the services that name an identity. */
    private final SessionIndex identities = new SessionIndex(1024);
    private final RuleSink sink;
    private final CounterSource counters;

    /**
     * After the map refused a session's rules, sessions on the slow path retry theirs when this table freed room,
     * or else this long after the refusal: a full map is not asked again per session per sweep.
     */
    public static final long RETRY_NANOS = 1_000_000_000L;
    private long lastRetryNanos;
    private boolean roomFreed;
    /** Whether slow-path sessions try their rules when a sweep observes them (until the map refuses one). */
    private boolean retrying;

    /** A round of sweeps observes every session at least once in about this long (unless {@link #MAX_SLICE} binds). */
    public static final long PERIOD_NANOS = 1_000_000_000L;
    /** A table of at most this many sessions is observed whole at every sweep... */
    public static final int MIN_SLICE = 256;
    /** ...and a sweep observes at most this many, about two bpf syscalls each, whatever the table's size. */
    public static final int MAX_SLICE = 2_048;
    /** A session's rules are looked up again at least at every this many observations ({@link #rulePackets}). */
    public static final int VERIFY_EVERY = 8;
    private long period = PERIOD_NANOS;
    /**
     * Every live session once, in the order sweeps observe them (the order of their creation): {@code [0, cursor)}
     * are those this round observed, {@code [cursor, ringSize)} those it has not yet; each session knows its place
     * ({@link Session#sweepSlot}). A removed session leaves a hole (null), closed at the round's end, so every
     * session keeps its turn: one observation per round.
     */
    private Session[] ring = new Session[1024];
    private int ringSize;
    private int cursor;
    /** Places of removed sessions in {@code [0, ringSize)}, closed at the end of the round. */
    private int holes;
    private boolean swept;
    /** When the round under way began: it owes {@code ringSize * (now - roundStart) / period} places by now. */
    private long roundStart;

    private final Counters<Counter> counts = Counters.of(Counter.class);
    /**
     * The gauges of {@link #stats}, kept as sessions enter, change and leave ({@link #recount}): the stats are read
     * at every publish (100 ms), and a walk of 100,000 sessions each time cost the loop's thread what the sliced
     * sweep saved.
     */
    private long slowPathSessions;
    private long drainingSessions;

    /** The bound when none is given: the rules of a full default map (524,288 rules, two per session). */
    public static final long DEFAULT_MAX_SESSIONS = 262_144;

    public SessionTable(List<SessionService> services, RuleSink sink, CounterSource counters) {
        this(services, sink, counters, DEFAULT_MAX_SESSIONS);
    }

    public SessionTable(List<SessionService> services, RuleSink sink, CounterSource counters, long maxSessions) {
        this.sink = sink;
        this.counters = counters;
        this.sessions = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(maxSessions)
                .evictionListener((SessionKey key, Session s, RemovalCause cause) -> evicted(s, cause))
                .recordStats()
                .build();
        use(services);
    }

    /** Called by Caffeine for a session it evicted (the size bound): both rules and its port go, as for any removal. */
    private void evicted(Session s, RemovalCause cause) {
        release(s);
        counts.increment(Counter.EVICTED);
    }

    /** How long a round of sweeps takes at most while {@link #MAX_SLICE} does not bind. */
    public long period() {
        return period;
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
        long p = PERIOD_NANOS;
        for (int i = 0; i < slots.length; i++) {
            slots[i] = serviceIndex.computeIfAbsent(services.get(i).name(), name -> serviceIndex.size());
            p = Math.min(p, services.get(i).idleTimeout().toNanos() / 4);
        }
        period = Math.max(1, p);
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
            s.service(now); // its new idle timeout applies at its next observation
            recount(s);
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
        return a.listenIfindex() == b.listenIfindex() && a.vip().equals(b.vip()) && a.listenPort() == b.listenPort()
                && a.egressIfindex() == b.egressIfindex() && a.egressAddress().equals(b.egressAddress())
                && a.ports().equals(b.ports());
    }

    private boolean moveToRemainingBackend(Session s) {
        SessionService service = s.service();
        List<Endpoint> backends = service.backends();
        for (int k : Rendezvous.order(backends, Rendezvous.client(s.key().client(), s.key().clientPort()))) {
            Endpoint backend = backends.get(k);
            int port = pool(service, backend).allocate();
            if (port == PortPool.NONE) {
                continue;
            }
            Endpoint oldBackend = s.backend();
            int oldPort = s.egressPort();
            Legs old = s.legs();
            unindexReverse(s);
            s.retarget(backend, port);
            s.forgetSlots();
            if (s.installed()) {
                Legs now = s.legs();
                if (!now.putReverse(sink) || !now.putForward(sink)) {
                    // the old request rule would send to the removed backend: none at all puts the session on the slow path
                    now.removeReverse(sink);
                    now.removeForward(sink);
                    counts.increment(Counter.MAP_REFUSED);
                    s.installed(false);
                }
                old.removeReverse(sink);
            }
            recount(s);
            pool(service, oldBackend).release(oldPort);
            indexReverse(s);
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
        STALE_SLOTS(Counters.detail("Times a sweep found a session's rule at another counter slot than it kept (another"
                + " writer removed or re-created the rule)")),
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

    /** The table now, without a walk of its sessions: the gauges are kept up to date ({@link #recount}). */
    public Stats stats() {
        return new Stats(sessions.estimatedSize(), slowPathSessions, drainingSessions, counts.values(), sessions.stats());
    }

    /**
     * Brings the gauges up to date with what {@code s} is now — on the slow path (no rules), draining (its backend no
     * longer configured) — after it entered the table or changed; idempotent. The one place that decides the gauges.
     */
    private void recount(Session s) {
        count(s, !s.installed(), !s.service().backends().contains(s.backend()));
    }

    /** Takes {@code s}, leaving the table, out of the gauges. */
    private void uncount(Session s) {
        count(s, false, false);
    }

    private void count(Session s, boolean slow, boolean draining) {
        slowPathSessions += (slow ? 1 : 0) - (s.countedSlow() ? 1 : 0);
        drainingSessions += (draining ? 1 : 0) - (s.countedDraining() ? 1 : 0);
        s.counted(slow, draining);
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
                    session = arrival(slot, s, new IpAddress.V4(srcIp), srcPort, payload, nowNanos);
                    if (session == null) {
                        return null;
                    }
                }
                session.slowPathPacket();
                counts.increment(Counter.SLOW_PATH_PACKETS);
                return ((Legs.V4) session.legs()).forwardRule().rewrite();
            }
        }
        Session session = reverse.get(reverseA(ifindex, dstIp), reverseB(srcIp, srcPort, dstPort));
        if (session != null) {
            session.slowPathPacket();
            counts.increment(Counter.SLOW_PATH_PACKETS);
            return ((Legs.V4) session.legs()).reverseRule().rewrite();
        }
        counts.increment(Counter.UNMATCHED);
        return null;
    }

    /**
     * {@link #route(int, int, int, int, int, Payload, long)} for an IPv6 packet: addresses as two longs each (bytes
     * 0..7, 8..15), the rewrite an IPv6 key. The same policy as IPv4: the service's rendezvous choice over its
     * backends, a port of the (egress address, backend) pool, NAT rebinding by the service's identity.
     */
    public FlowKey6 route6(int ifindex, long srcHigh, long srcLow, long dstHigh, long dstLow, int srcPort, int dstPort,
            Payload payload, long nowNanos) {
        List<SessionService> services = this.services;
        for (int i = 0, n = services.size(); i < n; i++) {
            SessionService s = services.get(i);
            if (s.listensOn6(ifindex, dstHigh, dstLow, dstPort)) {
                int slot = slots[i];
                Session session = forward6.get(srcHigh, srcLow, forward6C(slot, srcPort), 0, 0);
                if (session == null) {
                    session = arrival(slot, s, new IpAddress.V6(srcHigh, srcLow), srcPort, payload, nowNanos);
                    if (session == null) {
                        return null;
                    }
                }
                session.slowPathPacket();
                counts.increment(Counter.SLOW_PATH_PACKETS);
                return ((Legs.V6) session.legs()).forwardRule().rewrite();
            }
        }
        Session session = reverse6.get(reverse6A(ifindex, srcPort, dstPort), dstHigh, dstLow, srcHigh, srcLow);
        if (session != null) {
            session.slowPathPacket();
            counts.increment(Counter.SLOW_PATH_PACKETS);
            return ((Legs.V6) session.legs()).reverseRule().rewrite();
        }
        counts.increment(Counter.UNMATCHED);
        return null;
    }

    /**
     * A first packet from a client address without a session: with a session identity in the payload that a
     * live session of the service holds, that session moves here (NAT rebinding); otherwise a new session.
     */
    private Session arrival(int service, SessionService s, IpAddress clientIp, int clientPort, Payload payload, long nowNanos) {
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
    private Session create(SessionService s, IpAddress clientIp, int clientPort, long nowNanos) {
        List<Endpoint> backends = s.backends();
        if (backends.isEmpty()) {
            counts.increment(Counter.NO_BACKEND);
            return null;
        }
        long client = Rendezvous.client(clientIp, clientPort);
        Endpoint first = backends.get(Rendezvous.choose(backends, client));
        int port = pool(s, first).allocate();
        if (port != PortPool.NONE) {
            return create(s, clientIp, clientPort, first, port, nowNanos);
        }
        // the whole order only when the choice is full: it costs several times the choice
        int[] order = Rendezvous.order(backends, client);
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

    private Session create(SessionService s, IpAddress clientIp, int clientPort, Endpoint backend, int port, long nowNanos) {
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
        Legs legs = s.legs();
        if (!legs.putReverse(sink)) {
            counts.increment(Counter.MAP_REFUSED);
            s.installed(false);
        } else if (!legs.putForward(sink)) {
            legs.removeReverse(sink);
            counts.increment(Counter.MAP_REFUSED);
            s.installed(false);
        } else {
            s.installed(true);
        }
        s.forgetSlots();
        if (s.sweepSlot() >= 0) {
            recount(s); // a session of the table retrying its rules; a new one is counted as it enters
        }
    }

    /**
     * Once per interval (the loop's 100 ms): observes the next slice of the sessions, round robin (see the class
     * comment: at most {@value #MAX_SLICE} sessions' counters, however many sessions there are). For each: a session
     * still on the slow path retries its rules (after a refusal only once this table removed rules, or
     * {@link #RETRY_NANOS} later: a full map is not asked again per session per sweep, the first refusal ends the
     * retries); its counters (both rules + slow path) are compared with its last observation; one whose count did not
     * move for its service's idle timeout loses both rules and its port. Returns the sessions expired.
     */
    public int sweep(long nowNanos) {
        if (!retrying && (roomFreed || nowNanos - lastRetryNanos >= RETRY_NANOS)) {
            retrying = true;
            roomFreed = false;
        }
        long expiredBefore = counts.get(Counter.EXPIRED);
        if (!swept) {
            swept = true;
            roundStart = nowNanos;
        }
        if (ringSize - holes <= MIN_SLICE) {
            compact(); // a small table: all of it, every sweep
            cursor = 0;
            roundStart = nowNanos;
            while (cursor < ringSize) {
                Session s = ring[cursor++];
                if (s != null) {
                    observe(s, nowNanos);
                }
            }
        } else {
            // the places the round owes by now, at one round per period; at most MAX_SLICE sessions a sweep
            long into = nowNanos - roundStart;
            long due = into >= period ? ringSize : (long) Math.ceil((double) ringSize * Math.max(0, into) / period);
            for (int observed = 0; cursor < due && observed < MAX_SLICE; ) {
                Session s = ring[cursor++];
                if (s != null) {
                    observe(s, nowNanos);
                    observed++;
                }
            }
        }
        if (cursor >= ringSize) {
            compact(); // the round is over: the next one, in the same order, from now
            cursor = 0;
            roundStart = nowNanos;
        }
        sessions.cleanUp(); // the eviction listener releases what the size bound evicted
        return (int) (counts.get(Counter.EXPIRED) - expiredBefore);
    }

    /** One session's turn in a sweep: its rules retried, its counters read, and it expires when idle past its timeout. */
    private void observe(Session s, long nowNanos) {
        if (!s.installed() && retrying) {
            install(s);
            if (!s.installed()) {
                retrying = false; // the map is full: asked again after RETRY_NANOS or once room was freed
                lastRetryNanos = nowNanos;
            }
        }
        long count = s.slowPathPackets();
        if (s.installed()) {
            count += rulePackets(s, nowNanos);
        }
        s.observe(count, nowNanos);
        if (nowNanos - s.lastActiveNanos() >= s.service().idleTimeout().toNanos()) {
            remove(s);
            counts.increment(Counter.EXPIRED);
        }
    }

    /**
     * The packets of {@code s}'s two rules, read at the counter slots it kept from its last lookup of them: one bpf
     * syscall a rule, where reading by key costs two (the rule for its slot, then the slot). A kept slot is stale when
     * another writer removed or re-created the rule (the reconciler released a key it had claimed, a restart, a
     * rebuild): its counters were zeroed and it may since count another rule. So the rules are looked up again (one
     * syscall each) when the reading is in doubt: the slots are not known yet (a new, adopted, moved or rebound
     * session); the count went down (a live rule's counters only grow: that slot is no longer its rule's); the session
     * would expire on this reading (a stale slot must not end a session whose rule counts at another); and at every
     * {@value #VERIFY_EVERY}th observation, because a slot handed to another rule that counts past ours looks like
     * activity — so it keeps an idle session at most that many rounds. A session whose rules stay put costs two
     * syscalls an observation, and on average a quarter more.
     */
    private long rulePackets(Session s, long nowNanos) {
        Legs legs = s.legs();
        boolean looked = s.forwardSlot() == Session.UNSEEN;
        if (looked) {
            lookUpSlots(s, legs);
        }
        if (s.forwardSlot() == CounterSource.BY_KEY) {
            return legs.packets(counters);
        }
        long packets = packetsAtSlots(s);
        boolean due = s.observed() % VERIFY_EVERY == VERIFY_EVERY - 1;
        boolean wouldExpire = packets == s.lastRulePackets()
                && nowNanos - s.lastActiveNanos() >= s.service().idleTimeout().toNanos();
        if (!looked && (due || packets < s.lastRulePackets() || wouldExpire)) {
            int forward = s.forwardSlot();
            int reverse = s.reverseSlot();
            lookUpSlots(s, legs);
            if (forward != s.forwardSlot() || reverse != s.reverseSlot()) {
                counts.increment(Counter.STALE_SLOTS);
                packets = packetsAtSlots(s);
            }
        }
        s.lastRulePackets(packets);
        return packets;
    }

    private void lookUpSlots(Session s, Legs legs) {
        s.slots(legs.forwardSlot(counters), legs.reverseSlot(counters));
    }

    private long packetsAtSlots(Session s) {
        return counters.packetsAt(s.forwardSlot()) + counters.packetsAt(s.reverseSlot());
    }

    /** Appends {@code s} to the ring: the last of this round. */
    private void ringAdd(Session s) {
        if (ringSize == ring.length) {
            compact();
            if (ringSize == ring.length) {
                ring = Arrays.copyOf(ring, ringSize * 2);
            }
        }
        place(s, ringSize++);
    }

    /** Takes {@code s} out of the ring: a hole, closed when the round ends, so that the others keep their turn. */
    private void ringRemove(Session s) {
        int i = s.sweepSlot();
        if (i >= 0 && i < ringSize && ring[i] == s) {
            ring[i] = null;
            holes++;
        }
        s.sweepSlot(-1);
    }

    /** Closes the ring's holes, keeping its order and the cursor on the same session. */
    private void compact() {
        int n = 0;
        int c = 0;
        for (int i = 0; i < ringSize; i++) {
            Session s = ring[i];
            if (s != null) {
                place(s, n++);
            }
            if (i + 1 == cursor) {
                c = n;
            }
        }
        Arrays.fill(ring, n, ringSize, null);
        ringSize = n;
        cursor = c;
        holes = 0;
    }

    private void place(Session s, int slot) {
        ring[slot] = s;
        s.sweepSlot(slot);
    }

    /** A removal of the table's own (a retired service, a service change): the rules and port go with it. */
    private void remove(Session s) {
        release(s);
        sessions.invalidate(s.key());
    }

    /** Both rules, the port and the per-packet indexes of {@code s}; the cache entry is the caller's. */
    private void release(Session s) {
        roomFreed = true;
        s.legs().removeForward(sink);
        s.legs().removeReverse(sink);
        pool(s.service(), s.backend()).release(s.egressPort());
        unindexForward(s.key(), s);
        if (s.identified()) {
            forgetIdentity(s);
        }
        unindexReverse(s);
        ringRemove(s);
        uncount(s);
    }

    private void index(Session s) {
        recount(s);
        ringAdd(s);
        sessions.put(s.key(), s);
        indexForward(s.key(), s);
        indexReverse(s);
    }

    /** The per-packet entry of {@code key} (the client as seen on the wire) to {@code s}, in its family's index. */
    private void indexForward(SessionKey key, Session s) {
        int service = serviceIndex.get(key.service());
        switch (key.client()) {
            case IpAddress.V4(int ip) -> forward.put(forwardA(service, ip), key.clientPort(), s);
            case IpAddress.V6(long high, long low) -> forward6.put(high, low, forward6C(service, key.clientPort()), 0, 0, s);
        }
    }

    private void unindexForward(SessionKey key, Session s) {
        int service = serviceIndex.get(key.service());
        switch (key.client()) {
            case IpAddress.V4(int ip) -> forward.remove(forwardA(service, ip), key.clientPort());
            case IpAddress.V6(long high, long low) -> forward6.remove(high, low, forward6C(service, key.clientPort()), 0, 0);
        }
    }

    /** The per-packet entry of {@code s}'s reverse rule key (a backend's reply to its egress port). */
    private void indexReverse(Session s) {
        switch (s.legs()) {
            case Legs.V4 v4 -> {
                FlowKey r = v4.reverseKey();
                reverse.put(reverseA(r.ifindex(), r.dstIp()), reverseB(r.srcIp(), r.srcPort(), r.dstPort()), s);
            }
            case Legs.V6 v6 -> {
                FlowKey6 r = v6.reverseKey();
                reverse6.put(reverse6A(r.ifindex(), r.srcPort(), r.dstPort()), r.dstIp().high(), r.dstIp().low(),
                        r.srcIp().high(), r.srcIp().low(), s);
            }
        }
    }

    private void unindexReverse(Session s) {
        switch (s.legs()) {
            case Legs.V4 v4 -> {
                FlowKey r = v4.reverseKey();
                reverse.remove(reverseA(r.ifindex(), r.dstIp()), reverseB(r.srcIp(), r.srcPort(), r.dstPort()));
            }
            case Legs.V6 v6 -> {
                FlowKey6 r = v6.reverseKey();
                reverse6.remove(reverse6A(r.ifindex(), r.srcPort(), r.dstPort()), r.dstIp().high(), r.dstIp().low(),
                        r.srcIp().high(), r.srcIp().low());
            }
        }
    }

    private static long forward6C(int service, int clientPort) {
        return (long) service << 16 | clientPort;
    }

    /** An IPv6 reverse key's ifindex and both ports; its two addresses are the index's other four words. */
    private static long reverse6A(int ifindex, int backendPort, int egressPort) {
        return (long) ifindex << 32 | (long) backendPort << 16 | egressPort;
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
        return rebind(key, new IpAddress.V4(clientIp), clientPort);
    }

    /** {@link #rebind(SessionKey, int, int)} to a client address of either family (the session's). */
    public boolean rebind(SessionKey key, IpAddress clientIp, int clientPort) {
        Session s = sessions.getIfPresent(key);
        SessionKey next = new SessionKey(key.service(), clientIp, clientPort);
        if (s == null || s.ipv6() != clientIp instanceof IpAddress.V6 || sessions.getIfPresent(next) != null) {
            return false;
        }
        move(s, next);
        return true;
    }

    private void move(Session s, SessionKey next) {
        SessionKey key = s.key();
        Legs old = s.legs();
        boolean wasInstalled = s.installed();
        s.rebind(next);
        s.forgetSlots();
        if (wasInstalled) {
            Legs now = s.legs();
            if (now.putForward(sink) && now.putReverse(sink)) {
                s.installed(true);
            } else {
                now.removeForward(sink);
                now.removeReverse(sink);
                counts.increment(Counter.MAP_REFUSED);
                s.installed(false);
            }
            old.removeForward(sink);
            recount(s);
        }
        sessions.invalidate(key);
        sessions.put(next, s);
        unindexForward(key, s);
        indexForward(next, s);
        counts.increment(Counter.REBOUND);
    }

    /** What {@link #adopt} found: sessions taken back, and session-owned rules removed as orphans (IPv4, IPv6). */
    public record Adoption(int adopted, List<FlowKey> orphans, List<FlowKey6> orphans6) {
    }

    /** {@link #adopt(Map, Map, long)} of a node without IPv6 rules. */
    public Adoption adopt(Map<FlowKey, FlowRule> rules, long nowNanos) {
        return adopt(rules, Map.of(), nowNanos);
    }

    /**
     * On start: session-owned rules of the pinned maps (IPv4 and IPv6) become sessions again when both legs are
     * present, consistent with each other and with a configured service, and their egress port is free in its pool;
     * every other session-owned rule (half a pair, a removed service, a port outside the pool) is an orphan
     * and is removed. Config-owned rules are never touched. Idle time restarts at {@code nowNanos}.
     */
    public Adoption adopt(Map<FlowKey, FlowRule> rules, Map<FlowKey6, FlowRule6> rules6, long nowNanos) {
        // both families' session rules as one family-neutral map: one adoption rule for both
        Map<Leg, Leg> owned = new HashMap<>();
        rules.forEach((k, r) -> {
            if (r.owner() == Owner.SESSION) {
                owned.put(Leg.of(k), Leg.of(r.rewrite()));
            }
        });
        rules6.forEach((k, r) -> {
            if (r.owner() == Owner.SESSION) {
                owned.put(Leg.of(k), Leg.of(r.rewrite()));
            }
        });
        Set<Leg> claimed = new HashSet<>();
        int n = 0;
        for (Map.Entry<Leg, Leg> e : owned.entrySet()) {
            Leg k = e.getKey();
            Leg t = e.getValue();
            SessionService s = serviceListeningOn(k);
            if (s == null || t.ifindex() != s.egressIfindex() || !t.src().equals(s.egressAddress()) || t.dstPort() == 0
                    || t.dst() instanceof IpAddress.V6 != s.ipv6()) {
                continue;
            }
            Session candidate = new Session(new SessionKey(s.name(), k.src(), k.srcPort()), s,
                    new Endpoint(t.dst(), t.dstPort()), t.srcPort(), nowNanos, true);
            Leg[] legs = Leg.of(candidate.legs());
            if (!legs[1].equals(t) || !legs[3].equals(owned.get(legs[2]))
                    || sessions.getIfPresent(candidate.key()) != null
                    || !pool(s, candidate.backend()).reserve(t.srcPort())) {
                continue;
            }
            candidate.installed(true);
            candidate.observe(rulePackets(candidate, nowNanos), nowNanos);
            index(candidate);
            claimed.add(legs[0]);
            claimed.add(legs[2]);
            n++;
        }
        List<FlowKey> orphans = new ArrayList<>();
        List<FlowKey6> orphans6 = new ArrayList<>();
        rules.forEach((k, r) -> {
            if (r.owner() == Owner.SESSION && !claimed.contains(Leg.of(k))) {
                orphans.add(k);
            }
        });
        rules6.forEach((k, r) -> {
            if (r.owner() == Owner.SESSION && !claimed.contains(Leg.of(k))) {
                orphans6.add(k);
            }
        });
        orphans.forEach(sink::remove);
        orphans6.forEach(sink::remove);
        roomFreed |= !orphans.isEmpty() || !orphans6.isEmpty();
        counts.add(Counter.ADOPTED, n);
        counts.add(Counter.ORPHANS_REMOVED, orphans.size() + orphans6.size());
        return new Adoption(n, orphans, orphans6);
    }

    /** A rule key or rewrite of either family, for adoption (which compares, and never writes, these). */
    private record Leg(int ifindex, IpAddress src, IpAddress dst, int srcPort, int dstPort) {
        static Leg of(FlowKey k) {
            return new Leg(k.ifindex(), new IpAddress.V4(k.srcIp()), new IpAddress.V4(k.dstIp()), k.srcPort(), k.dstPort());
        }

        static Leg of(FlowKey6 k) {
            return new Leg(k.ifindex(), k.srcIp(), k.dstIp(), k.srcPort(), k.dstPort());
        }

        /** Forward key, forward rewrite, reverse key, reverse rewrite. */
        static Leg[] of(Legs legs) {
            return switch (legs) {
                case Legs.V4 v -> new Leg[] {of(v.forwardKey()), of(v.forwardRule().rewrite()), of(v.reverseKey()),
                        of(v.reverseRule().rewrite())};
                case Legs.V6 v -> new Leg[] {of(v.forwardKey()), of(v.forwardRule().rewrite()), of(v.reverseKey()),
                        of(v.reverseRule().rewrite())};
            };
        }
    }

    private SessionService serviceListeningOn(Leg k) {
        for (SessionService s : services) {
            if (s.listensOn(k.ifindex(), k.dst(), k.dstPort())) {
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
            if (e.getKey().address().equals(s.egressAddress()) && e.getKey().range().equals(s.ports())) {
                n += e.getValue().inUse();
            }
        }
        return n;
    }

    public SessionService service(String name) {
        return byName.get(name);
    }
}
