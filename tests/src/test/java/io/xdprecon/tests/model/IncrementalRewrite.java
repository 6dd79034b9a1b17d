package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowKey;

/**
 * A line-by-line port of the rewrite in bpf/xdp_fwd.c, incremental checksums (RFC 1624 eqn. 3) and
 * all, on big-endian words (ones' complement sums do not care about byte order). The model computes
 * checksums from scratch; tests compare the two so that the model's "from scratch plus the input's
 * error" claim is checked against the arithmetic the program really does.
 */
final class IncrementalRewrite {
    private IncrementalRewrite() {}

    /** The frame after a rule hit, as the program leaves it for the given FIB answer. */
    static byte[] apply(byte[] input, FlowKey to, FibResult fib) {
        byte[] frame = input.clone();
        long l3 = delta32(s32(frame, 26), to.srcIp()) + delta32(s32(frame, 30), to.dstIp());
        int udpCheck = u16(frame, 40);
        if (udpCheck != 0) {
            long l4 = l3 + delta16(u16(frame, 34), to.srcPort()) + delta16(u16(frame, 36), to.dstPort());
            int check = apply(udpCheck, l4);
            put16(frame, 40, check != 0 ? check : 0xffff);
        }
        put32(frame, 26, to.srcIp());
        put32(frame, 30, to.dstIp());
        put16(frame, 34, to.srcPort());
        put16(frame, 36, to.dstPort());
        if (fib.code() != FibCode.SUCCESS) {
            put16(frame, 24, apply(u16(frame, 24), l3));
            return frame;
        }
        int ttlWordOld = u16(frame, 22);
        frame[22] = (byte) (frame[22] - 1);
        int ttlWordNew = u16(frame, 22);
        put16(frame, 24, apply(u16(frame, 24), l3 + delta16(ttlWordOld, ttlWordNew)));
        fib.dstMac().write(frame, 0);
        fib.srcMac().write(frame, 6);
        return frame;
    }

    private static long delta16(int old, int updated) {
        return (~old & 0xffff) + (long) updated;
    }

    private static long delta32(int old, int updated) {
        return delta16(old >>> 16, updated >>> 16) + delta16(old & 0xffff, updated & 0xffff);
    }

    private static int apply(int check, long delta) {
        long sum = (~check & 0xffff) + delta;
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) ~sum & 0xffff;
    }

    private static int u16(byte[] frame, int offset) {
        return ((frame[offset] & 0xff) << 8) | (frame[offset + 1] & 0xff);
    }

    private static int s32(byte[] frame, int offset) {
        return (u16(frame, offset) << 16) | u16(frame, offset + 2);
    }

    private static void put16(byte[] frame, int offset, int value) {
        frame[offset] = (byte) (value >>> 8);
        frame[offset + 1] = (byte) value;
    }

    private static void put32(byte[] frame, int offset, int value) {
        put16(frame, offset, value >>> 16);
        put16(frame, offset + 2, value & 0xffff);
    }
}
