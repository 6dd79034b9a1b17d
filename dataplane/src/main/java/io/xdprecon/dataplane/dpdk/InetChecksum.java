package io.xdprecon.dataplane.dpdk;

/** The Internet checksum (RFC 1071) over bytes of an mbuf, for the slow path's header checks and rewrites. */
final class InetChecksum {
    private InetChecksum() {
    }

    /** Ones'-complement sum of {@code length} bytes from {@code offset}, folded; an odd last byte is padded with 0. */
    static int sum(Mbuf m, int offset, int length) {
        long s = 0;
        int end = offset + (length & ~1);
        for (int o = offset; o < end; o += 2) {
            s += m.getU16(o);
        }
        if ((length & 1) != 0) {
            s += m.getByte(end) << 8;
        }
        return fold(s);
    }

    /** Folds carries into 16 bits. */
    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }
}
