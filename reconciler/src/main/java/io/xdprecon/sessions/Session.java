package io.xdprecon.sessions;

import io.xdprecon.config.Endpoint;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;

/**
 * One client session of a service: its backend, its egress port and its two rules ({@link Legs}, in the
 * service's family). Mutable, owned by the session loop's thread; other threads may read it for status.
 */
public final class Session {
    private SessionKey key;
    private SessionService service;
    private Endpoint backend;
    private int egressPort;
    private Legs legs;
    private final long createdNanos;
    private long lastActiveNanos;
    private long lastCount = -1;
    private long slowPathPackets;
    private boolean installed;
    private final boolean adopted;
    private boolean identified;
    private long identity;
    /** Its place in the table's sweep ring, -1 outside it. */
    private int sweepSlot = -1;
    /** What the table's gauges count of it now (on the slow path, draining): both false outside the table. */
    private boolean countedSlow;
    private boolean countedDraining;
    /**
     * The counter slots of its two rules as last looked up ({@link #UNSEEN} until then, and again after its rules were
     * rewritten), the rules' packets at its last observation, and its observations so far: the sweep reads the slots
     * (one syscall each) and looks the rules up again only when that reading could be another rule's.
     */
    private int forwardSlot = UNSEEN;
    private int reverseSlot = UNSEEN;
    private long lastRulePackets;
    private int observations;

    /** The slots of rules not looked up yet. */
    static final int UNSEEN = Integer.MIN_VALUE;

    Session(SessionKey key, SessionService service, Endpoint backend, int egressPort, long nowNanos, boolean adopted) {
        this.key = key;
        this.service = service;
        this.backend = backend;
        this.egressPort = egressPort;
        this.createdNanos = nowNanos;
        this.lastActiveNanos = nowNanos;
        this.adopted = adopted;
        derive();
    }

    private void derive() {
        legs = Legs.of(service, key, backend, egressPort);
    }

    void rebind(SessionKey newKey) {
        this.key = newKey;
        derive();
    }

    /** Another backend and egress port for the same client (its backend left the config). */
    void retarget(Endpoint backend, int egressPort) {
        this.backend = backend;
        this.egressPort = egressPort;
        derive();
    }

    /** The service's new config, with the same listen and egress (the rules stay valid). */
    void service(SessionService service) {
        this.service = service;
    }

    public SessionKey key() {
        return key;
    }

    public SessionService service() {
        return service;
    }

    public Endpoint backend() {
        return backend;
    }

    public int egressPort() {
        return egressPort;
    }

    /** Both rules, in the session's family. */
    public Legs legs() {
        return legs;
    }

    /** Whether the session is an IPv6 client's (its rules are IPv6 rules). */
    public boolean ipv6() {
        return legs instanceof Legs.V6;
    }

    /** The IPv4 request rule's key; an IPv6 session's are in {@link #legs()}. */
    public FlowKey forwardKey() {
        return v4().forwardKey();
    }

    public FlowRule forwardRule() {
        return v4().forwardRule();
    }

    public FlowKey reverseKey() {
        return v4().reverseKey();
    }

    public FlowRule reverseRule() {
        return v4().reverseRule();
    }

    private Legs.V4 v4() {
        if (legs instanceof Legs.V4 v4) {
            return v4;
        }
        throw new IllegalStateException("IPv6 session " + this + ": its rules are IPv6 rules (legs())");
    }

    public long createdNanos() {
        return createdNanos;
    }

    public long lastActiveNanos() {
        return lastActiveNanos;
    }

    /** Packets this session's packets userspace forwarded itself (first packet, before the rules land, map full). */
    public long slowPathPackets() {
        return slowPathPackets;
    }

    /** Packets of both rules at its last observation by a sweep, plus the slow path's. */
    public long lastCount() {
        return lastCount;
    }

    /** Whether both rules are in the map; false while the map refuses them (the session stays on the slow path). */
    public boolean installed() {
        return installed;
    }

    public boolean adopted() {
        return adopted;
    }

    /** Whether the session's first packet carried its service's session identity ({@link #identity()}). */
    public boolean identified() {
        return identified;
    }

    /** The identity bytes of the session's first packet as a number; meaningful when {@link #identified()}. */
    public long identity() {
        return identity;
    }

    void identity(long identity) {
        this.identity = identity;
        this.identified = true;
    }

    void forgetIdentity() {
        this.identity = 0;
        this.identified = false;
    }

    int sweepSlot() {
        return sweepSlot;
    }

    void sweepSlot(int slot) {
        this.sweepSlot = slot;
    }

    void installed(boolean installed) {
        this.installed = installed;
    }

    boolean countedSlow() {
        return countedSlow;
    }

    boolean countedDraining() {
        return countedDraining;
    }

    void counted(boolean slow, boolean draining) {
        this.countedSlow = slow;
        this.countedDraining = draining;
    }

    int forwardSlot() {
        return forwardSlot;
    }

    int reverseSlot() {
        return reverseSlot;
    }

    void slots(int forward, int reverse) {
        this.forwardSlot = forward;
        this.reverseSlot = reverse;
    }

    /** Its rules were (re)written: their slots are looked up at its next observation. */
    void forgetSlots() {
        slots(UNSEEN, UNSEEN);
    }

    long lastRulePackets() {
        return lastRulePackets;
    }

    void lastRulePackets(long packets) {
        this.lastRulePackets = packets;
    }

    /** Counts an observation; returns how many there were before. */
    int observed() {
        return observations++;
    }

    void slowPathPacket() {
        slowPathPackets++;
    }

    /** Records the counters a sweep observed; true when they moved since its last observation (the session is active). */
    boolean observe(long count, long nowNanos) {
        if (count != lastCount) {
            lastCount = count;
            lastActiveNanos = nowNanos;
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return key + " -> " + backend + " via :" + egressPort + (installed ? "" : " (slow path)");
    }
}
