package io.xdprecon.dataplane.dpdk;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;

/**
 * The slow path's duty cycle on one queue of one port: RX a burst, parse each frame as Ethernet/IPv4/UDP or
 * Ethernet/IPv6/UDP without allocating, ask a {@link Router} for its rewrite, rewrite in place (addresses, ports,
 * MACs, TTL or hop limit, for IPv4 a recomputed header checksum, and an incrementally updated UDP checksum), TX,
 * and free what was not sent. {@link #doWork()} returns the packets handled, for an {@link IdleStrategy}.
 *
 * <pre>
 *   0 dst MAC  6 src MAC  12 ethertype 0x0800
 *  14 IPv4: ver/ihl(=0x45) tos totlen(16) id(18) flags/frag(20) ttl(22) proto=17(23) csum(24) src(26) dst(30)
 *  34 UDP:  sport(34) dport(36) len(38) csum(40)  42 payload
 *
 *   0 dst MAC  6 src MAC  12 ethertype 0x86dd
 *  14 IPv6: ver/tc/flow(14) payload len(18) next header=17(20) hop limit(21) src(22..37) dst(38..53)
 *  54 UDP:  sport(54) dport(56) len(58) csum(60)  62 payload
 * </pre>
 *
 * IPv6 is taken as the XDP program takes it: UDP right after the fixed header; a frame with extension headers
 * (a jumbogram's hop-by-hop among them) is no session's and is counted with IPv4 options and fragments; a UDP
 * checksum of 0, which IPv6 forbids, is malformed.
 *
 * An ICMP echo request to a local IP (XDP steers every non-UDP packet to one here), or an ICMPv6 echo request,
 * is answered in the mbuf or dropped, by {@link IcmpEcho.Policy}. Every frame that is not sent is counted in exactly one
 * reason and freed ({@link Counter}): malformed, IPv4 options or a fragment, another protocol, an echo
 * the policy drops, TTL ≤ 1, no route (the router said no), an egress interface without a port here
 * (neither this loop's nor a {@link #peers peer}'s), TX queue full. A rewrite toward a peer's interface goes
 * into that loop's TX burst, sent at its next {@link #doWork()}. Nothing is sent anywhere the router did not
 * name, except an echo reply to the request's sender. One thread (with its peers); not thread-safe.
 */
public final class SlowPathLoop {
    /** Decides the rewrite of one packet that reached userspace. Called on the loop's thread. */
    @FunctionalInterface
    public interface Router {
        /**
         * Fills {@code out} and returns true to forward; false to drop (the router counts why). {@code payload} is
         * the datagram's UDP payload, readable during the call only.
         */
        boolean route(int ifindex, int srcIp, int dstIp, int srcPort, int dstPort, Payload payload, Rewrite out);

        /**
         * The IPv6 twin of {@link #route}: addresses as two longs each (bytes 0..7, 8..15), the rewrite in
         * {@code out}'s IPv6 fields. A router that carries no IPv6 says false.
         */
        default boolean route6(int ifindex, long srcHigh, long srcLow, long dstHigh, long dstLow, int srcPort,
                int dstPort, Payload payload, Rewrite out) {
            return false;
        }
    }

    /**
     * A packet's new headers, reused for every packet. MACs are 48-bit values in the low bits; IPv4 addresses in
     * {@code srcIp}/{@code dstIp}, IPv6 ones in the four longs.
     */
    public static final class Rewrite {
        public int ifindex;
        public int srcIp;
        public int dstIp;
        public long srcHigh;
        public long srcLow;
        public long dstHigh;
        public long dstLow;
        public int srcPort;
        public int dstPort;
        public long srcMac;
        public long dstMac;

        /** Takes {@code target}'s egress ifindex, addresses and ports, and the two MACs; returns true (forward). */
        public boolean set(FlowKey target, long srcMac, long dstMac) {
            ifindex = target.ifindex();
            srcIp = target.srcIp();
            dstIp = target.dstIp();
            srcPort = target.srcPort();
            dstPort = target.dstPort();
            this.srcMac = srcMac;
            this.dstMac = dstMac;
            return true;
        }

        /** Takes an IPv6 {@code target}'s egress ifindex, addresses and ports, and the two MACs; returns true. */
        public boolean set(FlowKey6 target, long srcMac, long dstMac) {
            ifindex = target.ifindex();
            srcHigh = target.srcIp().high();
            srcLow = target.srcIp().low();
            dstHigh = target.dstIp().high();
            dstLow = target.dstIp().low();
            srcPort = target.srcPort();
            dstPort = target.dstPort();
            this.srcMac = srcMac;
            this.dstMac = dstMac;
            return true;
        }
    }

