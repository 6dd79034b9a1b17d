package io.xdprecon.dataplane.dpdk;

/**
 * ICMP and ICMPv6 echo requests to this node's local IPs, which reach the slow path because XDP steers them
 * there: answered in the mbuf itself, or dropped, by policy.
 *
 * <pre>
 *  14 IPv4 (ihl 5): ttl(22) proto=1(23) csum(24) src(26) dst(30)
 *  34 ICMP: type=8(34) code=0(35) csum(36) id(38) seq(40) data(42..)
 * </pre>
 *
 * The reply is the request with MACs and addresses swapped, type 0, a fresh TTL, the IPv4 header checksum
 * recomputed and the ICMP checksum updated incrementally (RFC 1624: only the type word changes; an all-zero
 * reply gets 0xffff, which eqn. 3 cannot give); id,
 * sequence and data are echoed as they came.
 *
 * <pre>
 *  14 IPv6: payload len(18) next header=58(20) hop limit(21) src(22) dst(38)
 *  54 ICMPv6: type=128(54) code=0(55) csum(56) id(58) seq(60) data(62..)
 * </pre>
 *
 * The ICMPv6 reply (RFC 4443 4.2) is the request with MACs and addresses swapped, type 129, the same hop limit as an
 * IPv4 reply's TTL, and its checksum summed anew over the pseudo-header (RFC 8200 8.1: both addresses, the
 * upper-layer length, next header 58) and the message: ICMPv6 has no "no checksum" value, and the pseudo-header
 * never sums to zero, so whatever the sum gives is sent.
 */
public final class IcmpEcho {
    /** What the slow path does with an echo request to a local IP. */
    public enum Policy {
        ANSWER, DROP
    }

    static final int IP = 14;
    static final int ICMP = IP + 20;
    static final int PROTOCOL = 1;
    static final int ECHO_REQUEST = 8;
    static final int REPLY_TTL = 64;
    static final int IP6 = IP;
    static final int ICMP6 = IP6 + 40;
    static final int PROTOCOL6 = 58;
    static final int ECHO_REQUEST6 = 128;
    static final int ECHO_REPLY6 = 129;

    private IcmpEcho() {
    }

    /**
     * Whether the frame (IPv4 without options, {@code ipLength} bytes of IP packet, header checksum already
     * verified) is an echo request whose ICMP checksum is right.
     */
    static boolean isRequest(Mbuf m, int ipLength) {
        return ipLength >= 20 + 8 && m.getByte(ICMP) == ECHO_REQUEST && m.getByte(ICMP + 1) == 0
                && InetChecksum.sum(m, ICMP, ipLength - 20) == 0xffff;
    }

    /** Turns the echo request in {@code m} into its reply, in place. */
    static void answer(Mbuf m) {
        swapMacs(m);
        int src = m.getInt(IP + 12);
        m.setInt(IP + 12, m.getInt(IP + 16));
        m.setInt(IP + 16, src);
        m.setByte(IP + 8, REPLY_TTL);
        m.setU16(IP + 10, 0);
        m.setU16(IP + 10, ~InetChecksum.sum(m, IP, 20) & 0xffff);
        // HC' = ~(~HC + ~m + m') with m = type 8 code 0, m' = type 0 code 0
        long s = (~m.getU16(ICMP + 2) & 0xffff) + (~(ECHO_REQUEST << 8) & 0xffff);
        int checksum = ~InetChecksum.fold(s) & 0xffff;
        m.setByte(ICMP, 0);
        m.setU16(ICMP + 2, 0);
        if (checksum == 0 && InetChecksum.sum(m, ICMP, m.getU16(IP + 2) - 20) == 0) {
            // an all-zero message (id, sequence, data): eqn. 3 cannot yield 0xffff, the only sum that checks
            checksum = 0xffff;
        }
        m.setU16(ICMP + 2, checksum);
    }

    /**
     * Whether the IPv6 frame (fixed header with next header 58, {@code payloadLength} bytes after it, within the
     * frame) is an ICMPv6 echo request whose checksum is right.
     */
    static boolean isRequest6(Mbuf m, int payloadLength) {
        return payloadLength >= 8 && m.getByte(ICMP6) == ECHO_REQUEST6 && m.getByte(ICMP6 + 1) == 0
                && checksum6(m, payloadLength) == 0xffff;
    }

    /** Turns the ICMPv6 echo request in {@code m} ({@code payloadLength} bytes of message) into its reply, in place. */
    static void answer6(Mbuf m, int payloadLength) {
        swapMacs(m);
        long srcHigh = m.getLong(IP6 + 8);
        long srcLow = m.getLong(IP6 + 16);
        m.setLong(IP6 + 8, m.getLong(IP6 + 24));
        m.setLong(IP6 + 16, m.getLong(IP6 + 32));
        m.setLong(IP6 + 24, srcHigh);
        m.setLong(IP6 + 32, srcLow);
        m.setByte(IP6 + 7, REPLY_TTL);
        m.setByte(ICMP6, ECHO_REPLY6);
        m.setU16(ICMP6 + 2, 0);
        m.setU16(ICMP6 + 2, ~checksum6(m, payloadLength) & 0xffff);
    }

    /** The ones'-complement sum of the pseudo-header and the ICMPv6 message, folded (0xffff when it checks). */
    private static int checksum6(Mbuf m, int payloadLength) {
        return InetChecksum.fold((long) InetChecksum.sum(m, IP6 + 8, 32) + payloadLength + PROTOCOL6
                + InetChecksum.sum(m, ICMP6, payloadLength));
    }

    private static void swapMacs(Mbuf m) {
        long dstMac = (long) m.getU16(0) << 32 | (m.getInt(2) & 0xffffffffL);
        long srcMac = (long) m.getU16(6) << 32 | (m.getInt(8) & 0xffffffffL);
        m.setU16(0, (int) (srcMac >>> 32));
        m.setInt(2, (int) srcMac);
        m.setU16(6, (int) (dstMac >>> 32));
        m.setInt(8, (int) dstMac);
    }
}
