package io.xdprecon.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.packets.Checksums;
import io.xdprecon.tests.packets.FrameBuilder;
import io.xdprecon.tests.packets.FrameView;
import io.xdprecon.tests.packets.Frames;
import io.xdprecon.tests.packets.Mac;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** One example per decision of xdp_fwd.c. */
class DatapathModelTest {
    private static final int IN = 2;
    private static final int OUT = 3;
    private static final int NARROW = 4;
    private static final Mac IN_MAC = Mac.parse("02:00:00:00:00:02");
    private static final Mac OUT_MAC = Mac.parse("02:00:00:00:00:03");
    private static final Mac SERVER_MAC = Mac.parse("02:00:00:00:01:02");
    private static final Mac PEER_MAC = Mac.parse("02:00:00:00:02:02");
    private static final int CLIENT = Ipv4.parse("198.18.0.7");
    private static final int RELAY = Ipv4.parse("10.0.0.1");
    private static final int REMOTE = Ipv4.parse("203.0.113.9");

    private static final StaticFib FIB = StaticFib.builder()
            .iface(IN, IN_MAC, 1500)
            .iface(OUT, OUT_MAC, 1500)
            .iface(NARROW, Mac.parse("02:00:00:00:00:04"), 576)
            .local("10.0.0.0/24")
            .connected("10.77.1.0/24", OUT).neighbour(OUT, "10.77.1.2", SERVER_MAC)
            .connected("10.77.2.0/24", IN).neighbour(IN, "10.77.2.2", PEER_MAC)
            .connected("10.77.3.0/24", OUT)
            .connected("10.77.4.0/24", NARROW).neighbour(NARROW, "10.77.4.4", SERVER_MAC)
            .blackhole("10.77.5.0/24")
            .build();

    /** Client port → where the relay sends it; the FIB answer is in the name. */
    private static final int TO_SERVER = 40000;
    private static final int HAIRPIN = 40001;
    private static final int NO_NEIGHBOUR = 40002;
    private static final int BLACKHOLED = 40003;
    private static final int NARROW_LINK = 40004;

    private static final Map<FlowKey, FlowRule> RULES = Map.of(
            key(TO_SERVER), rule(OUT, "10.77.1.2"),
            key(HAIRPIN), rule(IN, "10.77.2.2"),
            key(NO_NEIGHBOUR), rule(OUT, "10.77.3.3"),
            key(BLACKHOLED), rule(0, "10.77.5.5"),
            key(NARROW_LINK), rule(NARROW, "10.77.4.4"));

    private static final DatapathModel MODEL = new DatapathModel(RULES, Set.of(RELAY), FIB);

    private static FlowKey key(int clientPort) {
        return new FlowKey(IN, CLIENT, RELAY, clientPort, 5000);
    }

    private static FlowRule rule(int egress, String destination) {
        return new FlowRule(new FlowKey(egress, RELAY, Ipv4.parse(destination), 6000, 7000), Owner.CONFIG);
    }

    private static FrameBuilder toRelay(int clientPort) {
        return FrameBuilder.udp(CLIENT, clientPort, RELAY, 5000).dstMac(IN_MAC).srcMac(Mac.parse("02:00:00:00:09:09"))
                .fragOff(FrameBuilder.IP_DF).payload("hello, relay".getBytes(StandardCharsets.US_ASCII));
    }

    private static Outcome run(byte[] frame) {
        return MODEL.evaluate(frame, IN, 0, false);
    }

    private static void assertStats(Outcome outcome, Stat... expected) {
        Set<Stat> wanted = expected.length == 0 ? EnumSet.noneOf(Stat.class) : EnumSet.of(expected[0], expected);
        assertEquals(wanted, outcome.stats().keySet(), outcome.describe());
        outcome.stats().values().forEach(increment -> assertEquals(1L, increment));
    }