    static final int ETH = 14;
    static final int IP = ETH;
    static final int UDP = IP + 20;
    static final int MIN = UDP + 8;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int IP6_HEADER = 40;
    static final int UDP6 = IP + IP6_HEADER;
    static final int MIN6 = UDP6 + 8;
    static final int UDP_PROTOCOL = 17;

    private final EthPort port;
    private final int queue;
    private final int ifindex;
    private final Router router;
    private final MbufBurst rx;
    private final MbufBurst tx;
    private final Mbuf mbuf = new Mbuf();
    private final Rewrite rewrite = new Rewrite();
    private final UdpPayload payload = new UdpPayload();
    private final IcmpEcho.Policy echo;
    private final int burst;
    private SlowPathLoop[] peers = new SlowPathLoop[0];
    /** Where the frame {@link #handle} accepted goes: this loop's interface or a peer's. */
    private int egress;

    private final Counters<Counter> counters = Counters.of(Counter.class);

    public SlowPathLoop(EthPort port, int queue, int ifindex, int burst, Router router,
            IcmpEcho.Policy echo) {
        this.port = port;
        this.echo = echo;
        this.queue = queue;
        this.ifindex = ifindex;
        this.router = router;
        this.burst = burst;
        this.rx = new MbufBurst(burst);
        // room for one RX burst of its own plus up to one burst its peers hand over
        this.tx = new MbufBurst(2 * burst);
    }

    /**
     * The loops of the other ports, run on this loop's thread: a rewrite toward one of their interfaces is
     * sent on that loop's port instead of being dropped as another interface (and counted there as
     * forwarded or TX-dropped: the counters partition what all loops received together).
     */
    public void peers(java.util.List<SlowPathLoop> loops) {
        peers = loops.stream().filter(l -> l != this).toArray(SlowPathLoop[]::new);
    }

    private SlowPathLoop peer(int ifindex) {
        for (SlowPathLoop p : peers) {
            if (p.ifindex == ifindex) {
                return p;
            }
        }
        return null;
    }

    /** One duty cycle; returns the frames received. */
    public int doWork() {
        int n = port.rxBurst(queue, rx);
        if (n == 0) {
            send();
            return 0;
        }
        counters.add(Counter.RECEIVED, n);
        // in arrival order: what is sent keeps it, what is not stays in rx and is freed below
        for (int i = 0; i < rx.count(); i++) {
            if (handle(rx.mbuf(i, mbuf))) {
                SlowPathLoop out = egress == ifindex ? this : peer(egress);
                if (out == this) {
                    tx.add(rx.take(i--));
                } else if (out.tx.count() < out.burst) {
                    out.tx.add(rx.take(i--));
                } else {
                    counters.increment(Counter.TX_DROPPED); // the peer's burst is full: freed with the rest of rx
                }
            }
        }
        rx.freeAll();
        send();
        return n;
    }

    /** Sends this loop's TX burst (its own frames and those its peers handed over); frees what the queue refused. */
    private void send() {
        if (tx.count() > 0) {
            int want = tx.count();
            int sent = port.txBurst(queue, tx);
            counters.add(Counter.FORWARDED, sent);
            if (sent < want) {
                counters.add(Counter.TX_DROPPED, want - sent);
                tx.freeAll();
            }
        }
    }

    /** Whether the frame in {@code m} is to be sent (rewritten in place, {@link #egress} set); counted either way. */
    boolean handle(Mbuf m) {
        int length = m.dataLength();
        if (m.segments() != 1 || length < ETH + 20) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        int ethertype = m.getU16(12);
        if (ethertype == ETHERTYPE_IPV6) {
            return handle6(m, length);
        }
        if (ethertype != ETHERTYPE_IPV4) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        if (m.getByte(IP) != 0x45 || (m.getU16(IP + 6) & 0x3fff) != 0) {
            counters.increment(Counter.OPTIONS_OR_FRAGMENT);
            return false;
        }
        int total = m.getU16(IP + 2);
        if (total < 20 || total > length - ETH || InetChecksum.sum(m, IP, 20) != 0xffff) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        int protocol = m.getByte(IP + 9);
        if (protocol == IcmpEcho.PROTOCOL && IcmpEcho.isRequest(m, total)) {
            return echo(m, 0);
        }
        if (protocol != 17) {
            counters.increment(Counter.OTHER_PROTOCOL);
            return false;
        }
        int udpLength = total >= 28 ? m.getU16(UDP + 4) : 0;
        if (udpLength < 8 || udpLength > total - 20) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        int ttl = m.getByte(IP + 8);
        if (ttl <= 1) {
            counters.increment(Counter.TTL_EXPIRED);
            return false;
        }
        int srcIp = m.getInt(IP + 12);
        int dstIp = m.getInt(IP + 16);
        int srcPort = m.getU16(UDP);
        int dstPort = m.getU16(UDP + 2);
        payload.at(m, MIN, udpLength - 8);
        Rewrite r = rewrite;
        if (!leaves(router.route(ifindex, srcIp, dstIp, srcPort, dstPort, payload, r), r)) {
            return false;
        }
        int udpSum = m.getU16(UDP + 6);
        if (udpSum != 0) {
            // RFC 1624: HC' = ~(~HC + ~m + m') over each changed 16-bit word of the pseudo-header and header
            long sum = ~udpSum & 0xffff;
            sum += words(~srcIp) + words(r.srcIp) + words(~dstIp) + words(r.dstIp);
            sum += (~srcPort & 0xffff) + r.srcPort + (~dstPort & 0xffff) + r.dstPort;
            int result = ~InetChecksum.fold(sum) & 0xffff;
            m.setU16(UDP + 6, result == 0 ? 0xffff : result);
        }
        m.setInt(IP + 12, r.srcIp);
        m.setInt(IP + 16, r.dstIp);
        m.setU16(UDP, r.srcPort);
        m.setU16(UDP + 2, r.dstPort);
        m.setByte(IP + 8, ttl - 1);
        m.setU16(IP + 10, 0);
        m.setU16(IP + 10, ~InetChecksum.sum(m, IP, 20) & 0xffff);
        setMacs(m, r);
        return true;
    }

