package io.xdprecon.sessions;

import io.xdprecon.dataplane.maps.IpAddress;
import java.util.Objects;

/**
 * A session's identity: its service and the client's address (of the service's family) and port as seen on the
 * wire (after any NAT).
 */
public record SessionKey(String service, IpAddress client, int clientPort) {
    public SessionKey {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(client, "client");
    }

    /** An IPv4 client's session. */
    public SessionKey(String service, int clientIp, int clientPort) {
        this(service, new IpAddress.V4(clientIp), clientPort);
    }

    /**
     * The IPv4 client address as an int.
     *
     * @throws ClassCastException for an IPv6 client
     */
    public int clientIp() {
        return ((IpAddress.V4) client).bits();
    }

    @Override
    public int hashCode() {
        long address = switch (client) {
            case IpAddress.V4(int bits) -> bits;
            case IpAddress.V6(long high, long low) -> Rendezvous.mix(high) ^ low;
        };
        return service.hashCode() * 31 + (int) Rendezvous.mix((address << 16) ^ clientPort);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionKey k && k.clientPort == clientPort && k.client.equals(client) && k.service.equals(service);
    }

    @Override
    public String toString() {
        return service + " " + client.withPort(clientPort);
    }
}
