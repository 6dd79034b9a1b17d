package io.xdprecon.config;

import io.xdprecon.dataplane.maps.IpAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A service for dynamic sessions, run by the DPDK loop: the first packet of a new client session to
 * {@code listen} reaches userspace, which picks a backend and a free port of the egress pool and installs
 * the session's two rules (owner: session); they go when the session has been silent for {@code idleTimeout}.
 *
 * @param identity          where the protocol carries a session's identity, for NAT rebinding; empty: none
 * @param onBackendRemoval  what happens to the sessions of a backend that leaves the list
 */
public record Service(String name, Attachment listen, List<Endpoint> backends, Egress egress, Duration idleTimeout,
        Optional<SessionIdentity> identity, OnBackendRemoval onBackendRemoval) {
    /** The default idle timeout when the config does not say. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public Service {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        backends = List.copyOf(backends);
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(onBackendRemoval, "onBackendRemoval");
    }

    /**
     * The sessions of a removed backend: DRAIN keeps them on it until they go idle (new sessions avoid it);
     * MOVE re-picks their backend by rendezvous over the remaining ones at once (only that backend's clients
     * move), replacing their rules.
     */
    public enum OnBackendRemoval {
        DRAIN, MOVE
    }

    /** Where sessions leave toward the backends from: an interface, a source address, a pool of source ports. */
    public record Egress(String iface, String device, IpAddress ip, PortRange ports) {
        public Egress {
            Objects.requireNonNull(iface, "iface");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(ip, "ip");
            Objects.requireNonNull(ports, "ports");
        }

        /** An IPv4 egress. */
        public Egress(String iface, String device, int address, PortRange ports) {
            this(iface, device, new IpAddress.V4(address), ports);
        }
    }

    /** Whether the service is IPv6 (all its addresses are: the config refuses a mix). */
    public boolean ipv6() {
        return listen.endpoint().ipv6();
    }
}
