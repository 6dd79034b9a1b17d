package io.xdprecon.dataplane.maps;

import java.util.Objects;

/**
 * An IPv6 UDP flow as it arrives on (or, in a rewrite, leaves through) an interface: the IPv6 twin of
 * {@link FlowKey}. A separate type, not a wider FlowKey: IPv4 keys stay two longs in the packed tables, and an
 * IPv6 key never meets an IPv4 one (a flow is one family end to end).
 */
public record FlowKey6(int ifindex, IpAddress.V6 srcIp, IpAddress.V6 dstIp, int srcPort, int dstPort) {
    public FlowKey6 {
        if (ifindex < 0) {
            throw new IllegalArgumentException("ifindex must not be negative: " + ifindex);
        }
        Objects.requireNonNull(srcIp, "srcIp");
        Objects.requireNonNull(dstIp, "dstIp");
        if ((srcPort | dstPort) >>> 16 != 0) {
            throw new IllegalArgumentException("port out of range 0..65535: " + srcPort + ", " + dstPort);
        }
    }

    @Override
    public String toString() {
        return "if" + ifindex + " " + srcIp.withPort(srcPort) + " -> " + dstIp.withPort(dstPort);
    }
}
