package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.NextHop;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.model.DatapathModel;
import io.xdprecon.tests.model.FrameCorpus;
import io.xdprecon.tests.model.Outcome;
import io.xdprecon.tests.model.XdpAction;
import io.xdprecon.tests.packets.FrameBuilder;
import io.xdprecon.tests.packets.FrameView;
import io.xdprecon.tests.packets.Frames;
import io.xdprecon.tests.packets.Mac;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per correction the architecture guide makes to the seed's program, each run through the
 * real program in the kernel: the verdict, the bytes and the counters, checked explicitly and against
 * the reference model.
 */
class DatapathCorrectionsTest {
    private static final int VIP = Ipv4.parse(Lab.VIP);
    private static final int CLIENT = Ipv4.parse(Lab.CLIENT_IP);
    private static final int EGRESS = Ipv4.parse(Lab.PROXY_SERVER_SIDE_IP);

    private static KernelDatapath kernel;
    private static DatapathModel model;
    private static final Map<FlowKey, FlowRule> RULES = new java.util.LinkedHashMap<>();

    private Map<Stat, Long> statsBefore;

    /** Client 10.210.1.2:20000+i → VIP:30000+i on pc, rewritten toward the destination of row i. */
    private static final List<String> TARGETS = List.of(Lab.SERVER_IP, Lab.CLIENT2_IP, "10.210.2.77", "10.210.9.5",
            "198.51.100.7");
    private static final int TO_SERVER = 0;
    private static final int HAIRPIN = 1;
    private static final int NO_NEIGH = 2;
    private static final int BLACKHOLE = 3;
    private static final int NO_ROUTE = 4;

    @BeforeAll
    static void start() {
        kernel = KernelDatapath.start();
        for (int i = 0; i < TARGETS.size(); i++) {
            FlowKey key = new FlowKey(kernel.pc(), CLIENT, VIP, 20000 + i, 30000 + i);
            int source = i == HAIRPIN ? VIP : EGRESS;
            FlowKey to = new FlowKey(i == HAIRPIN ? kernel.pc() : kernel.ps(), source, Ipv4.parse(TARGETS.get(i)), 40000 + i, 50000);
            RULES.put(key, new FlowRule(to, i % 2 == 0 ? Owner.CONFIG : Owner.SESSION));
        }
        // The same flow arriving on ps, where forwarding is off.
        RULES.put(new FlowKey(kernel.ps(), Ipv4.parse(Lab.SERVER_IP), EGRESS, 50000, 40000),
                new FlowRule(new FlowKey(kernel.pc(), VIP, CLIENT, 30000, 20000), Owner.CONFIG));
        model = kernel.install(RULES, KernelDatapath.RELAY_IPS);
    }

    @AfterAll
    static void stop() {
        if (kernel != null) {
            kernel.close();
        }
    }

    @BeforeEach
    void snapshot() {
        statsBefore = kernel.datapath().stats().read();
    }