    private static void assertUntouched(byte[] input, Outcome outcome) {
        assertEquals("", FrameView.diff(input, outcome.output()));
        assertTrue(outcome.flow().isEmpty(), "no flow counter");
    }

    @Test
    void ruleHitIsRewrittenAndRedirected() {
        byte[] input = toRelay(TO_SERVER).ttl(64).build();
        Outcome outcome = run(input);
        assertEquals(XdpAction.REDIRECT, outcome.action());
        assertEquals(OptionalInt.of(OUT), outcome.redirectIfindex());
        assertStats(outcome, Stat.REWRITE_HIT, Stat.REDIRECT_OUT);
        FrameView out = new FrameView(outcome.output());
        assertEquals(RELAY, out.srcIp());
        assertEquals(Ipv4.parse("10.77.1.2"), out.dstIp());
        assertEquals(6000, out.srcPort());
        assertEquals(7000, out.dstPort());
        assertEquals(63, out.ttl());
        assertEquals(SERVER_MAC, out.dstMac());
        assertEquals(OUT_MAC, out.srcMac());
        assertTrue(out.ipChecksumValid());
        assertTrue(out.udpChecksumValid());
        assertEquals(new Outcome.FlowIncrement(key(TO_SERVER), new FlowCounters(1, input.length)), outcome.flow().orElseThrow());
        assertTrue(outcome.localIpCounted().isEmpty());
    }

    @Test
    void egressEqualToIngressIsHairpinTx() {
        Outcome outcome = run(toRelay(HAIRPIN).build());
        assertEquals(XdpAction.TX, outcome.action());
        assertStats(outcome, Stat.REWRITE_HIT, Stat.HAIRPIN_TX);
        assertEquals(PEER_MAC, new FrameView(outcome.output()).dstMac());
        assertEquals(IN_MAC, new FrameView(outcome.output()).srcMac());
    }

    @Test
    void noNeighbourPassesTheRewrittenPacketWithTtlAndMacsUntouched() {
        byte[] input = toRelay(NO_NEIGHBOUR).ttl(64).build();
        Outcome outcome = run(input);
        assertEquals(XdpAction.PASS, outcome.action());
        assertEquals(FibCode.NO_NEIGH, outcome.fib().orElseThrow().code());
        assertStats(outcome, Stat.REWRITE_HIT, Stat.FIB_PASS, Stat.PASS_TO_KERNEL);
        FrameView out = new FrameView(outcome.output());
        assertEquals(Ipv4.parse("10.77.3.3"), out.dstIp());
        assertEquals(64, out.ttl(), "the kernel decrements when it forwards");
        assertEquals(new FrameView(input).dstMac(), out.dstMac());
        assertTrue(out.ipChecksumValid());
        assertTrue(out.udpChecksumValid());
        assertTrue(outcome.flow().isPresent(), "a rewrite counts for the flow");
    }

    @Test
    void fragNeededPassesTheRewrittenPacket() {
        Outcome small = run(toRelay(NARROW_LINK).build());
        assertEquals(XdpAction.REDIRECT, small.action(), small.describe());
        Outcome big = run(toRelay(NARROW_LINK).payload(new byte[600]).build());
        assertEquals(FibCode.FRAG_NEEDED, big.fib().orElseThrow().code());
        assertEquals(XdpAction.PASS, big.action());
        assertStats(big, Stat.REWRITE_HIT, Stat.FIB_PASS, Stat.PASS_TO_KERNEL);
    }

    @Test
    void blackholeDropsTheRewrittenPacket() {
        Outcome outcome = run(toRelay(BLACKHOLED).ttl(9).build());
        assertEquals(XdpAction.DROP, outcome.action());
        assertStats(outcome, Stat.REWRITE_HIT, Stat.FIB_DROP);
        FrameView out = new FrameView(outcome.output());
        assertEquals(Ipv4.parse("10.77.5.5"), out.dstIp());
        assertEquals(9, out.ttl());
        assertTrue(out.ipChecksumValid());
    }

