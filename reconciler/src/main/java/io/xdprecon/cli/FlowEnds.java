package io.xdprecon.cli;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.IpAddress;
import java.util.Comparator;

/**
 * A rule's key or rewrite of either family as the commands show it: the interface and both ends, an address of
 * {@link FlowKey} (xdp_fwd_rules) or {@link FlowKey6} (xdp_rules6). Written {@code 10.0.0.1:5004 -> …} or
 * {@code [2001:db8::1]:5004 -> …} (RFC 5952 in brackets), as plans write them.
 */
record FlowEnds(int ifindex, IpAddress src, int srcPort, IpAddress dst, int dstPort) {
    static FlowEnds of(FlowKey k) {
        return new FlowEnds(k.ifindex(), new IpAddress.V4(k.srcIp()), k.srcPort(), new IpAddress.V4(k.dstIp()), k.dstPort());
    }

    static FlowEnds of(FlowKey6 k) {
        return new FlowEnds(k.ifindex(), k.srcIp(), k.srcPort(), k.dstIp(), k.dstPort());
    }

    boolean ipv6() {
        return src instanceof IpAddress.V6;
    }

    /** The same ends seen the other way: the key of the rule carrying the replies of a flow that leaves as this. */
    FlowEnds reversed() {
        return new FlowEnds(ifindex, dst, dstPort, src, srcPort);
    }

    /** {@code 192.0.2.45:52311 -> 203.0.113.10:27015}, without the interface. */
    String ends() {
        return src.withPort(srcPort) + " -> " + dst.withPort(dstPort);
    }

    /** IPv4 addresses before IPv6 ones, each in numeric order (unsigned). */
    static final Comparator<IpAddress> ADDRESS_ORDER = Comparator
            .comparing((IpAddress a) -> a instanceof IpAddress.V6)
            .thenComparing(a -> a instanceof IpAddress.V4(int bits) ? Integer.toUnsignedLong(bits) : 0L)
            .thenComparing(a -> a instanceof IpAddress.V6(long high, long low) ? high : 0L, Long::compareUnsigned)
            .thenComparing(a -> a instanceof IpAddress.V6(long high, long low) ? low : 0L, Long::compareUnsigned);

    /** By interface, then destination (address, port), then source: a service's or a server's rules together. */
    static final Comparator<FlowEnds> BY_DESTINATION = Comparator.comparingInt(FlowEnds::ifindex)
            .thenComparing(FlowEnds::dst, ADDRESS_ORDER).thenComparingInt(FlowEnds::dstPort)
            .thenComparing(FlowEnds::src, ADDRESS_ORDER).thenComparingInt(FlowEnds::srcPort);

    /** By interface, then source (address, port), then destination: the order of the maps' own key fields. */
    static final Comparator<FlowEnds> BY_SOURCE = Comparator.comparingInt(FlowEnds::ifindex)
            .thenComparing(FlowEnds::src, ADDRESS_ORDER).thenComparingInt(FlowEnds::srcPort)
            .thenComparing(FlowEnds::dst, ADDRESS_ORDER).thenComparingInt(FlowEnds::dstPort);
}
