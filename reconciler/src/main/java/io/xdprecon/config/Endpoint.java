package io.xdprecon.config;

import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;

/**
 * An IP address of either family and a UDP port 1..65535: one end of a flow as packets carry it. Printed as
 * {@code 10.0.0.1:5004} or {@code [2001:db8::1]:5004} (RFC 5952 text in brackets, as URLs write it).
 */
public record Endpoint(IpAddress ip, int port) {
    public Endpoint {
        if (ip == null) {
            throw new NullPointerException("ip");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port);
        }
    }

    /** An IPv4 endpoint ({@link Ipv4} int). */
    public Endpoint(int address, int port) {
        this(new IpAddress.V4(address), port);
    }

    public static Endpoint of(String address, int port) {
        return new Endpoint(Ipv4.parse(address), port);
    }

    /**
     * {@code 10.0.0.1:5004} or {@code [2001:db8::1]:5004}, as {@link #toString()} writes it (any RFC 4291 text).
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static Endpoint parse(String text) {
        return switch (Values.endpoint(text)) {
            case Values.Parsed.Ok<Endpoint> ok -> ok.value();
            case Values.Parsed.Bad<Endpoint> bad -> throw new IllegalArgumentException(bad.message());
        };
    }

    /**
     * The IPv4 address as an {@link Ipv4} int, for the IPv4-only code (the packed IPv4 rule tables, an IPv4
     * session's rules): IPv6 endpoints are carried by {@link #ip()}.
     *
     * @throws IllegalStateException for an IPv6 endpoint
     */
    public int address() {
        if (ip instanceof IpAddress.V4(int bits)) {
            return bits;
        }
        throw new IllegalStateException("IPv6 endpoint " + this + " where only IPv4 is carried");
    }

    public boolean ipv6() {
        return ip instanceof IpAddress.V6;
    }

    /** Mixed, unlike a record's 31 * address + port: neighbouring addresses and ports would share buckets. */
    @Override
    public int hashCode() {
        int address = ip instanceof IpAddress.V4(int bits) ? bits : ip.hashCode();
        int h = address * 0x9E3779B1 + port;
        return h ^ (h >>> 15);
    }

    @Override
    public String toString() {
        return ip.withPort(port);
    }
}