    @Test
    void ttlOneTakesTheSlowPathUntouched() {
        byte[] input = toRelay(TO_SERVER).ttl(1).build();
        Outcome outcome = run(input);
        assertEquals(XdpAction.PASS, outcome.action());
        // The rule's destination is a local relay IP: AF_XDP, or the kernel when no socket is bound.
        assertStats(outcome, Stat.TTL_EXPIRED, Stat.AFXDP_FALLBACK, Stat.PASS_TO_KERNEL);
        assertUntouched(input, outcome);
        assertTrue(outcome.fib().isEmpty(), "no FIB lookup");
    }

    @Test
    void ttlDecrementKeepsTheIpChecksumValid() {
        for (int ttl = 2; ttl <= 255; ttl++) {
            byte[] output = run(toRelay(TO_SERVER).ttl(ttl).id(ttl * 257).build()).output();
            FrameView out = new FrameView(output);
            assertEquals(ttl - 1, out.ttl());
            assertEquals(Checksums.ipv4Header(output, 14, 20), out.ipChecksum(), "ttl " + ttl);
            assertTrue(out.ipChecksumValid(), "ttl " + ttl);
        }
    }

    @Test
    void udpChecksumZeroStaysZero() {
        Outcome outcome = run(toRelay(TO_SERVER).noUdpChecksum().build());
        assertEquals(XdpAction.REDIRECT, outcome.action());
        assertEquals(0, new FrameView(outcome.output()).udpChecksum());
    }

    @Test
    void rewrittenUdpChecksumThatComputesToZeroIsSentAsAllOnes() {
        FrameBuilder frame = FrameCorpus.withZeroRewrittenUdpChecksum(toRelay(TO_SERVER), new byte[] {1, 2, 3, 4, 5}, RULES.get(key(TO_SERVER)).rewrite());
        byte[] input = frame.build();
        assertTrue(new FrameView(input).udpChecksumValid(), "the input is a correct packet");
        byte[] output = run(input).output();
        FrameView out = new FrameView(output);
        int sumWithoutField = Checksums.udpSum(out.srcIp(), out.dstIp(), output, out.l4Offset(), out.udpLen());
        assertEquals(0, Checksums.negate(sumWithoutField), "from scratch, the rewritten checksum is 0");
        assertEquals(0xffff, out.udpChecksum());
        assertTrue(out.udpChecksumValid());
    }

    @Test
    void wrongChecksumsKeepTheirErrorThroughTheRewrite() {
        byte[] input = toRelay(TO_SERVER).ipChecksumError(0x1234).udpChecksumError(0x0777).build();
        byte[] output = run(input).output();
        FrameView in = new FrameView(input);
        FrameView out = new FrameView(output);
        assertFalse(out.ipChecksumValid());
        assertFalse(out.udpChecksumValid());
        int ipErrorIn = Checksums.add(in.ipChecksum(), Checksums.negate(Checksums.ipv4Header(input, 14, 20)));
        int ipErrorOut = Checksums.add(out.ipChecksum(), Checksums.negate(Checksums.ipv4Header(output, 14, 20)));
        assertTrue(Checksums.sameValue(ipErrorIn, ipErrorOut), String.format("0x%04x vs 0x%04x", ipErrorIn, ipErrorOut));
        int udpErrorIn = Checksums.add(in.udpChecksum(), Checksums.negate(Checksums.udp(in.srcIp(), in.dstIp(), input, 34, in.udpLen())));
        int udpErrorOut = Checksums.add(out.udpChecksum(), Checksums.negate(Checksums.udp(out.srcIp(), out.dstIp(), output, 34, out.udpLen())));
        assertTrue(Checksums.sameValue(udpErrorIn, udpErrorOut), String.format("0x%04x vs 0x%04x", udpErrorIn, udpErrorOut));
    }

