package io.xdprecon.sessions;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import io.xdprecon.dataplane.maps.IpAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A {@link Service} resolved on this node: interface indexes instead of device names, what the session
 * table and the loop need per packet. One family end to end (the config refuses a mix): its listen address,
 * egress address and backends are all IPv4 or all IPv6.
 */
public record SessionService(String name, int listenIfindex, IpAddress vip, int listenPort, int egressIfindex,
        IpAddress egressAddress, PortRange ports, List<Endpoint> backends, Duration idleTimeout,
        Optional<SessionIdentity> identity, Service.OnBackendRemoval onBackendRemoval) {
    public SessionService {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(egressAddress, "egressAddress");
        Objects.requireNonNull(ports, "ports");
        backends = List.copyOf(backends);
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(onBackendRemoval, "onBackendRemoval");
        boolean v6 = vip instanceof IpAddress.V6;
        if ((egressAddress instanceof IpAddress.V6) != v6 || backends.stream().anyMatch(b -> b.ipv6() != v6)) {
            throw new IllegalArgumentException("service " + name + " mixes IPv4 and IPv6: listen " + vip + ", egress "
                    + egressAddress + ", backends " + backends);
        }
    }

    /** An IPv4 service without a session identity whose removed backends drain: the config's defaults. */
    public SessionService(String name, int listenIfindex, int vip, int listenPort, int egressIfindex, int egressAddress,
            PortRange ports, List<Endpoint> backends, Duration idleTimeout) {
        this(name, listenIfindex, new IpAddress.V4(vip), listenPort, egressIfindex, new IpAddress.V4(egressAddress),
                ports, backends, idleTimeout, Optional.empty(), Service.OnBackendRemoval.DRAIN);
    }

    /** Resolves a config service with {@code ifindex} (device name to index in the datapath's namespace). */
    public static SessionService of(Service s, ToIntFunction<String> ifindex) {
        return new SessionService(s.name(), ifindex.applyAsInt(s.listen().device()), s.listen().endpoint().ip(),
                s.listen().endpoint().port(), ifindex.applyAsInt(s.egress().device()), s.egress().ip(),
                s.egress().ports(), s.backends(), s.idleTimeout(), s.identity(), s.onBackendRemoval());
    }

    public boolean ipv6() {
        return vip instanceof IpAddress.V6;
    }

    /** Whether an IPv4 packet arriving on {@code ifindex} to {@code dstIp:dstPort} is for this service. */
    public boolean listensOn(int ifindex, int dstIp, int dstPort) {
        return ifindex == listenIfindex && dstPort == listenPort && vip instanceof IpAddress.V4(int bits) && bits == dstIp;
    }

    /** Whether an IPv6 packet arriving on {@code ifindex} to {@code [dstHigh dstLow]:dstPort} is for this service. */
    public boolean listensOn6(int ifindex, long dstHigh, long dstLow, int dstPort) {
        return ifindex == listenIfindex && dstPort == listenPort && vip instanceof IpAddress.V6(long high, long low)
                && high == dstHigh && low == dstLow;
    }

    /** Whether a packet arriving on {@code ifindex} to {@code dst:dstPort} (either family) is for this service. */
    public boolean listensOn(int ifindex, IpAddress dst, int dstPort) {
        return ifindex == listenIfindex && dstPort == listenPort && vip.equals(dst);
    }

    /** The IPv4 listen address as an int; only for an IPv4 service. */
    int vip4() {
        return ((IpAddress.V4) vip).bits();
    }

    /** The IPv4 egress address as an int; only for an IPv4 service. */
    int egressAddress4() {
        return ((IpAddress.V4) egressAddress).bits();
    }

    public SessionService withIdentity(SessionIdentity identity) {
        return new SessionService(name, listenIfindex, vip, listenPort, egressIfindex, egressAddress, ports, backends,
                idleTimeout, Optional.of(identity), onBackendRemoval);
    }

    public SessionService withBackends(List<Endpoint> backends) {
        return new SessionService(name, listenIfindex, vip, listenPort, egressIfindex, egressAddress, ports, backends,
                idleTimeout, identity, onBackendRemoval);
    }
}
