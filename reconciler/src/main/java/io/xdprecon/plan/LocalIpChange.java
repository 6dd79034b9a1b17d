package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.Ipv4;
import java.util.Objects;

/** One address added to or removed from {@code xdp_local_ips}. */
public record LocalIpChange(Change.Kind kind, int ip) implements Change {
    public LocalIpChange {
        Objects.requireNonNull(kind, "kind");
        if (kind != Change.Kind.ADD && kind != Change.Kind.DELETE) {
            throw new IllegalArgumentException("a local IP is only added or deleted, not " + kind);
        }
    }

    @Override
    public String toString() {
        return "LocalIpChange[" + kind + " " + Ipv4.format(ip) + "]";
    }
}