    /**
     * An IPv6 frame: the fixed header, then UDP at once (anything else is no session's), lengths consistent
     * (a longer frame is padding), hop limit above 1, a UDP checksum present. The rewrite updates the UDP
     * checksum incrementally over the eight words of each address and the ports (RFC 1624).
     */
    private boolean handle6(Mbuf m, int length) {
        if (length < UDP6 || (m.getByte(IP) >>> 4) != 6) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        int payloadLength = m.getU16(IP + 4);
        if (payloadLength > length - UDP6) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        int next = m.getByte(IP + 6);
        if (next == IcmpEcho.PROTOCOL6 && IcmpEcho.isRequest6(m, payloadLength)) {
            return echo(m, payloadLength);
        }
        if (next != UDP_PROTOCOL) {
            counters.increment(isExtensionHeader(next) ? Counter.OPTIONS_OR_FRAGMENT : Counter.OTHER_PROTOCOL);
            return false;
        }
        int udpLength = payloadLength >= 8 ? m.getU16(UDP6 + 4) : 0;
        int udpSum = payloadLength >= 8 ? m.getU16(UDP6 + 6) : 0;
        if (udpLength < 8 || udpLength > payloadLength || udpSum == 0) {
            counters.increment(Counter.MALFORMED);
            return false;
        }
        int hopLimit = m.getByte(IP + 7);
        if (hopLimit <= 1) {
            counters.increment(Counter.TTL_EXPIRED);
            return false;
        }
        long srcHigh = m.getLong(IP + 8);
        long srcLow = m.getLong(IP + 16);
        long dstHigh = m.getLong(IP + 24);
        long dstLow = m.getLong(IP + 32);
        int srcPort = m.getU16(UDP6);
        int dstPort = m.getU16(UDP6 + 2);
        payload.at(m, MIN6, udpLength - 8);
        Rewrite r = rewrite;
        if (!leaves(router.route6(ifindex, srcHigh, srcLow, dstHigh, dstLow, srcPort, dstPort, payload, r), r)) {
            return false;
        }
        long sum = ~udpSum & 0xffff;
        sum += words(~srcHigh) + words(r.srcHigh) + words(~srcLow) + words(r.srcLow);
        sum += words(~dstHigh) + words(r.dstHigh) + words(~dstLow) + words(r.dstLow);
        sum += (~srcPort & 0xffff) + r.srcPort + (~dstPort & 0xffff) + r.dstPort;
        int result = ~InetChecksum.fold(sum) & 0xffff;
        m.setU16(UDP6 + 6, result == 0 ? 0xffff : result);
        m.setLong(IP + 8, r.srcHigh);
        m.setLong(IP + 16, r.srcLow);
        m.setLong(IP + 24, r.dstHigh);
        m.setLong(IP + 32, r.dstLow);
        m.setU16(UDP6, r.srcPort);
        m.setU16(UDP6 + 2, r.dstPort);
        m.setByte(IP + 7, hopLimit - 1);
        setMacs(m, r);
        return true;
    }

    /**
     * Whether a datagram the router {@code routed} (or refused) into {@code r} leaves by this port or a peer's: sets
     * {@link #egress}, or counts why not.
     */
    private boolean leaves(boolean routed, Rewrite r) {
        if (!routed) {
            counters.increment(Counter.UNROUTED);
            return false;
        }
        if (r.ifindex != ifindex && peer(r.ifindex) == null) {
            counters.increment(Counter.OTHER_INTERFACE);
            return false;
        }
        egress = r.ifindex;
        return true;
    }