    private static FrameBuilder toFlow(int row) {
        return FrameBuilder.udp(CLIENT, 20000 + row, VIP, 30000 + row)
                .dstMac(Mac.parse(kernel.lab().pc().mac())).srcMac(Mac.parse(kernel.lab().c0().mac()))
                .payload(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    }

    /** Runs the frame in the kernel, checks it against the model, returns the model's outcome. */
    private Outcome run(byte[] frame, int ingress) {
        Outcome want = model.evaluate(frame, ingress, 0, false);
        KernelDatapath.Result got = kernel.run(frame, ingress);
        assertEquals(want.action(), got.action(), "verdict; model: " + want.describe());
        assertArrayEquals(want.output(), got.output(), FrameView.diff(want.output(), got.output()));
        return want;
    }

    private Map<Stat, Long> statsDelta() {
        Map<Stat, Long> delta = new EnumMap<>(Stat.class);
        kernel.datapath().stats().read().forEach((stat, now) -> {
            long d = now - statsBefore.get(stat);
            if (d != 0) {
                delta.put(stat, d);
            }
        });
        return delta;
    }

    private void assertCounted(Stat... stats) {
        Map<Stat, Long> expected = new EnumMap<>(Stat.class);
        for (Stat stat : stats) {
            expected.merge(stat, 1L, Long::sum);
        }
        assertEquals(expected, statsDelta(), "datapath counters moved");
    }

    @Test
    void aHitIsRewrittenAndRedirectedWithBothChecksumsRight() {
        byte[] frame = toFlow(TO_SERVER).build();
        Outcome outcome = run(frame, kernel.pc());
        FrameView out = new FrameView(outcome.output());
        assertEquals(XdpAction.REDIRECT, outcome.action());
        assertEquals(EGRESS, out.srcIp());
        assertEquals(Ipv4.parse(Lab.SERVER_IP), out.dstIp());
        assertEquals(40000, out.srcPort());
        assertEquals(50000, out.dstPort());
        assertTrue(out.ipChecksumValid() && out.udpChecksumValid(), out.summary());
        assertEquals(Mac.parse(kernel.lab().s0().mac()), out.dstMac());
        assertEquals(Mac.parse(kernel.lab().ps().mac()), out.srcMac());
        assertCounted(Stat.REWRITE_HIT, Stat.REDIRECT_OUT);
    }

    /** The seed's "frame must be longer than its headers" checks refused a datagram with an empty payload. */
    @Test
    void aFrameEndingExactlyAfterTheUdpHeaderIsOnTheFastPath() {
        byte[] frame = toFlow(TO_SERVER).payload(new byte[0]).build();
        assertEquals(14 + 20 + 8, frame.length);
        assertEquals(XdpAction.REDIRECT, run(frame, kernel.pc()).action());
        assertCounted(Stat.REWRITE_HIT, Stat.REDIRECT_OUT);
    }

    @Test
    void aUdpChecksumOfZeroStaysZero() {
        Outcome outcome = run(toFlow(TO_SERVER).noUdpChecksum().build(), kernel.pc());
        assertEquals(0, new FrameView(outcome.output()).udpChecksum());
        assertEquals(XdpAction.REDIRECT, outcome.action());
    }

    @Test
    void aRewrittenUdpChecksumComputingToZeroIsSentAsFfff() {
        FlowKey rewrite = RULES.get(new FlowKey(kernel.pc(), CLIENT, VIP, 20000, 30000)).rewrite();
        byte[] frame = FrameCorpus.withZeroRewrittenUdpChecksum(toFlow(TO_SERVER), new byte[] {0, 0, 7, 7}, rewrite).build();
        Outcome outcome = run(frame, kernel.pc());
        assertEquals(0xffff, new FrameView(outcome.output()).udpChecksum());
        assertTrue(new FrameView(outcome.output()).udpChecksumValid());
    }

    @Test
    void theTtlIsDecrementedAndTheIpChecksumFollows() {
        for (int ttl : new int[] {2, 64, 255}) {
            FrameView out = new FrameView(run(toFlow(TO_SERVER).ttl(ttl).build(), kernel.pc()).output());
            assertEquals(ttl - 1, out.ttl());
            assertTrue(out.ipChecksumValid(), "ttl " + ttl);
        }
    }

    @Test
    void aTtlOfOneOrZeroIsNeverForwardedNorRewritten() {
        for (int ttl : new int[] {0, 1}) {
            byte[] frame = toFlow(TO_SERVER).ttl(ttl).build();
            Outcome outcome = run(frame, kernel.pc());
            assertEquals(XdpAction.PASS, outcome.action());
            assertArrayEquals(frame, outcome.output());
        }
        // The VIP is a local IP with no AF_XDP socket bound: the kernel takes it.
        assertEquals(Map.of(Stat.TTL_EXPIRED, 2L, Stat.AFXDP_FALLBACK, 2L, Stat.PASS_TO_KERNEL, 2L), statsDelta());
    }

    @Test
    void ipOptionsTakeTheSlowPath() {
        byte[] frame = toFlow(TO_SERVER).options(new byte[] {1, 1, 1, 0}).build(); // NOP NOP NOP EOL
        Outcome outcome = run(frame, kernel.pc());
        assertArrayEquals(frame, outcome.output(), "never rewritten");
        assertCounted(Stat.SLOW_PATH, Stat.AFXDP_FALLBACK, Stat.PASS_TO_KERNEL);
    }

    @Test
    void fragmentsTakeTheSlowPathButDontFragmentIsFast() {
        for (int fragOff : new int[] {FrameBuilder.IP_MF, 1, FrameBuilder.IP_MF | 100, FrameBuilder.IP_RF}) {
            byte[] frame = toFlow(TO_SERVER).fragOff(fragOff).build();
            assertArrayEquals(frame, run(frame, kernel.pc()).output(), "frag_off " + fragOff + " is not rewritten");
        }
        assertEquals(Map.of(Stat.SLOW_PATH, 4L, Stat.AFXDP_FALLBACK, 4L, Stat.PASS_TO_KERNEL, 4L), statsDelta());
        assertEquals(XdpAction.REDIRECT, run(toFlow(TO_SERVER).fragOff(FrameBuilder.IP_DF).build(), kernel.pc()).action());
    }

    @Test
    void aWrongIpHeaderChecksumIsNeverRewritten() {
        byte[] frame = toFlow(TO_SERVER).ipChecksumError(0x100).build();
        assertArrayEquals(frame, run(frame, kernel.pc()).output());
        assertCounted(Stat.MALFORMED, Stat.PASS_TO_KERNEL);
    }

    /** The seed dropped every packet whose FIB lookup was not a success. */
    @Test
    void noNeighbourPassesTheRewrittenPacketToTheKernelInsteadOfDropping() {
        Outcome outcome = run(toFlow(NO_NEIGH).build(), kernel.pc());
        assertEquals(XdpAction.PASS, outcome.action());
        FrameView out = new FrameView(outcome.output());
        assertEquals(Ipv4.parse("10.210.2.77"), out.dstIp());
        assertEquals(64, out.ttl(), "the kernel decrements the TTL when it forwards");
        assertTrue(out.ipChecksumValid() && out.udpChecksumValid());
        assertCounted(Stat.REWRITE_HIT, Stat.FIB_PASS, Stat.PASS_TO_KERNEL);
    }

    @Test
    void noRouteAndForwardingOffAndTooBigPassToTheKernel() {
        assertEquals(XdpAction.PASS, run(toFlow(NO_ROUTE).build(), kernel.pc()).action());
        byte[] fromServer = FrameBuilder.udp(Ipv4.parse(Lab.SERVER_IP), 50000, EGRESS, 40000).build();
        assertEquals(XdpAction.PASS, run(fromServer, kernel.ps()).action(), "forwarding is off on ps");
        byte[] big = toFlow(TO_SERVER).payload(new byte[1500 - 28 + 1]).build();
        assertEquals(XdpAction.PASS, run(big, kernel.pc()).action(), "one byte over the 1500 MTU");
        assertEquals(Map.of(Stat.REWRITE_HIT, 3L, Stat.FIB_PASS, 3L, Stat.PASS_TO_KERNEL, 3L), statsDelta());
    }

    @Test
    void aBlackholeRouteDrops() {
        assertEquals(XdpAction.DROP, run(toFlow(BLACKHOLE).build(), kernel.pc()).action());
        assertCounted(Stat.REWRITE_HIT, Stat.FIB_DROP);
    }

    /** Without BPF_FIB_LOOKUP_OUTPUT the lookup may leave by another interface; same interface → XDP_TX. */
    @Test
    void theEgressInterfaceComesFromTheFibHairpinOrRedirect() {
        assertEquals(XdpAction.TX, run(toFlow(HAIRPIN).build(), kernel.pc()).action());
        assertEquals(XdpAction.REDIRECT, run(toFlow(TO_SERVER).build(), kernel.pc()).action());
        assertEquals(Map.of(Stat.REWRITE_HIT, 2L, Stat.HAIRPIN_TX, 1L, Stat.REDIRECT_OUT, 1L), statsDelta());
    }

    @Test
    void aMissToALocalIpWithoutASocketFallsBackToTheKernelAndIsCounted() {
        long before = kernel.datapath().localIps().readAll().get(VIP);
        byte[] frame = FrameBuilder.udp(CLIENT, 1234, VIP, 31000).build();
        assertEquals(XdpAction.PASS, run(frame, kernel.pc()).action());
        assertCounted(Stat.REWRITE_MISS, Stat.AFXDP_FALLBACK, Stat.PASS_TO_KERNEL);
        assertEquals(before + 1, kernel.datapath().localIps().readAll().get(VIP));
    }

    @Test
    void vlanTaggedAndNonIpv4FramesGoToTheKernelUntouched() {
        byte[] tagged = Frames.vlanTagged(toFlow(TO_SERVER).build(), Frames.ETH_P_8021Q, 7);
        assertArrayEquals(tagged, run(tagged, kernel.pc()).output());
        assertCounted(Stat.NOT_IPV4, Stat.PASS_TO_KERNEL);
    }

    /** Counters live apart from rules: a rule update never resets them, and the owner flag round-trips. */
    @Test
    void flowCountersSurviveARuleUpdateAndOwnersRoundTrip() {
        FlowKey key = new FlowKey(kernel.pc(), CLIENT, VIP, 20000 + TO_SERVER, 30000 + TO_SERVER);
        FlowCounters before = kernel.datapath().rules().counters(key);
        byte[] frame = toFlow(TO_SERVER).build();
        List<byte[]> five = List.of(frame, frame, frame, frame, frame);
        List<Integer> ingress = List.of(kernel.pc(), kernel.pc(), kernel.pc(), kernel.pc(), kernel.pc());
        kernel.run(five, ingress);
        FlowRule original = RULES.get(key);
        FlowRule moved = new FlowRule(new FlowKey(kernel.ps(), EGRESS, Ipv4.parse(Lab.SERVER_IP), 40999, 50000), Owner.SESSION);
        try {
            kernel.datapath().rules().put(key, moved);
            assertEquals(moved, kernel.datapath().rules().get(key).orElseThrow());
            kernel.run(five, ingress);
            assertEquals(before.plus(new FlowCounters(10, 10L * frame.length)), kernel.datapath().rules().counters(key));
        } finally {
            kernel.datapath().rules().put(key, original);
        }
        assertEquals(Owner.CONFIG, kernel.datapath().rules().get(key).orElseThrow().owner());
        assertEquals(Owner.SESSION, kernel.datapath().rules().get(new FlowKey(kernel.pc(), CLIENT, VIP, 20001, 30001))
                .orElseThrow().owner());
    }

    /** A neighbour of ps that only the next-hop tests use (the model's FIB does not know it). */
    private static final String CACHED = "10.210.2.50";
    private static final Mac FIRST_MAC = Mac.parse("02:00:00:00:aa:01");
    private static final Mac SECOND_MAC = Mac.parse("02:00:00:00:aa:02");
    /** More than two clock ticks even at HZ=100: a next hop cached before it is never used after it. */
    private static final long TICKS_NS = 25_000_000;

    /** The rule and frame of a flow to {@link #CACHED}; its neighbour is set to {@code mac} (none: deleted). */
    private static FlowKey cachedFlow(Mac mac) {
        String ns = kernel.lab().proxyNs();
        if (mac == null) {
            Lab.ip("-n", ns, "neigh", "del", CACHED, "dev", "ps");
        } else {
            Lab.ip("-n", ns, "neigh", "replace", CACHED, "lladdr", mac.toString(), "dev", "ps", "nud", "permanent");
        }
        return new FlowKey(kernel.pc(), CLIENT, VIP, 20999, 30999);
    }

    private static FlowRule cachedRule() {
        return new FlowRule(new FlowKey(kernel.ps(), EGRESS, Ipv4.parse(CACHED), 40999, 50999), Owner.CONFIG);
    }

    private static byte[] cachedFrame() {
        return FrameBuilder.udp(CLIENT, 20999, VIP, 30999)
                .dstMac(Mac.parse(kernel.lab().pc().mac())).srcMac(Mac.parse(kernel.lab().c0().mac())).build();
    }

    private static NextHop hopOf(FlowKey key) {
        byte[] value = new byte[Abi.FLOW_RULE_SIZE];
        assertTrue(kernel.datapath().rules().rulesMap().lookup(Abi.keyBytes(key), value));
        return Abi.readNextHop(value);
    }

    /** Sleeps past {@link #TICKS_NS}: the cache's validity is a clock tick, so time passing is the condition itself. */
    private static void letTicksPass() throws InterruptedException {
        long until = System.nanoTime() + TICKS_NS;
        while (System.nanoTime() < until) {
            Thread.sleep(Math.max(1, (until - System.nanoTime()) / 1_000_000));
        }
    }

    /** Layout 3: a forwarded hit leaves the FIB's answer in its rule, which a write of the rule empties. */
    @Test
    void aForwardedHitCachesTheFibAnswerInItsRuleAndARuleWriteEmptiesIt() {
        FlowKey key = cachedFlow(FIRST_MAC);
        kernel.datapath().rules().put(key, cachedRule());
        try {
            assertTrue(hopOf(key).isEmpty(), "written empty");
            KernelDatapath.Result result = kernel.run(cachedFrame(), kernel.pc());
            assertEquals(XdpAction.REDIRECT, result.action());
            assertEquals(FIRST_MAC, new FrameView(result.output()).dstMac());
            NextHop hop = hopOf(key);
            assertFalse(hop.isEmpty(), "the answer is cached");
            byte[] frame = cachedFrame();
            int totLen = ((frame[16] & 0xff) << 8) | (frame[17] & 0xff);
            assertEquals(new NextHop(hop.jiffies(), kernel.pc(), EGRESS, Ipv4.parse(CACHED), totLen, 0,
                    kernel.ps(), FIRST_MAC.value(), Mac.parse(kernel.lab().ps().mac()).value()), hop);

            kernel.datapath().rules().put(key, cachedRule());
            assertTrue(hopOf(key).isEmpty(), "a rule written again starts with an empty cache");
        } finally {
            kernel.datapath().rules().remove(key);
            cachedFlow(null);
        }
    }

    /**
     * FIB semantics with the next-hop cache: a new neighbour MAC, a blackhole route and a neighbour gone are obeyed
     * by the first packet after a clock tick (the cache's bound); a neighbour miss still goes to the kernel.
     */
    @Test
    void neighbourAndRouteChangesAreObeyedWithinATick() throws InterruptedException {
        String ns = kernel.lab().proxyNs();
        FlowKey key = cachedFlow(FIRST_MAC);
        kernel.datapath().rules().put(key, cachedRule());
        try {
            assertEquals(FIRST_MAC, new FrameView(kernel.run(cachedFrame(), kernel.pc()).output()).dstMac());
            assertFalse(hopOf(key).isEmpty());

            cachedFlow(SECOND_MAC);
            letTicksPass();
            KernelDatapath.Result moved = kernel.run(cachedFrame(), kernel.pc());
            assertEquals(XdpAction.REDIRECT, moved.action());
            assertEquals(SECOND_MAC, new FrameView(moved.output()).dstMac(), "the neighbour's new MAC");

            Lab.ip("-n", ns, "route", "add", "blackhole", CACHED + "/32");
            try {
                letTicksPass();
                snapshot();
                assertEquals(XdpAction.DROP, kernel.run(cachedFrame(), kernel.pc()).action(), "the blackhole route");
                assertCounted(Stat.REWRITE_HIT, Stat.FIB_DROP);
            } finally {
                Lab.ip("-n", ns, "route", "del", "blackhole", CACHED + "/32");
            }
            assertEquals(XdpAction.REDIRECT, kernel.run(cachedFrame(), kernel.pc()).action(), "the route back");

            cachedFlow(null);
            letTicksPass();
            snapshot();
            KernelDatapath.Result gone = kernel.run(cachedFrame(), kernel.pc());
            assertEquals(XdpAction.PASS, gone.action(), "no neighbour: the kernel resolves it");
            assertEquals(64, new FrameView(gone.output()).ttl(), "the kernel decrements the TTL when it forwards");
            assertCounted(Stat.REWRITE_HIT, Stat.FIB_PASS, Stat.PASS_TO_KERNEL);
        } finally {
            kernel.datapath().rules().remove(key);
            Lab.ip("-n", ns, "neigh", "flush", "to", CACHED, "dev", "ps");
        }
    }
}
