package io.xdprecon.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.packets.Checksums;
import io.xdprecon.tests.packets.Frame6Builder;
import io.xdprecon.tests.packets.Mac;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The IPv6 reference model (issue 17 item 2), case by case against hand-checked expectations, its from-scratch
 * checksums against the program's incremental arithmetic, and over 100,000 generated frames against invariants
 * that hold whatever the model decides: untouched bytes unless rewritten, never a 0 checksum sent, ND untouched.
 */
class Ipv6ModelTest {
    private static final IpAddress.V6 CLIENT = StaticFib6.address("2001:db8:c1::20");
    private static final IpAddress.V6 RELAY = StaticFib6.address("fd00::1");
    private static final IpAddress.V6 RELAY_OUT = StaticFib6.address("fd00::2");
    private static final FlowKey6 IN = new FlowKey6(FrameCorpus6.IF_CLIENTS, CLIENT, RELAY, 40000, 30000);

    private static Ipv6DatapathModel modelTo(String server) {
        FrameCorpus6.Scenario6 example = FrameCorpus6.example(1, 1);
        FlowRule6 rule = new FlowRule6(new FlowKey6(0, RELAY_OUT, StaticFib6.address(server), 40001, 5004), Owner.CONFIG);
        return new Ipv6DatapathModel(Map.of(IN, rule, new FlowKey6(FrameCorpus6.IF_NO_FORWARDING, CLIENT, RELAY, 40000, 30000),
                rule), example.fib());
    }

    private static Frame6Builder toRelay() {
        return Frame6Builder.udp(CLIENT, 40000, RELAY, 30000).payload("hello, relay".getBytes()).hopLimit(64);
    }

    private static int u16(byte[] frame, int offset) {
        return (frame[offset] & 0xff) << 8 | frame[offset + 1] & 0xff;
    }

    private static boolean udpChecksumValid(byte[] frame) {
        int udpLen = u16(frame, 58);
        return u16(frame, 60) == Checksums.udpIpv6(Arrays.copyOfRange(frame, 22, 38), Arrays.copyOfRange(frame, 38, 54),
                frame, 54, udpLen);
    }

    @Test
    void aHitIsRewrittenAndRedirectedWithAValidChecksumAndOneHopLess() {
        byte[] input = toRelay().build();
        Outcome out = modelTo("2001:db8:1::2").evaluate(input, FrameCorpus6.IF_CLIENTS);
        assertEquals(XdpAction.REDIRECT, out.action(), out.describe());
        assertEquals(FrameCorpus6.IF_SERVERS, out.redirectIfindex().getAsInt());
        byte[] o = out.output();
        assertEquals(RELAY_OUT, Ipv6DatapathModel.address(o, 22));
        assertEquals(StaticFib6.address("2001:db8:1::2"), Ipv6DatapathModel.address(o, 38));
        assertEquals(40001, u16(o, 54));
        assertEquals(5004, u16(o, 56));
        assertEquals(63, o[21] & 0xff);
        assertEquals(Mac.parse("02:00:00:00:01:02"), Mac.read(o, 0));
        assertEquals(Mac.parse("02:00:00:00:00:03"), Mac.read(o, 6));
        assertTrue(udpChecksumValid(o), "the datagram's checksum is right after the rewrite");
        assertArrayEquals(Arrays.copyOfRange(input, 62, input.length), Arrays.copyOfRange(o, 62, o.length), "payload");
        assertEquals(Map.of(Stat.REWRITE_HIT, 1L, Stat.REDIRECT_OUT, 1L), out.stats());
        assertEquals(new Outcome.FlowIncrement6(IN, new FlowCounters(1, input.length)), out.flow6().orElseThrow());
    }

    @Test
    void whatTheFastPathLeavesAloneGoesToTheKernelUntouched() {
        Ipv6DatapathModel model = modelTo("2001:db8:1::2");
        Map<String, byte[]> untouched = Map.of(
                "zero UDP checksum (forbidden in IPv6)", toRelay().udpChecksum(0).build(),
                "hop limit 1", toRelay().hopLimit(1).build(),
                "hop limit 0", toRelay().hopLimit(0).build(),
                "a hop-by-hop header before UDP", toRelay().extension(0, new byte[6]).build(),
                "a fragment header", toRelay().extension(44, new byte[6]).build(),
                "a jumbogram", toRelay().extension(0, new byte[] {(byte) 0xc2, 4, 0, 1, 0, 0}).payloadLen(0).build(),
                "a neighbour solicitation", Frame6Builder.udp(CLIENT, 0, RELAY, 0).hopLimit(255)
                        .upper(Frame6Builder.IPPROTO_ICMPV6, ns()).build(),
                "payload_len beyond the frame", toRelay().payloadLen(200).build(),
                "udp len beyond the payload", toRelay().udpLen(100).build(),
                "udp len under 8", toRelay().udpLen(7).build());
        Map<String, Stat> reasons = Map.of("zero UDP checksum (forbidden in IPv6)", Stat.MALFORMED, "hop limit 1",
                Stat.TTL_EXPIRED, "hop limit 0", Stat.TTL_EXPIRED, "a hop-by-hop header before UDP", Stat.SLOW_PATH,
                "a fragment header", Stat.SLOW_PATH, "a jumbogram", Stat.SLOW_PATH, "a neighbour solicitation", Stat.SLOW_PATH,
                "payload_len beyond the frame", Stat.MALFORMED, "udp len beyond the payload", Stat.MALFORMED,
                "udp len under 8", Stat.MALFORMED);
        untouched.forEach((what, frame) -> {
            Outcome out = model.evaluate(frame, FrameCorpus6.IF_CLIENTS);
            assertEquals(XdpAction.PASS, out.action(), what + ": " + out.describe());
            assertArrayEquals(frame, out.output(), what);
            assertEquals(Map.of(reasons.get(what), 1L, Stat.PASS_TO_KERNEL, 1L), out.stats(), what);
            assertTrue(out.flow6().isEmpty(), what);
        });
    }