    /** An echo request (IPv4, or IPv6 with {@code ipv6PayloadLength} > 0) answered on this port, or dropped, by policy. */
    private boolean echo(Mbuf m, int ipv6PayloadLength) {
        if (echo == IcmpEcho.Policy.DROP) {
            counters.increment(Counter.ECHO_DROPPED);
            return false;
        }
        if (ipv6PayloadLength > 0) {
            IcmpEcho.answer6(m, ipv6PayloadLength);
        } else {
            IcmpEcho.answer(m);
        }
        counters.increment(Counter.ECHO_ANSWERED);
        egress = ifindex;
        return true;
    }

    /**
     * IPv6 extension headers (IANA's list: hop-by-hop, routing, fragment, ESP, AH, destination options, mobility,
     * HIP, shim6, the two experimental ones): what the XDP program leaves to the slow path and we to the kernel.
     */
    static boolean isExtensionHeader(int next) {
        return switch (next) {
            case 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254 -> true;
            default -> false;
        };
    }

    private static void setMacs(Mbuf m, Rewrite r) {
        m.setU16(0, (int) (r.dstMac >>> 32));
        m.setInt(2, (int) r.dstMac);
        m.setU16(6, (int) (r.srcMac >>> 32));
        m.setInt(8, (int) r.srcMac);
    }

    /** The UDP payload of the frame being handled, read in place. */
    private static final class UdpPayload implements Payload {
        private Mbuf mbuf;
        private int start;
        private int length;

        void at(Mbuf mbuf, int start, int length) {
            this.mbuf = mbuf;
            this.start = start;
            this.length = length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public int byteAt(int offset) {
            if (offset < 0 || offset >= length) {
                throw new IndexOutOfBoundsException(offset);
            }
            return mbuf.getByte(start + offset);
        }
    }

    /** The two 16-bit words of {@code v}, added. */
    private static long words(int v) {
        return ((v >>> 16) & 0xffff) + (v & 0xffff);
    }

    /** The four 16-bit words of {@code v}, added. */
    private static long words(long v) {
        return words((int) (v >>> 32)) + words((int) v);
    }

    /**
     * What the loop counts: every frame received is sent ({@link #FORWARDED}) or counted in exactly one fate
     * (or {@link #TX_DROPPED} when the TX queue refused it); {@link #UNROUTED} is what the router refused, and the
     * router counts why.
     */
    public enum Counter implements Counters.Name {
        RECEIVED(Counters.detail("Frames the RX bursts returned")),
        FORWARDED(Counters.fate("forwarded", "Frames sent: rewritten datagrams and echo replies")),
        MALFORMED(Counters.fate("malformed", "Neither Ethernet/IPv4 nor Ethernet/IPv6, several segments, bad lengths,"
                + " a bad IPv4 header checksum or an IPv6 UDP checksum of 0")),
        OPTIONS_OR_FRAGMENT(Counters.fate("options_or_fragment",
                "IPv4 options or a fragment, IPv6 extension headers: nothing the datapath rewrites")),
        OTHER_PROTOCOL(Counters.fate("other_protocol", "Neither UDP nor an ICMP or ICMPv6 echo request")),
        ECHO_ANSWERED(Counters.metric("xdprecon_icmp_echo_answered",
                "ICMP and ICMPv6 echo requests to a local IP the DPDK slow path answered (also in slow_path_packets forwarded)")),
        ECHO_DROPPED(Counters.fate("icmp_echo_dropped",
                "ICMP and ICMPv6 echo requests to a local IP dropped by datapath.icmpEcho")),
        TTL_EXPIRED(Counters.fate("ttl_expired", "Datagrams with TTL or hop limit 1 or 0")),
        UNROUTED(Counters.detail("Datagrams the router gave no rewrite (counted by the router's reason)")),
        OTHER_INTERFACE(Counters.fate("other_interface", "Rewrites toward an interface without a DPDK port")),
        TX_DROPPED(Counters.fate("tx_full", "Frames the TX queue (or a peer's TX burst) had no room for"));

        private final Counters.Shown shown;

        Counter(Counters.Shown shown) {
            this.shown = shown;
        }

        @Override
        public Counters.Shown shown() {
            return shown;
        }
    }

    /** What the loop did so far. */
    public Counters.Values<Counter> counters() {
        return counters.values();
    }

    /** Frees anything still held (nothing between calls of {@link #doWork()}). */
    public void drain() {
        rx.freeAll();
        tx.freeAll();
    }

    /** A MAC address as the 48-bit value {@link Rewrite} takes. */
    public static long mac(byte[] mac) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = v << 8 | (mac[i] & 0xff);
        }
        return v;
    }
}