    @Test
    void fragmentsTakeTheSlowPath() {
        byte[] toRemote = toRelay(TO_SERVER).dstIp(REMOTE).fragOff(FrameBuilder.IP_MF).build();
        Outcome outcome = run(toRemote);
        assertStats(outcome, Stat.SLOW_PATH, Stat.PASS_TO_KERNEL);
        assertUntouched(toRemote, outcome);

        byte[] laterFragmentOfARule = toRelay(TO_SERVER).fragOff(FrameBuilder.IP_DF | 185).build();
        Outcome local = run(laterFragmentOfARule);
        assertEquals(XdpAction.PASS, local.action());
        assertStats(local, Stat.SLOW_PATH, Stat.AFXDP_FALLBACK, Stat.PASS_TO_KERNEL);
        assertEquals(OptionalInt.of(RELAY), local.localIpCounted());
        assertUntouched(laterFragmentOfARule, local);
    }

    @Test
    void dontFragmentAloneStaysOnTheFastPath() {
        assertEquals(1, run(toRelay(TO_SERVER).fragOff(FrameBuilder.IP_DF).build()).count(Stat.REWRITE_HIT));
        assertEquals(1, run(toRelay(TO_SERVER).fragOff(FrameBuilder.IP_RF).build()).count(Stat.SLOW_PATH), "the reserved bit is not DF");
    }

    @Test
    void optionsTakeTheSlowPath() {
        byte[] input = toRelay(TO_SERVER).options(new byte[] {1, 1, 1, 0}).build();
        assertEquals(6, new FrameView(input).ihl());
        Outcome outcome = run(input);
        assertStats(outcome, Stat.SLOW_PATH, Stat.AFXDP_FALLBACK, Stat.PASS_TO_KERNEL);
        assertUntouched(input, outcome);
    }

    @Test
    void otherProtocolsTakeTheSlowPath() {
        byte[] icmp = toRelay(TO_SERVER).dstIp(REMOTE).protocol(1).l4(new byte[] {8, 0, 0, 0, 0, 1, 0, 1}).build();
        assertStats(run(icmp), Stat.SLOW_PATH, Stat.PASS_TO_KERNEL);
    }

    @Test
    void localDestinationGoesToTheAfXdpSocketWhenOneIsBound() {
        byte[] input = toRelay(39999).build();
        Outcome outcome = MODEL.evaluate(input, IN, 3, true);
        assertEquals(XdpAction.REDIRECT, outcome.action());
        assertEquals(OptionalInt.of(3), outcome.xskQueue());
        assertTrue(outcome.redirectIfindex().isEmpty());
        assertStats(outcome, Stat.REWRITE_MISS, Stat.AFXDP_REDIRECT);
        assertEquals(OptionalInt.of(RELAY), outcome.localIpCounted());
        assertUntouched(input, outcome);
    }

    @Test
    void missToALocalIpFallsBackToTheKernelWithoutSocket() {
        Outcome outcome = run(toRelay(39999).build());
        assertEquals(XdpAction.PASS, outcome.action());
        assertStats(outcome, Stat.REWRITE_MISS, Stat.AFXDP_FALLBACK, Stat.PASS_TO_KERNEL);
        assertEquals(OptionalInt.of(RELAY), outcome.localIpCounted());
    }

    @Test
    void missToARemoteIpGoesToTheKernel() {
        Outcome outcome = run(toRelay(TO_SERVER).dstIp(REMOTE).build());
        assertStats(outcome, Stat.REWRITE_MISS, Stat.PASS_TO_KERNEL);
        assertTrue(outcome.localIpCounted().isEmpty());
    }

    @Test
    void ruleOnAnotherInterfaceIsAMiss() {
        Outcome outcome = MODEL.evaluate(toRelay(TO_SERVER).build(), OUT, 0, false);
        assertEquals(1, outcome.count(Stat.REWRITE_MISS));
    }

