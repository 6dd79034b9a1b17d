package io.xdprecon.dataplane.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Echo replies built in the mbuf, compared byte for byte with replies built from scratch (checksums summed anew). */
class IcmpEchoTest {
    static final byte[] ROUTER_MAC = {2, 0, 0, 0, 0, 1};
    static final byte[] HOST_MAC = {2, 0, 0, 0, 0, 2};
    static final int HOST = 0x0ad40002;
    static final int LOCAL = 0x0ad30001;

    /** An Ethernet/IPv4/ICMP frame with both checksums computed over the whole header/message. */
    static byte[] frame(byte[] dstMac, byte[] srcMac, int src, int dst, int ttl, int type, int id, int seq, byte[] data) {
        int total = 20 + 8 + data.length;
        ByteBuffer b = ByteBuffer.allocate(14 + total);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) ttl).put((byte) 1).putShort((short) 0).putInt(src).putInt(dst);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        byte[] f = b.array();
        putChecksum(f, 14, 20, 24);
        putChecksum(f, 34, total - 20, 36);
        return f;
    }

    static void putChecksum(byte[] f, int from, int length, int at) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += (f[from + i] & 0xff) << 8 | (i + 1 < length ? f[from + i + 1] & 0xff : 0);
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int c = ~(int) sum & 0xffff;
        f[at] = (byte) (c >>> 8);
        f[at + 1] = (byte) c;
    }

    static Mbuf wrap(Arena arena, byte[] frame) {
        return new Mbuf().wrap(FakeMbuf.of(arena, frame).address());
    }

    @Test
    void theReplyIsTheRequestMirroredWithType0AndBothChecksumsRight() {
        Random random = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 0; n < 2000; n++) {
                byte[] data = new byte[random.nextInt(0, 1400)];
                random.nextBytes(data);
                int id = random.nextInt(65536);
                int seq = random.nextInt(65536);
                int ttl = random.nextInt(2, 256);
                byte[] request = frame(ROUTER_MAC, HOST_MAC, HOST, LOCAL, ttl, 8, id, seq, data);
                Mbuf m = wrap(arena, request);
                assertTrue(IcmpEcho.isRequest(m, request.length - 14));
                IcmpEcho.answer(m);
                byte[] expected = frame(HOST_MAC, ROUTER_MAC, LOCAL, HOST, IcmpEcho.REPLY_TTL, 0, id, seq, data);
                assertArrayEquals(expected, FakeMbuf.data(m), "frame " + n + ", " + data.length + " data bytes");
            }
        }
    }

    /**
     * The one reply whose words other than the checksum are all zero (id 0, sequence 0, zero data) must carry
     * 0xffff: with 0x0000 the message sums to +0 and the receiver counts a checksum error. RFC 1624's eqn. 3
     * never yields 0xffff.
     */
    @Test
    void anAllZeroReplyCarriesChecksumFFFF() {
        try (Arena arena = Arena.ofConfined()) {
            for (byte[] data : List.of(new byte[0], new byte[1], new byte[56])) {
                byte[] request = frame(ROUTER_MAC, HOST_MAC, HOST, LOCAL, 64, 8, 0, 0, data);
                Mbuf m = wrap(arena, request);
                assertTrue(IcmpEcho.isRequest(m, request.length - 14));
                IcmpEcho.answer(m);
                byte[] reply = FakeMbuf.data(m);
                assertEquals(0xffff, (reply[36] & 0xff) << 8 | reply[37] & 0xff, data.length + " data bytes");
                assertArrayEquals(frame(HOST_MAC, ROUTER_MAC, LOCAL, HOST, IcmpEcho.REPLY_TTL, 0, 0, 0, data), reply);
            }
        }
    }

    @Test
    void onlyAnIntactEchoRequestIsAnswered() {
        try (Arena arena = Arena.ofConfined()) {
            byte[] data = "ping".getBytes();
            byte[] request = frame(ROUTER_MAC, HOST_MAC, HOST, LOCAL, 64, 8, 1, 1, data);
            byte[] corrupt = request.clone();
            corrupt[corrupt.length - 1] ^= 1;
            assertFalse(IcmpEcho.isRequest(wrap(arena, corrupt), corrupt.length - 14), "bad ICMP checksum");
            byte[] reply = frame(ROUTER_MAC, HOST_MAC, HOST, LOCAL, 64, 0, 1, 1, data);
            assertFalse(IcmpEcho.isRequest(wrap(arena, reply), reply.length - 14), "an echo reply is not answered");
            byte[] unreachable = frame(ROUTER_MAC, HOST_MAC, HOST, LOCAL, 64, 3, 1, 1, data);
            assertFalse(IcmpEcho.isRequest(wrap(arena, unreachable), unreachable.length - 14));
            assertFalse(IcmpEcho.isRequest(wrap(arena, request), 20 + 7), "shorter than an ICMP header");
        }
    }
}