    /** A neighbour solicitation's ICMPv6 body: type 135, code 0, checksum, reserved, the target. */
    private static byte[] ns() {
        byte[] message = new byte[24];
        message[0] = (byte) 135;
        System.arraycopy(Frame6Builder.bytes(RELAY), 0, message, 8, 16);
        return message;
    }

    @Test
    void eachFibAnswerEndsAsTheKernelWould() {
        record Expect(String server, int ingress, int payload, XdpAction action, FibCode code) {}
        List<Expect> expects = List.of(
                new Expect("2001:db8:2::3", FrameCorpus6.IF_CLIENTS, 10, XdpAction.TX, FibCode.SUCCESS),
                new Expect("2001:db8:3::4", FrameCorpus6.IF_CLIENTS, 10, XdpAction.PASS, FibCode.NO_NEIGH),
                new Expect("2001:db8:4::5", FrameCorpus6.IF_CLIENTS, 1280 - 48, XdpAction.REDIRECT, FibCode.SUCCESS),
                new Expect("2001:db8:4::5", FrameCorpus6.IF_CLIENTS, 1280 - 47, XdpAction.PASS, FibCode.FRAG_NEEDED),
                new Expect("2001:db8:5::6", FrameCorpus6.IF_CLIENTS, 10, XdpAction.DROP, FibCode.BLACKHOLE),
                new Expect("2001:db8:6::7", FrameCorpus6.IF_CLIENTS, 10, XdpAction.DROP, FibCode.UNREACHABLE),
                new Expect("2001:db8:7::8", FrameCorpus6.IF_CLIENTS, 10, XdpAction.DROP, FibCode.PROHIBIT),
                new Expect("2001:db8:8::9", FrameCorpus6.IF_CLIENTS, 10, XdpAction.PASS, FibCode.UNSUPP_LWT),
                new Expect("fd00::1", FrameCorpus6.IF_CLIENTS, 10, XdpAction.PASS, FibCode.NOT_FWDED),
                new Expect("2001:db8:ff::1", FrameCorpus6.IF_CLIENTS, 10, XdpAction.PASS, FibCode.NOT_FWDED),
                new Expect("2001:db8:1::2", FrameCorpus6.IF_NO_FORWARDING, 10, XdpAction.PASS, FibCode.FWD_DISABLED));
        for (Expect e : expects) {
            byte[] input = toRelay().payload(new byte[e.payload()]).build();
            Outcome out = modelTo(e.server()).evaluate(input, e.ingress());
            assertEquals(e.action(), out.action(), e + ": " + out.describe());
            assertEquals(e.code(), out.fib().orElseThrow().code(), e.toString());
            assertTrue(udpChecksumValid(out.output()), "rewritten whatever the FIB says: " + e);
            assertEquals(e.code() == FibCode.SUCCESS ? 63 : 64, out.output()[21] & 0xff, "hop limit: " + e);
            assertEquals(1, out.count(Stat.REWRITE_HIT), e.toString());
        }
    }

    @Test
    void theModelsChecksumsAreWhatIncrementalArithmeticGives() {
        FrameCorpus6.Scenario6 scenario = FrameCorpus6.example(17, 300);
        FrameCorpus6 corpus = new FrameCorpus6(scenario, 17);
        Ipv6DatapathModel model = scenario.model();
        int compared = 0;
        for (FrameCorpus6.Case c : corpus.generate(20_000)) {
            Outcome out = model.evaluate(c.frame(), c.ingressIfindex());
            if (out.flow6().isEmpty()) {
                continue;
            }
            FlowRule6 rule = scenario.rules().get(out.flow6().get().key());
            assertArrayEquals(incremental(c.frame(), rule.rewrite(), out.fib().orElseThrow()), out.output(),
                    corpus.reproduce(c) + ": " + out.describe());
            compared++;
        }
        assertTrue(compared > 5_000, "rewrites compared: " + compared);
    }

