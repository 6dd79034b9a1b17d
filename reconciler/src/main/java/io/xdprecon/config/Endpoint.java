package io.xdprecon.config;

import io.xdprecon.dataplane.maps.Ipv4;

/** An IPv4 address ({@link Ipv4} int) and a UDP port 1..65535: one end of a flow as packets carry it. */
public record Endpoint(int address, int port) {
    public Endpoint {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port);
        }
    }

    public static Endpoint of(String address, int port) {
        return new Endpoint(Ipv4.parse(address), port);
    }

    /** Mixed, unlike a record's 31 * address + port: neighbouring addresses and ports would share buckets. */
    @Override
    public int hashCode() {
        int h = address * 0x9E3779B1 + port;
        return h ^ (h >>> 15);
    }

    @Override
    public String toString() {
        return Ipv4.format(address) + ":" + port;
    }
}