    @Test
    void truncatedHeadersAreMalformed() {
        byte[] whole = toRelay(TO_SERVER).build();
        assertStats(run(Frames.truncate(whole, 33)), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(Frames.truncate(whole, 41)), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(Frames.truncate(whole, whole.length - 1)), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
    }

    @Test
    void lyingLengthsAreMalformed() {
        assertStats(run(toRelay(TO_SERVER).totLen(24).build()), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(toRelay(TO_SERVER).totLen(19).build()), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(toRelay(TO_SERVER).udpLen(7).build()), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(toRelay(TO_SERVER).udpLen(8 + 12 + 1).build()), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(toRelay(TO_SERVER).version(6).build()), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
        assertStats(run(toRelay(TO_SERVER).ihl(4).build()), Stat.MALFORMED, Stat.PASS_TO_KERNEL);
    }

    @Test
    void udpShorterThanTheIpPayloadIsChecksummedOverUdpLen() {
        Outcome outcome = run(toRelay(TO_SERVER).udpLen(10).build());
        assertEquals(XdpAction.REDIRECT, outcome.action());
        assertTrue(new FrameView(outcome.output()).udpChecksumValid());
    }

    @Test
    void notIpv4IsTheKernels() {
        byte[] udp = toRelay(TO_SERVER).build();
        for (byte[] frame : new byte[][] {
                Frames.truncate(udp, 13),
                Frames.vlanTagged(udp, Frames.ETH_P_8021Q, 7),
                Frames.arp(IN_MAC, CLIENT, Mac.ZERO, RELAY, true)}) {
            Outcome outcome = run(frame);
            assertStats(outcome, Stat.NOT_IPV4, Stat.PASS_TO_KERNEL);
            assertUntouched(frame, outcome);
        }
        // IPv6 is the IPv6 model's (layout 4): with no IPv6 rule, a UDP datagram is a miss, to the kernel untouched
        byte[] ipv6 = Frames.ipv6Udp(IN_MAC, OUT_MAC, new byte[16], new byte[16], 1, 2, 64, new byte[8]);
        Outcome outcome = run(ipv6);
        assertStats(outcome, Stat.REWRITE_MISS, Stat.PASS_TO_KERNEL);
        assertUntouched(ipv6, outcome);
    }

    @Test
    void ethernetPaddingIsCountedAndCarriedThrough() {
        byte[] input = toRelay(TO_SERVER).payload(new byte[4]).trailer(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}).build();
        assertEquals(60, input.length);
        Outcome outcome = run(input);
        assertEquals(XdpAction.REDIRECT, outcome.action());
        assertEquals(60, outcome.flow().orElseThrow().delta().bytes(), "bytes count the frame, padding included");
        assertEquals(9, outcome.output()[59]);
    }

    @Test
    void aHitWithAWrongIpHeaderChecksumIsNeverRewritten() {
        int everyone = -1;
        FlowKey key = new FlowKey(IN, everyone, everyone, 1, 2);
        FlowKey to = new FlowKey(0, 0, 0, 1, 2);
        DatapathModel model = new DatapathModel(Map.of(key, new FlowRule(to, Owner.SESSION)), Set.of(),
                (ingress, src, dst, totLen, tos) -> FibResult.failure(FibCode.BLACKHOLE));
        for (int check : new int[] {0xffff, 0x0000, 0x1234}) {
            byte[] input = FrameBuilder.udp(everyone, 1, everyone, 2).ipChecksum(check).build();
            Outcome outcome = model.evaluate(input, IN, 0, false);
            assertEquals(XdpAction.PASS, outcome.action(), String.format("check 0x%04x", check));
            assertEquals(1, outcome.count(Stat.MALFORMED), String.format("check 0x%04x", check));
            assertTrue(outcome.fib().isEmpty(), "no FIB lookup");
            assertArrayEquals(input, outcome.output(), "untouched");
        }
    }
}
