package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.packets.Checksums;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A reference model of {@code bpf/xdp_fwd.c}: the same decisions in the same order, so that reading
 * {@link #evaluate} explains the datapath. The expected bytes are not computed the way the program
 * computes them: the model writes the new header fields and recomputes both checksums from scratch,
 * so an error in the program's incremental arithmetic shows up as a difference.
 *
 * <p>Addresses are {@link Ipv4} ints, as in {@link FlowKey}; {@code localIps} holds the keys of
 * {@code xdp_local_ips}.
 */
public record DatapathModel(Map<FlowKey, FlowRule> rules, Set<Integer> localIps, Fib fib) {
    private static final int ETH_HLEN = 14;
    private static final int ETH_P_IP = 0x0800;
    private static final int IP = ETH_HLEN;
    private static final int IPV4_HLEN = 20;
    private static final int UDP = IP + IPV4_HLEN; // the fast path only takes ihl == 5
    private static final int UDP_HLEN = 8;
    private static final int IPPROTO_UDP = 17;
    private static final int IP_DF = 0x4000;
    /** No IPv6 rule, so no IPv6 FIB lookup: the program's IPv6 half as this IPv4 model's frames meet it. */
    private static final Ipv6DatapathModel NO_IPV6_RULES = new Ipv6DatapathModel(Map.of(), (in, src, dst, len, info) -> {
        throw new IllegalStateException("no IPv6 rule, so no IPv6 FIB lookup");
    });

    public DatapathModel {
        rules = Map.copyOf(rules);
        localIps = Set.copyOf(localIps);
        Objects.requireNonNull(fib, "fib");
    }

    /**
     * Runs one frame through the model.
     *
     * @param ingressIfindex   {@code ctx->ingress_ifindex}
     * @param rxQueueIndex     {@code ctx->rx_queue_index}
     * @param xskBoundOnQueue  whether {@code xsks_map} holds a socket for that queue (with none,
     *                         {@code bpf_redirect_map} returns its fallback, XDP_PASS)
     */
    public Outcome evaluate(byte[] frame, int ingressIfindex, int rxQueueIndex, boolean xskBoundOnQueue) {
        Run run = new Run(frame);

        // IPv6 is decided by its own half (forward6), which knows no IPv6 rule here: its misses and refusals.
        if (frame.length >= ETH_HLEN && u16(frame, 12) == Ipv6DatapathModel.ETH_P_IPV6) {
            return NO_IPV6_RULES.evaluate(frame, ingressIfindex);
        }
        // Ethernet II carrying IPv4; VLAN tags, ARP and runts are the kernel's.
        if (frame.length < ETH_HLEN || u16(frame, 12) != ETH_P_IP) {
            return run.pass(Stat.NOT_IPV4, "not IPv4 over Ethernet II");
        }
        if (frame.length < IP + IPV4_HLEN) {
            return run.pass(Stat.MALFORMED, "IPv4 header cut short");
        }
        int version = u8(frame, IP) >>> 4;
        int ihl = u8(frame, IP) & 0xf;
        int totLen = u16(frame, IP + 2);
        if (version != 4 || ihl < 5 || totLen < ihl * 4 || IP + totLen > frame.length) {
            return run.pass(Stat.MALFORMED, "IPv4 header lies: version " + version + " ihl " + ihl
                    + " tot_len " + totLen + " in a " + frame.length + "-byte frame");
        }

        int fragOff = u16(frame, IP + 6);
        int protocol = u8(frame, IP + 9);
        int dstIp = s32(frame, IP + 16);
        // Options, fragments (MF, an offset, or the reserved bit) and other protocols: not for the fast path.
        if (ihl != 5 || (fragOff & ~IP_DF) != 0 || protocol != IPPROTO_UDP) {
            run.count(Stat.SLOW_PATH);
            return steer(run, dstIp, rxQueueIndex, xskBoundOnQueue,
                    String.format("slow path (ihl %d, frag_off 0x%04x, protocol %d)", ihl, fragOff, protocol));
        }

        if (frame.length < UDP + UDP_HLEN || totLen < IPV4_HLEN + UDP_HLEN) {
            return run.pass(Stat.MALFORMED, "UDP header cut short (tot_len " + totLen + ")");
        }
        int udpLen = u16(frame, UDP + 4);
        if (udpLen < UDP_HLEN || udpLen > totLen - IPV4_HLEN) {
            return run.pass(Stat.MALFORMED, "udp len " + udpLen + " outside 8.." + (totLen - IPV4_HLEN));
        }

        FlowKey key = new FlowKey(ingressIfindex, s32(frame, IP + 12), dstIp, u16(frame, UDP), u16(frame, UDP + 2));
        FlowRule rule = rules.get(key);
        if (rule == null) {
            run.count(Stat.REWRITE_MISS);
            return steer(run, dstIp, rxQueueIndex, xskBoundOnQueue, "no rule for " + key);
        }

        // A header the kernel would refuse is never rewritten (the error would travel on).
        if (Checksums.sum(frame, IP, IPV4_HLEN) != 0xffff) {
            return run.pass(Stat.MALFORMED, "rule hit, but the IPv4 header checksum is wrong");
        }

        // A packet that cannot be forwarded with a TTL left goes where a miss would.
        int ttl = u8(frame, IP + 8);
        if (ttl <= 1) {
            run.count(Stat.TTL_EXPIRED);
            return steer(run, dstIp, rxQueueIndex, xskBoundOnQueue, "rule hit with ttl " + ttl);
        }

        FlowKey to = rule.rewrite();
        byte[] out = run.output;
        putS32(out, IP + 12, to.srcIp());
        putS32(out, IP + 16, to.dstIp());
        putU16(out, UDP, to.srcPort());
        putU16(out, UDP + 2, to.dstPort());
        putU16(out, UDP + 6, expectedUdpChecksum(frame, out, udpLen));
        run.count(Stat.REWRITE_HIT);
        run.flow = Optional.of(new Outcome.FlowIncrement(key, new FlowCounters(1, frame.length)));

        FibResult route = fib.lookup(ingressIfindex, to.srcIp(), to.dstIp(), totLen, u8(frame, IP + 1));
        run.fib = Optional.of(route);
        switch (route.code()) {
            case SUCCESS -> { }
            case BLACKHOLE, UNREACHABLE, PROHIBIT -> {
                putU16(out, IP + 10, expectedIpChecksum(out));
                run.count(Stat.FIB_DROP);
                return run.finish(XdpAction.DROP, "rewritten, then dropped: FIB says " + route.code());
            }
            default -> {
                // The kernel forwards (or answers) and decrements the TTL itself; MACs are its business.
                putU16(out, IP + 10, expectedIpChecksum(out));
                return run.pass(Stat.FIB_PASS, "rewritten, then to the kernel: FIB says " + route.code());
            }
        }

        out[IP + 8] = (byte) (ttl - 1);
        putU16(out, IP + 10, expectedIpChecksum(out));
        route.dstMac().write(out, 0);
        route.srcMac().write(out, 6);
        if (route.egressIfindex() == ingressIfindex) {
            run.count(Stat.HAIRPIN_TX);
            return run.finish(XdpAction.TX, "rewritten and sent back out of the ingress interface");
        }
        run.count(Stat.REDIRECT_OUT);
        run.redirectIfindex = OptionalInt.of(route.egressIfindex());
        return run.finish(XdpAction.REDIRECT, "rewritten and redirected to if" + route.egressIfindex());
    }

    /** A miss: a local destination goes to the AF_XDP socket of this queue (or the kernel without one), the rest to the kernel. */
    private Outcome steer(Run run, int dstIp, int rxQueueIndex, boolean xskBoundOnQueue, String why) {
        if (!localIps.contains(dstIp)) {
            run.count(Stat.PASS_TO_KERNEL);
            return run.finish(XdpAction.PASS, why + "; " + Ipv4.format(dstIp) + " is not local: kernel");
        }
        run.localIpCounted = OptionalInt.of(dstIp);
        if (xskBoundOnQueue) {
            run.count(Stat.AFXDP_REDIRECT);
            run.xskQueue = OptionalInt.of(rxQueueIndex);
            return run.finish(XdpAction.REDIRECT, why + "; local: AF_XDP socket of queue " + rxQueueIndex);
        }
        return run.pass(Stat.AFXDP_FALLBACK, why + "; local, but no AF_XDP socket on queue " + rxQueueIndex + ": kernel");
    }

    /**
     * The UDP checksum of the rewritten segment, from scratch. A sender's 0 ("no checksum") stays 0.
     *
     * <p>The program updates the checksum incrementally (RFC 1624), which carries any error already in
     * the input checksum over to the output. So the honest expectation is the from-scratch checksum of
     * the output plus the input's error, both in ones' complement: with a correct input the error is
     * zero and this is exactly the from-scratch value. A result that is ones' complement zero goes on
     * the wire as 0xffff (RFC 768), as the program does.
     */
    private static int expectedUdpChecksum(byte[] input, byte[] output, int udpLen) {
        int sent = u16(input, UDP + 6);
        if (sent == 0) {
            return 0;
        }
        int inputError = Checksums.add(sent, Checksums.negate(Checksums.udp(s32(input, IP + 12), s32(input, IP + 16), input, UDP, udpLen)));
        int expected = Checksums.add(Checksums.udp(s32(output, IP + 12), s32(output, IP + 16), output, UDP, udpLen), inputError);
        return Checksums.isZero(expected) ? 0xffff : expected;
    }

    /**
     * The IPv4 header checksum of the rewritten header, from scratch. The program only rewrites
     * headers whose checksum it verified, and its {@code csum_apply} yields 0x0000 (never 0xffff)
     * for a ones' complement zero, as a from-scratch computation does.
     */
    private static int expectedIpChecksum(byte[] output) {
        return Checksums.ipv4Header(output, IP, IPV4_HLEN);
    }

    /** Traces of one evaluation: the counters that went up, and what the program wrote. */
    private static final class Run {
        final byte[] output;
        final EnumMap<Stat, Long> stats = new EnumMap<>(Stat.class);
        OptionalInt redirectIfindex = OptionalInt.empty();
        OptionalInt xskQueue = OptionalInt.empty();
        Optional<Outcome.FlowIncrement> flow = Optional.empty();
        OptionalInt localIpCounted = OptionalInt.empty();
        Optional<FibResult> fib = Optional.empty();

        Run(byte[] input) {
            output = input.clone();
        }

        void count(Stat stat) {
            stats.merge(stat, 1L, Long::sum);
        }

        /** {@code pass()} in xdp_fwd.c: the reason's counter, and PASS_TO_KERNEL, which counts every XDP_PASS. */
        Outcome pass(Stat reason, String why) {
            count(reason);
            count(Stat.PASS_TO_KERNEL);
            return finish(XdpAction.PASS, why);
        }

        Outcome finish(XdpAction action, String why) {
            return new Outcome(action, redirectIfindex, xskQueue, output, stats, flow, Optional.empty(), localIpCounted,
                    Optional.empty(), fib,
                    why);
        }
    }

    private static int u8(byte[] frame, int offset) {
        return frame[offset] & 0xff;
    }

    private static int u16(byte[] frame, int offset) {
        return (u8(frame, offset) << 8) | u8(frame, offset + 1);
    }

    private static int s32(byte[] frame, int offset) {
        return (u16(frame, offset) << 16) | u16(frame, offset + 2);
    }

    private static void putU16(byte[] frame, int offset, int value) {
        frame[offset] = (byte) (value >>> 8);
        frame[offset + 1] = (byte) value;
    }

    private static void putS32(byte[] frame, int offset, int value) {
        putU16(frame, offset, value >>> 16);
        putU16(frame, offset + 2, value & 0xffff);
    }
}
