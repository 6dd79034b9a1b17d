package io.xdprecon.config;

/** UDP ports {@code first..last}, both included: a service's pool of egress source ports. */
public record PortRange(int first, int last) {
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("not a port range within 1..65535: " + first + "-" + last);
        }
    }

    public int size() {
        return last - first + 1;
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    public boolean overlaps(PortRange other) {
        return first <= other.last && other.first <= last;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