    /** The rewrite as the program does it: RFC 1624 updates over the changed 16-bit words, no IP checksum. */
    private static byte[] incremental(byte[] input, FlowKey6 to, FibResult fib) {
        byte[] frame = input.clone();
        byte[] newSrc = Frame6Builder.bytes(to.srcIp());
        byte[] newDst = Frame6Builder.bytes(to.dstIp());
        long delta = 0;
        for (int i = 0; i < 16; i += 2) {
            delta += (~u16(frame, 22 + i) & 0xffff) + (long) u16(newSrc, i);
            delta += (~u16(frame, 38 + i) & 0xffff) + (long) u16(newDst, i);
        }
        delta += (~u16(frame, 54) & 0xffff) + (long) to.srcPort();
        delta += (~u16(frame, 56) & 0xffff) + (long) to.dstPort();
        long sum = (~u16(frame, 60) & 0xffff) + delta;
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int check = (int) ~sum & 0xffff;
        System.arraycopy(newSrc, 0, frame, 22, 16);
        System.arraycopy(newDst, 0, frame, 38, 16);
        frame[54] = (byte) (to.srcPort() >>> 8);
        frame[55] = (byte) to.srcPort();
        frame[56] = (byte) (to.dstPort() >>> 8);
        frame[57] = (byte) to.dstPort();
        frame[60] = (byte) ((check == 0 ? 0xffff : check) >>> 8);
        frame[61] = (byte) (check == 0 ? 0xffff : check);
        if (fib.code() == FibCode.SUCCESS) {
            frame[21]--;
            fib.dstMac().write(frame, 0);
            fib.srcMac().write(frame, 6);
        }
        return frame;
    }

    @Test
    void overAHundredThousandGeneratedFramesTheInvariantsHold() {
        FrameCorpus6.Scenario6 scenario = FrameCorpus6.example(6, 400);
        FrameCorpus6 corpus = new FrameCorpus6(scenario, 6);
        Ipv6DatapathModel model = scenario.model();
        ExpectedCounters counters = new ExpectedCounters();
        Map<FrameCorpus6.Category, Integer> seen = new EnumMap<>(FrameCorpus6.Category.class);
        Set<FibCode> answers = java.util.EnumSet.noneOf(FibCode.class);
        for (FrameCorpus6.Case c : corpus.generate(100_000)) {
            Outcome out = model.evaluate(c.frame(), c.ingressIfindex());
            counters.add(out);
            seen.merge(c.category(), 1, Integer::sum);
            out.fib().ifPresent(f -> answers.add(f.code()));
            String what = corpus.reproduce(c) + ": " + out.describe();
            if (out.flow6().isEmpty()) {
                assertArrayEquals(c.frame(), out.output(), "not rewritten, so untouched: " + what);
            } else {
                assertTrue(u16(out.output(), 60) != 0, "a 0 checksum is never sent: " + what);
                assertEquals(udpChecksumValid(c.frame()), udpChecksumValid(out.output()), "checksum validity kept: " + what);
            }
            switch (c.category()) {
                case HIT, HIT_PADDED -> assertTrue(out.flow6().isPresent(), what);
                case HIT_BAD_CHECKSUM -> assertTrue(out.flow6().isPresent() && !udpChecksumValid(out.output()), what);
                case ICMPV6_ND, ICMPV6_OTHER, OTHER_PROTOCOL, EXTENSION_HEADER, JUMBOGRAM ->
                        assertEquals(Map.of(Stat.SLOW_PATH, 1L, Stat.PASS_TO_KERNEL, 1L), out.stats(), what);
                case HIT_ZERO_CHECKSUM, LENGTH_LIES, CUT_SHORT, BAD_VERSION ->
                        assertEquals(Map.of(Stat.MALFORMED, 1L, Stat.PASS_TO_KERNEL, 1L), out.stats(), what);
                case HIT_HOP_LIMIT -> assertEquals(Map.of(Stat.TTL_EXPIRED, 1L, Stat.PASS_TO_KERNEL, 1L), out.stats(), what);
                case NOT_IPV6 -> assertEquals(Map.of(Stat.NOT_IPV4, 1L, Stat.PASS_TO_KERNEL, 1L), out.stats(), what);
                case MISS -> assertTrue(out.stats().containsKey(Stat.REWRITE_MISS) || out.flow6().isPresent(), what);
            }
        }
        assertEquals(FrameCorpus6.Category.values().length, seen.size(), "every category generated: " + seen);
        assertEquals(java.util.EnumSet.allOf(FibCode.class), answers, "every FIB answer met");
        assertEquals(counters.actions().get(XdpAction.PASS), counters.stats().get(Stat.PASS_TO_KERNEL),
                "every PASS counted once in pass_to_kernel");
        System.out.printf("IPv6 model: 100000 frames, %s%n", counters.actions());
    }
}
