package io.xdprecon.dataplane.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv6;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The slow path's IPv6 frames, one at a time through {@link SlowPathLoop#handle} on hand-built mbufs (no EAL, no
 * port): rewrites compared byte for byte with frames built from scratch (UDP checksum summed anew over the
 * pseudo-header), ICMPv6 echo by policy, and every frame that is not sent counted in one reason.
 */
class SlowPathLoop6Test {
    static final byte[] PEER_MAC = {2, 0, 0, 0, 0, 2};
    static final byte[] PORT_MAC = {2, 0, 0, 0, 0, 1};
    static final byte[] NEXT_HOP_MAC = {2, 0, 0, 0, 0, 9};
    static final IpAddress.V6 CLIENT = v6("2001:db8:1::20");
    static final IpAddress.V6 VIP = v6("2001:db8:1::1");
    static final IpAddress.V6 EGRESS = v6("2001:db8:2::1");
    static final IpAddress.V6 BACKEND = v6("2001:db8:2::30");
    static final int IFINDEX = 7;

    static IpAddress.V6 v6(String text) {
        long[] a = Ipv6.parse(text);
        return new IpAddress.V6(a[0], a[1]);
    }

    /** An Ethernet/IPv6 frame: {@code next} header, then {@code l4} as given (checksums already in it). */
    static byte[] frame(byte[] dstMac, byte[] srcMac, IpAddress.V6 src, IpAddress.V6 dst, int hopLimit, int next, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + l4.length);
        b.put(dstMac).put(srcMac).putShort((short) 0x86dd);
        b.putInt(0x6000_0000).putShort((short) l4.length).put((byte) next).put((byte) hopLimit);
        b.putLong(src.high()).putLong(src.low()).putLong(dst.high()).putLong(dst.low());
        return b.put(l4).array();
    }

    /** A UDP datagram with its checksum summed from scratch over the IPv6 pseudo-header (0 sent as 0xffff). */
    static byte[] udp(IpAddress.V6 src, IpAddress.V6 dst, int srcPort, int dstPort, byte[] payload) {
        byte[] d = ByteBuffer.allocate(8 + payload.length).putShort((short) srcPort).putShort((short) dstPort)
                .putShort((short) (8 + payload.length)).putShort((short) 0).put(payload).array();
        int c = checksum(src, dst, 17, d);
        c = c == 0 ? 0xffff : c;
        d[6] = (byte) (c >>> 8);
        d[7] = (byte) c;
        return d;
    }

    /** An ICMPv6 message with its checksum summed from scratch. */
    static byte[] icmp6(IpAddress.V6 src, IpAddress.V6 dst, int type, int id, int seq, byte[] data) {
        byte[] d = ByteBuffer.allocate(8 + data.length).put((byte) type).put((byte) 0).putShort((short) 0)
                .putShort((short) id).putShort((short) seq).put(data).array();
        int c = checksum(src, dst, 58, d);
        d[2] = (byte) (c >>> 8);
        d[3] = (byte) c;
        return d;
    }

    static int checksum(IpAddress.V6 src, IpAddress.V6 dst, int next, byte[] message) {
        long sum = words(src.high()) + words(src.low()) + words(dst.high()) + words(dst.low()) + message.length + next;
        for (int i = 0; i < message.length; i += 2) {
            sum += (message[i] & 0xff) << 8 | (i + 1 < message.length ? message[i + 1] & 0xff : 0);
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~(int) sum & 0xffff;
    }

    static long words(long v) {
        return (v >>> 48) + (v >>> 32 & 0xffff) + (v >>> 16 & 0xffff) + (v & 0xffff);
    }

    /** A router that sends every IPv6 datagram to {@code target} and remembers what it was asked. */
    static final class To implements SlowPathLoop.Router {
        final FlowKey6 target;
        long[] asked;
        int calls;

        To(FlowKey6 target) {
            this.target = target;
        }

        @Override
        public boolean route(int ifindex, int srcIp, int dstIp, int srcPort, int dstPort, Payload payload,
                SlowPathLoop.Rewrite out) {
            throw new AssertionError("an IPv6 frame routed as IPv4");
        }

        @Override
        public boolean route6(int ifindex, long srcHigh, long srcLow, long dstHigh, long dstLow, int srcPort,
                int dstPort, Payload payload, SlowPathLoop.Rewrite out) {
            calls++;
            asked = new long[] {ifindex, srcHigh, srcLow, dstHigh, dstLow, srcPort, dstPort, payload.length(),
                    payload.length() > 0 ? payload.byteAt(0) : -1};
            return target != null && out.set(target, SlowPathLoop.mac(PORT_MAC), SlowPathLoop.mac(NEXT_HOP_MAC));
        }
    }

    static SlowPathLoop loop(SlowPathLoop.Router router, IcmpEcho.Policy echo) {
        return new SlowPathLoop(null, 0, IFINDEX, 4, router, echo);
    }

    static Mbuf wrap(Arena arena, byte[] frame) {
        return new Mbuf().wrap(FakeMbuf.of(arena, frame).address());
    }

    @Test
    void aDatagramIsRewrittenAsOneBuiltFromScratch() {
        Random random = new Random(17);
        FlowKey6 target = new FlowKey6(IFINDEX, EGRESS, BACKEND, 50001, 3478);
        To router = new To(target);
        SlowPathLoop loop = loop(router, IcmpEcho.Policy.ANSWER);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 0; n < 2000; n++) {
                byte[] payload = new byte[random.nextInt(0, 1400)];
                random.nextBytes(payload);
                int clientPort = random.nextInt(1, 65536);
                int hopLimit = random.nextInt(2, 256);
                IpAddress.V6 client = new IpAddress.V6(random.nextLong(), random.nextLong());
                byte[] in = frame(PORT_MAC, PEER_MAC, client, VIP, hopLimit, 17, udp(client, VIP, clientPort, 3478, payload));
                Mbuf m = wrap(arena, in);
                assertTrue(loop.handle(m), "frame " + n);
                assertArrayEquals(new long[] {IFINDEX, client.high(), client.low(), VIP.high(), VIP.low(), clientPort, 3478,
                        payload.length, payload.length > 0 ? payload[0] & 0xff : -1}, router.asked);
                byte[] expected = frame(NEXT_HOP_MAC, PORT_MAC, EGRESS, BACKEND, hopLimit - 1, 17,
                        udp(EGRESS, BACKEND, 50001, 3478, payload));
                assertArrayEquals(expected, FakeMbuf.data(m), "frame " + n + ", " + payload.length + " payload bytes");
            }
        }
        assertEquals(0, loop.counters().get(SlowPathLoop.Counter.UNROUTED));
    }

    @Test
    void framesNoSessionMayCarryAreCountedEachInOneReasonAndNotRouted() {
        To router = new To(new FlowKey6(IFINDEX, EGRESS, BACKEND, 50001, 3478));
        SlowPathLoop loop = loop(router, IcmpEcho.Policy.ANSWER);
        byte[] datagram = udp(CLIENT, VIP, 40000, 3478, "hello".getBytes());
        try (Arena arena = Arena.ofConfined()) {
            // a hop-by-hop, routing, fragment and destination-options header in front of the UDP header
            for (int ext : new int[] {0, 43, 44, 60}) {
                byte[] withHeader = ByteBuffer.allocate(8 + datagram.length).put((byte) 17).put((byte) 0)
                        .putShort((short) 0).putInt(0).put(datagram).array();
                assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, ext, withHeader))));
            }
            assertEquals(4, loop.counters().get(SlowPathLoop.Counter.OPTIONS_OR_FRAGMENT));
            assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 1, 17, datagram))));
            assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 0, 17, datagram))));
            assertEquals(2, loop.counters().get(SlowPathLoop.Counter.TTL_EXPIRED));
            byte[] noChecksum = datagram.clone();
            noChecksum[6] = 0;
            noChecksum[7] = 0;
            assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 17, noChecksum))),
                    "IPv6 forbids a UDP checksum of 0");
            byte[] cut = frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 17, datagram);
            assertFalse(loop.handle(wrap(arena, java.util.Arrays.copyOf(cut, cut.length - 1))), "payload length past the frame");
            byte[] udpTooLong = datagram.clone();
            udpTooLong[5] = (byte) (datagram.length + 1);
            assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 17, udpTooLong))));
            byte[] version4 = frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 17, datagram);
            version4[14] = 0x40;
            assertFalse(loop.handle(wrap(arena, version4)), "version nibble not 6");
            assertEquals(4, loop.counters().get(SlowPathLoop.Counter.MALFORMED));
            // neighbour solicitation, and a protocol that is neither UDP nor ICMPv6
            assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 255, 58,
                    icmp6(CLIENT, VIP, 135, 0, 0, new byte[16])))));
            assertFalse(loop.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 6, new byte[20]))));
            assertEquals(2, loop.counters().get(SlowPathLoop.Counter.OTHER_PROTOCOL));
            assertEquals(0, router.calls, "none of them reached the router");
            // a datagram the router refuses
            SlowPathLoop refusing = loop(new To(null), IcmpEcho.Policy.ANSWER);
            byte[] frame = frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 17, datagram);
            Mbuf m = wrap(arena, frame);
            assertFalse(refusing.handle(m));
            assertEquals(1, refusing.counters().get(SlowPathLoop.Counter.UNROUTED));
            assertArrayEquals(frame, FakeMbuf.data(m), "a refused frame is left as it came");
            // toward an interface with no port here
            SlowPathLoop elsewhere = loop(new To(new FlowKey6(IFINDEX + 1, EGRESS, BACKEND, 50001, 3478)), IcmpEcho.Policy.ANSWER);
            assertFalse(elsewhere.handle(wrap(arena, frame)));
            assertEquals(1, elsewhere.counters().get(SlowPathLoop.Counter.OTHER_INTERFACE));
        }
    }

    @Test
    void anIcmpv6EchoRequestIsAnsweredOrDroppedByPolicy() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            SlowPathLoop answering = loop(new To(null), IcmpEcho.Policy.ANSWER);
            for (int n = 0; n < 500; n++) {
                byte[] data = new byte[random.nextInt(0, 1400)];
                random.nextBytes(data);
                int id = random.nextInt(65536);
                int seq = random.nextInt(65536);
                IpAddress.V6 host = new IpAddress.V6(random.nextLong(), random.nextLong());
                Mbuf m = wrap(arena, frame(PORT_MAC, PEER_MAC, host, VIP, random.nextInt(1, 256), 58,
                        icmp6(host, VIP, 128, id, seq, data)));
                assertTrue(answering.handle(m), "request " + n);
                assertArrayEquals(frame(PEER_MAC, PORT_MAC, VIP, host, IcmpEcho.REPLY_TTL, 58, icmp6(VIP, host, 129, id, seq, data)),
                        FakeMbuf.data(m), "request " + n + ", " + data.length + " data bytes");
            }
            assertEquals(500, answering.counters().get(SlowPathLoop.Counter.ECHO_ANSWERED));
            byte[] request = frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 58, icmp6(CLIENT, VIP, 128, 1, 1, "ping".getBytes()));
            byte[] corrupt = request.clone();
            corrupt[corrupt.length - 1] ^= 1;
            assertFalse(answering.handle(wrap(arena, corrupt)), "a bad checksum is not answered");
            assertFalse(answering.handle(wrap(arena, frame(PORT_MAC, PEER_MAC, CLIENT, VIP, 64, 58,
                    icmp6(CLIENT, VIP, 129, 1, 1, "ping".getBytes())))), "an echo reply is not answered");
            assertEquals(2, answering.counters().get(SlowPathLoop.Counter.OTHER_PROTOCOL));
            SlowPathLoop dropping = loop(new To(null), IcmpEcho.Policy.DROP);
            Mbuf m = wrap(arena, request);
            assertFalse(dropping.handle(m));
            assertEquals(1, dropping.counters().get(SlowPathLoop.Counter.ECHO_DROPPED));
            assertArrayEquals(request, FakeMbuf.data(m));
        }
    }
}
