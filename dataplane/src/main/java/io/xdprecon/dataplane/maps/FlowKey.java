package io.xdprecon.dataplane.maps;

/**
 * A UDP flow as it arrives on (or, in a rewrite, leaves through) an interface: mirrors
 * {@code struct flow_key}. Addresses are {@link Ipv4} ints, ports 0..65535; the codec puts both in
 * network order.
 */
public record FlowKey(int ifindex, int srcIp, int dstIp, int srcPort, int dstPort) {
    public FlowKey {
        if (ifindex < 0) {
            throw new IllegalArgumentException("ifindex must not be negative: " + ifindex);
        }
        checkPort("source", srcPort);
        checkPort("destination", dstPort);
    }

    private static void checkPort(String which, int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException(which + " port out of range 0..65535: " + port);
        }
    }

    /**
     * The key as two longs, for packed tables of keys: ifindex and source address; then destination address and
     * both 16-bit ports. Injective; ordered as unsigned pairs, it sorts by interface, then addresses, then ports.
     */
    public long high() {
        return high(ifindex, srcIp);
    }

    /** The second of the two longs ({@link #high()}). */
    public long low() {
        return low(dstIp, srcPort, dstPort);
    }

    public static long high(int ifindex, int srcIp) {
        return (long) ifindex << 32 | (srcIp & 0xffffffffL);
    }

    public static long low(int dstIp, int srcPort, int dstPort) {
        return (long) dstIp << 32 | (long) srcPort << 16 | dstPort;
    }

    /** The key that {@link #high()} and {@link #low()} encode. */
    public static FlowKey unpack(long high, long low) {
        return new FlowKey((int) (high >>> 32), (int) high, (int) (low >>> 32), (int) (low >>> 16) & 0xffff,
                (int) low & 0xffff);
    }

    /** A key from dotted-quad addresses: for tests, the demo and the lab. */
    public static FlowKey of(int ifindex, String src, int srcPort, String dst, int dstPort) {
        return new FlowKey(ifindex, Ipv4.parse(src), Ipv4.parse(dst), srcPort, dstPort);
    }

    /**
     * Mixed over all five fields: a record's {@code 31 * h + field} keeps neighbouring addresses and ports in
     * neighbouring buckets, and real key sets (clients counted up, one client or one server shared by many
     * flows) are made of such neighbours — linear-probing tables then degrade to quadratic time.
     */
    @Override
    public int hashCode() {
        long h = high() * 0x9E3779B97F4A7C15L;
        h ^= low();
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 33));
    }

    @Override
    public String toString() {
        return "if" + ifindex + " " + Ipv4.format(srcIp) + ":" + srcPort + " -> " + Ipv4.format(dstIp) + ":" + dstPort;
    }
}
