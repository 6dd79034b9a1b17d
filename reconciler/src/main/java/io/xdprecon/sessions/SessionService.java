package io.xdprecon.sessions;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A {@link Service} resolved on this node: interface indexes instead of device names, what the session
 * table and the loop need per packet.
 */
public record SessionService(String name, int listenIfindex, int vip, int listenPort, int egressIfindex,
        int egressAddress, PortRange ports, List<Endpoint> backends, Duration idleTimeout,
        Optional<SessionIdentity> identity, Service.OnBackendRemoval onBackendRemoval) {
    public SessionService {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ports, "ports");
        backends = List.copyOf(backends);
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(onBackendRemoval, "onBackendRemoval");
    }

    /** A service without a session identity whose removed backends drain: the config's defaults. */
    public SessionService(String name, int listenIfindex, int vip, int listenPort, int egressIfindex, int egressAddress,
            PortRange ports, List<Endpoint> backends, Duration idleTimeout) {
        this(name, listenIfindex, vip, listenPort, egressIfindex, egressAddress, ports, backends, idleTimeout,
                Optional.empty(), Service.OnBackendRemoval.DRAIN);
    }

    /** Resolves a config service with {@code ifindex} (device name to index in the datapath's namespace). */
    public static SessionService of(Service s, ToIntFunction<String> ifindex) {
        return new SessionService(s.name(), ifindex.applyAsInt(s.listen().device()), s.listen().endpoint().address(),
                s.listen().endpoint().port(), ifindex.applyAsInt(s.egress().device()), s.egress().address(),
                s.egress().ports(), s.backends(), s.idleTimeout(), s.identity(), s.onBackendRemoval());
    }

    /** Whether a packet arriving on {@code ifindex} to {@code dstIp:dstPort} is for this service. */
    public boolean listensOn(int ifindex, int dstIp, int dstPort) {
        return ifindex == listenIfindex && dstIp == vip && dstPort == listenPort;
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
