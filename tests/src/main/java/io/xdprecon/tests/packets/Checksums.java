package io.xdprecon.tests.packets;

/**
 * The Internet checksum (RFC 1071), computed from scratch: the ones' complement of the ones'
 * complement sum of 16-bit big-endian words. Values are ints in 0..0xffff.
 *
 * <p>In ones' complement there are two zeros, 0x0000 and 0xffff; {@link #sameValue} compares modulo
 * that. A folded sum of data that is not all zero is never 0x0000, so a checksum computed from scratch
 * over such data is never 0xffff.
 */
public final class Checksums {
    public static final int IPV4_CHECKSUM_OFFSET = 10;
    public static final int UDP_CHECKSUM_OFFSET = 6;
    private static final int IPPROTO_UDP = 17;

    private Checksums() {}

    /** Ones' complement sum of {@code bytes[offset, offset+length)}; an odd last byte is padded with zero. */
    public static int sum(byte[] bytes, int offset, int length) {
        long total = 0;
        int end = offset + length;
        int i = offset;
        for (; i + 1 < end; i += 2) {
            total += ((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff);
        }
        if (i < end) {
            total += (bytes[i] & 0xff) << 8;
        }
        return fold(total);
    }

    /** Ones' complement addition of two 16-bit values (end-around carry). */
    public static int add(int a, int b) {
        return fold((long) a + b);
    }

    /** Ones' complement negation: {@code add(a, negate(a))} is zero. */
    public static int negate(int a) {
        return ~a & 0xffff;
    }

    /** True when a and b are the same ones' complement number (0x0000 and 0xffff are both zero). */
    public static boolean sameValue(int a, int b) {
        return a == b || isZero(a) && isZero(b);
    }

    public static boolean isZero(int a) {
        return a == 0 || a == 0xffff;
    }

    /** The checksum field that makes {@code bytes[offset, offset+length)} sum to zero. */
    public static int internetChecksum(byte[] bytes, int offset, int length) {
        return negate(sum(bytes, offset, length));
    }

    /** IPv4 header checksum of the header at {@code ipOffset}, its own checksum field counted as zero. */
    public static int ipv4Header(byte[] frame, int ipOffset, int headerLength) {
        byte[] header = java.util.Arrays.copyOfRange(frame, ipOffset, ipOffset + headerLength);
        header[IPV4_CHECKSUM_OFFSET] = 0;
        header[IPV4_CHECKSUM_OFFSET + 1] = 0;
        return internetChecksum(header, 0, headerLength);
    }

    /**
     * The ones' complement sum the UDP checksum protects: IPv4 pseudo-header (source, destination,
     * protocol 17, {@code udpLength}) plus {@code udpLength} bytes of UDP header and payload, the
     * checksum field counted as zero.
     */
    public static int udpSum(int srcIp, int dstIp, byte[] frame, int udpOffset, int udpLength) {
        byte[] segment = java.util.Arrays.copyOfRange(frame, udpOffset, udpOffset + udpLength);
        if (udpLength >= UDP_CHECKSUM_OFFSET + 2) {
            segment[UDP_CHECKSUM_OFFSET] = 0;
            segment[UDP_CHECKSUM_OFFSET + 1] = 0;
        }
        int pseudo = add(add(srcIp >>> 16, srcIp & 0xffff), add(dstIp >>> 16, dstIp & 0xffff));
        pseudo = add(pseudo, add(IPPROTO_UDP, udpLength & 0xffff));
        return add(pseudo, sum(segment, 0, udpLength));
    }

    /** The UDP checksum to transmit: a computed 0 is sent as 0xffff, since 0 means "no checksum" (RFC 768). */
    public static int udp(int srcIp, int dstIp, byte[] frame, int udpOffset, int udpLength) {
        int checksum = negate(udpSum(srcIp, dstIp, frame, udpOffset, udpLength));
        return checksum == 0 ? 0xffff : checksum;
    }

    /** UDP over IPv6 (RFC 8200 §8.1): the pseudo-header carries 128-bit addresses and a 32-bit length. */
    public static int udpIpv6(byte[] srcIp, byte[] dstIp, byte[] frame, int udpOffset, int udpLength) {
        byte[] segment = java.util.Arrays.copyOfRange(frame, udpOffset, udpOffset + udpLength);
        segment[UDP_CHECKSUM_OFFSET] = 0;
        segment[UDP_CHECKSUM_OFFSET + 1] = 0;
        int total = add(sum(srcIp, 0, 16), sum(dstIp, 0, 16));
        total = add(total, add(udpLength >>> 16, udpLength & 0xffff));
        total = add(total, add(IPPROTO_UDP, sum(segment, 0, udpLength)));
        int checksum = negate(total);
        return checksum == 0 ? 0xffff : checksum;
    }

    private static int fold(long total) {
        while ((total >>> 16) != 0) {
            total = (total & 0xffff) + (total >>> 16);
        }
        return (int) total;
    }
}
