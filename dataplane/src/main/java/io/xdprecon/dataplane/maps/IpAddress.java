package io.xdprecon.dataplane.maps;

/**
 * An IP address of either family, as a value. IPv4 stays an int ({@link Ipv4}) wherever code is IPv4-only;
 * this type is for the places that hold either (config endpoints, local IPs, and the IPv6 datapath later).
 * {@link #toString()} is the canonical text: dotted quad, or RFC 5952 for IPv6.
 */
public sealed interface IpAddress {
    /** An IPv4 address, its bits in reading order ({@code 10.0.0.1} is {@code 0x0A000001}). */
    record V4(int bits) implements IpAddress {
        @Override
        public String toString() {
            return Ipv4.format(bits);
        }
    }

    /** An IPv6 address as two longs in reading order: {@code high} holds bytes 0..7, {@code low} bytes 8..15. */
    record V6(long high, long low) implements IpAddress {
        @Override
        public String toString() {
            return Ipv6.format(high, low);
        }
    }

    /** IPv4 as-is, IPv6 in brackets: how an address is written before {@code :port}. */
    default String withPort(int port) {
        return this instanceof V6 ? "[" + this + "]:" + port : this + ":" + port;
    }
}
