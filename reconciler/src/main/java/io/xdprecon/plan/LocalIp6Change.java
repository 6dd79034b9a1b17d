package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.IpAddress;
import java.util.Objects;

/** One address added to or removed from {@code xdp_local_ips6}. */
public record LocalIp6Change(Change.Kind kind, IpAddress.V6 ip) implements Change {
    public LocalIp6Change {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(ip, "ip");
        if (kind != Change.Kind.ADD && kind != Change.Kind.DELETE) {
            throw new IllegalArgumentException("a local IP is only added or deleted, not " + kind);
        }
    }
}
