package io.xdprecon.sessions;

import io.xdprecon.dataplane.maps.Ipv4;

/** A session's identity: its service and the client's address and port as seen on the wire (after any NAT). */
public record SessionKey(String service, int clientIp, int clientPort) {
    @Override
    public int hashCode() {
        return service.hashCode() * 31 + (int) Rendezvous.mix(((long) clientIp << 16) | clientPort);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionKey k && k.clientIp == clientIp && k.clientPort == clientPort && k.service.equals(service);
    }

    @Override
    public String toString() {
        return service + " " + Ipv4.format(clientIp) + ":" + clientPort;
    }
}
