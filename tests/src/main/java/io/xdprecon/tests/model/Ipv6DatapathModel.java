package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.packets.Checksums;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The reference model of the IPv6 half of the datapath (issue 17): what the program must do with an IPv6/UDP
 * frame, in the order it must decide, written before the program so that the program is held to it. As
 * {@link DatapathModel} does for IPv4, the expected bytes are computed from scratch (the UDP checksum over the
 * whole rewritten datagram), not incrementally as the program does.
 *
 * <p>Choices, each with its reason:
 * <ul>
 *   <li>Only a UDP header right after the fixed header takes the fast path. Any extension header (hop-by-hop,
 *       routing, fragment, destination options, AH, ESP, ...) or another protocol goes to the kernel
 *       ({@code slow_path}): walking a chain of headers in BPF costs a bounded loop per packet and relays
 *       send none; a jumbogram carries a hop-by-hop header, so it is among them.</li>
 *   <li>ICMPv6 is never touched, neighbour discovery above all: it is another protocol, passed as is — but for an
 *       echo request toward an IPv6 local IP ({@code xdp_local_ips6}), which is the slow path's (the DPDK loop
 *       answers or drops it, per {@code datapath.icmpEcho}). A UDP miss, or a hit with hop limit 1 or 0, toward a
 *       local IP is the slow path's too (AF_XDP, or the kernel without a socket), as for IPv4.</li>
 *   <li>The UDP checksum is mandatory in IPv6 (RFC 8200 section 8.1): a datagram with 0 there is not rewritten but
 *       passed, counted {@code malformed}, for the kernel to drop — never forwarded with a checksum of 0.</li>
 *   <li>A hop limit of 1 or 0 goes to the kernel ({@code ttl_expired}), which answers ICMPv6 time exceeded (the slow
 *       path's when toward a local IP).</li>
 *   <li>Lengths: the payload length must fit the frame (a longer frame is padding), hold a UDP header, and the
 *       UDP length must be 8..payload length; else {@code malformed}, to the kernel.</li>
 *   <li>{@code bpf_fib_lookup} with AF_INET6 is given tot_len = 40 + payload length: the MTU counts the IPv6
 *       header (the kernel's samples/bpf/xdp_fwd passes the payload length alone, 40 bytes short).</li>
 * </ul>
 */
public record Ipv6DatapathModel(Map<FlowKey6, FlowRule6> rules, Set<IpAddress.V6> localIps, Fib6 fib) {
    public static final int ETH_P_IPV6 = 0x86dd;
    private static final int ETH_HLEN = 14;
    private static final int IP = ETH_HLEN;
    private static final int IPV6_HLEN = 40;
    private static final int UDP = IP + IPV6_HLEN;
    private static final int UDP_HLEN = 8;
    private static final int IPPROTO_UDP = 17;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int ICMPV6_ECHO_REQUEST = 128;
    private static final int FLOWINFO_MASK = 0x0fffffff;

    public Ipv6DatapathModel {
        rules = Map.copyOf(rules);
        localIps = Set.copyOf(localIps);
        Objects.requireNonNull(fib, "fib");
    }

    /** No local IPs. */
    public Ipv6DatapathModel(Map<FlowKey6, FlowRule6> rules, Fib6 fib) {
        this(rules, Set.of(), fib);
    }

    /** {@link #evaluate(byte[], int, int, boolean)} with no AF_XDP socket bound (what BPF_PROG_TEST_RUN has). */
    public Outcome evaluate(byte[] frame, int ingressIfindex) {
        return evaluate(frame, ingressIfindex, 0, false);
    }

    /**
     * Runs one frame through the model; a frame that is not IPv6 is the IPv4 model's (here: {@code not_ipv4}).
     * {@code rxQueueIndex} and {@code xskBoundOnQueue} as in {@link DatapathModel#evaluate}.
     */
    public Outcome evaluate(byte[] frame, int ingressIfindex, int rxQueueIndex, boolean xskBoundOnQueue) {
        Run run = new Run(frame);
        if (frame.length < ETH_HLEN || u16(frame, 12) != ETH_P_IPV6) {
            return run.pass(Stat.NOT_IPV4, "not IPv6 over Ethernet II");
        }
        if (frame.length < IP + IPV6_HLEN) {
            return run.pass(Stat.MALFORMED, "IPv6 header cut short");
        }
        int version = u8(frame, IP) >>> 4;
        int payloadLen = u16(frame, IP + 4);
        if (version != 6 || IP + IPV6_HLEN + payloadLen > frame.length) {
            return run.pass(Stat.MALFORMED, "IPv6 header lies: version " + version + " payload_len " + payloadLen
                    + " in a " + frame.length + "-byte frame");
        }
        int nextHeader = u8(frame, IP + 6);
        if (nextHeader != IPPROTO_UDP) {
            run.count(Stat.SLOW_PATH);
            if (nextHeader == IPPROTO_ICMPV6 && payloadLen >= 1 && u8(frame, IP + IPV6_HLEN) == ICMPV6_ECHO_REQUEST) {
                return steer(run, address(frame, IP + 24), rxQueueIndex, xskBoundOnQueue, "ICMPv6 echo request");
            }
            run.count(Stat.PASS_TO_KERNEL);
            return run.finish(XdpAction.PASS, "next header " + nextHeader + " ("
                    + (extensionHeader(nextHeader) ? "an extension header" : "not UDP") + "): kernel, untouched");
        }
        if (payloadLen < UDP_HLEN) {
            return run.pass(Stat.MALFORMED, "UDP header cut short (payload_len " + payloadLen + ")");
        }
        int udpLen = u16(frame, UDP + 4);
        if (udpLen < UDP_HLEN || udpLen > payloadLen) {
            return run.pass(Stat.MALFORMED, "udp len " + udpLen + " outside 8.." + payloadLen);
        }
        FlowKey6 key = new FlowKey6(ingressIfindex, address(frame, IP + 8), address(frame, IP + 24), u16(frame, UDP),
                u16(frame, UDP + 2));
        FlowRule6 rule = rules.get(key);
        if (rule == null) {
            run.count(Stat.REWRITE_MISS);
            return steer(run, key.dstIp(), rxQueueIndex, xskBoundOnQueue, "no rule for " + key);
        }
        if (u16(frame, UDP + 6) == 0) {
            return run.pass(Stat.MALFORMED, "rule hit, but UDP checksum 0, which IPv6 forbids: the kernel drops it");
        }
        int hopLimit = u8(frame, IP + 7);
        if (hopLimit <= 1) {
            run.count(Stat.TTL_EXPIRED);
            return steer(run, key.dstIp(), rxQueueIndex, xskBoundOnQueue, "rule hit with hop limit " + hopLimit);
        }

        FlowKey6 to = rule.rewrite();
        byte[] out = run.output;
        putAddress(out, IP + 8, to.srcIp());
        putAddress(out, IP + 24, to.dstIp());
        putU16(out, UDP, to.srcPort());
        putU16(out, UDP + 2, to.dstPort());
        putU16(out, UDP + 6, expectedUdpChecksum(frame, out, udpLen));
        run.count(Stat.REWRITE_HIT);
        run.flow6 = Optional.of(new Outcome.FlowIncrement6(key, new FlowCounters(1, frame.length)));

        FibResult route = fib.lookup(ingressIfindex, to.srcIp(), to.dstIp(), IPV6_HLEN + payloadLen,
                s32(frame, IP) & FLOWINFO_MASK);
        run.fib = Optional.of(route);
        switch (route.code()) {
            case SUCCESS -> { }
            case BLACKHOLE, UNREACHABLE, PROHIBIT -> {
                run.count(Stat.FIB_DROP);
                return run.finish(XdpAction.DROP, "rewritten, then dropped: FIB says " + route.code());
            }
            default -> {
                return run.pass(Stat.FIB_PASS, "rewritten, then to the kernel: FIB says " + route.code());
            }
        }
        out[IP + 7] = (byte) (hopLimit - 1);
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

    /** Toward a local IP: the AF_XDP socket of this queue (or the kernel without one); anything else to the kernel. */
    private Outcome steer(Run run, IpAddress.V6 dst, int rxQueueIndex, boolean xskBoundOnQueue, String why) {
        if (!localIps.contains(dst)) {
            run.count(Stat.PASS_TO_KERNEL);
            return run.finish(XdpAction.PASS, why + "; " + dst + " is not local: kernel");
        }
        run.localIp6Counted = Optional.of(dst);
        if (xskBoundOnQueue) {
            run.count(Stat.AFXDP_REDIRECT);
            run.xskQueue = OptionalInt.of(rxQueueIndex);
            return run.finish(XdpAction.REDIRECT, why + "; local: AF_XDP socket of queue " + rxQueueIndex);
        }
        return run.pass(Stat.AFXDP_FALLBACK, why + "; local, but no AF_XDP socket on queue " + rxQueueIndex + ": kernel");
    }

    /** RFC 8200 section 4 and the IANA list of IPv6 extension header types. */
    public static boolean extensionHeader(int nextHeader) {
        return switch (nextHeader) {
            case 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254 -> true;
            default -> false;
        };
    }

    /**
     * The UDP checksum of the rewritten datagram from scratch, plus whatever error the input's checksum had (the
     * program's incremental update carries it over, as for IPv4); a ones' complement zero is sent as 0xffff.
     */
    private static int expectedUdpChecksum(byte[] input, byte[] output, int udpLen) {
        int sent = u16(input, UDP + 6);
        int inputError = Checksums.add(sent, Checksums.negate(Checksums.udpIpv6(bytes(input, IP + 8), bytes(input, IP + 24),
                input, UDP, udpLen)));
        int expected = Checksums.add(Checksums.udpIpv6(bytes(output, IP + 8), bytes(output, IP + 24), output, UDP, udpLen),
                inputError);
        return Checksums.isZero(expected) ? 0xffff : expected;
    }

    private static final class Run {
        final byte[] output;
        final EnumMap<Stat, Long> stats = new EnumMap<>(Stat.class);
        OptionalInt redirectIfindex = OptionalInt.empty();
        OptionalInt xskQueue = OptionalInt.empty();
        Optional<IpAddress.V6> localIp6Counted = Optional.empty();
        Optional<Outcome.FlowIncrement6> flow6 = Optional.empty();
        Optional<FibResult> fib = Optional.empty();

        Run(byte[] input) {
            output = input.clone();
        }

        void count(Stat stat) {
            stats.merge(stat, 1L, Long::sum);
        }

        Outcome pass(Stat reason, String why) {
            count(reason);
            count(Stat.PASS_TO_KERNEL);
            return finish(XdpAction.PASS, why);
        }

        Outcome finish(XdpAction action, String why) {
            return new Outcome(action, redirectIfindex, xskQueue, output, stats, Optional.empty(), flow6,
                    OptionalInt.empty(), localIp6Counted, fib, why);
        }
    }

    static IpAddress.V6 address(byte[] frame, int offset) {
        return new IpAddress.V6(s64(frame, offset), s64(frame, offset + 8));
    }

    private static void putAddress(byte[] frame, int offset, IpAddress.V6 address) {
        for (int i = 0; i < 8; i++) {
            frame[offset + i] = (byte) (address.high() >>> (56 - 8 * i));
            frame[offset + 8 + i] = (byte) (address.low() >>> (56 - 8 * i));
        }
    }

    private static byte[] bytes(byte[] frame, int offset) {
        return Arrays.copyOfRange(frame, offset, offset + 16);
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

    private static long s64(byte[] frame, int offset) {
        return (long) s32(frame, offset) << 32 | (s32(frame, offset + 4) & 0xffffffffL);
    }

    private static void putU16(byte[] frame, int offset, int value) {
        frame[offset] = (byte) (value >>> 8);
        frame[offset + 1] = (byte) value;
    }
}
