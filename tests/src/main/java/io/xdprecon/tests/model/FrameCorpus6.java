package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.tests.packets.Frame6Builder;
import io.xdprecon.tests.packets.Mac;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generated IPv6 frames for the IPv6 model and, through BPF_PROG_TEST_RUN, the program: rule hits toward every
 * FIB answer, and everything the fast path must leave alone or refuse — extension headers (a jumbogram among
 * them), ICMPv6 (neighbour discovery above all), other protocols, hop limits 0 and 1, a zero or wrong UDP
 * checksum, lengths that lie, cut frames, padded frames, other EtherTypes. Reproducible from its seed.
 */
public final class FrameCorpus6 {
    public enum Category {
        HIT, HIT_PADDED, HIT_BAD_CHECKSUM, HIT_ZERO_CHECKSUM, HIT_HOP_LIMIT, MISS, EXTENSION_HEADER, JUMBOGRAM,
        ICMPV6_ND, ICMPV6_OTHER, OTHER_PROTOCOL, LENGTH_LIES, CUT_SHORT, BAD_VERSION, NOT_IPV6
    }

    public record Case(Category category, byte[] frame, int ingressIfindex, long seed) {}

    /** The rules, FIB and ingress interfaces the frames are made for. */
    public record Scenario6(Map<FlowKey6, FlowRule6> rules, Fib6 fib, List<Integer> ingressIfindexes) {
        public Scenario6 {
            rules = Map.copyOf(rules);
            ingressIfindexes = List.copyOf(ingressIfindexes);
        }

        public Ipv6DatapathModel model() {
            return new Ipv6DatapathModel(rules, fib);
        }
    }

    public static final int IF_CLIENTS = 2;
    public static final int IF_SERVERS = 3;
    public static final int IF_NARROW = 4;
    public static final int IF_NO_FORWARDING = 5;
    /** IPv6's minimum MTU: any bigger datagram toward 2001:db8:4::/64 needs fragmenting. */
    public static final int NARROW_MTU = 1280;

    /** Every FIB answer in one written-down network, for tests without a namespace. */
    public static Scenario6 example(long seed, int ruleCount) {
        StaticFib6.Builder fib = StaticFib6.builder()
                .iface(IF_CLIENTS, Mac.parse("02:00:00:00:00:02"), 1500)
                .iface(IF_SERVERS, Mac.parse("02:00:00:00:00:03"), 1500)
                .iface(IF_NARROW, Mac.parse("02:00:00:00:00:04"), NARROW_MTU)
                .ifaceWithoutForwarding(IF_NO_FORWARDING, Mac.parse("02:00:00:00:00:05"), 1500)
                .local("fd00::/64")
                .connected("2001:db8:1::/64", IF_SERVERS)
                .connected("2001:db8:2::/64", IF_CLIENTS)
                .connected("2001:db8:3::/64", IF_SERVERS)
                .via("2001:db8:4::/64", IF_NARROW, "2001:db8:40::1")
                .neighbour(IF_NARROW, "2001:db8:40::1", Mac.parse("02:00:00:00:40:01"))
                .blackhole("2001:db8:5::/64")
                .unreachable("2001:db8:6::/64")
                .prohibit("2001:db8:7::/64")
                .encapsulated("2001:db8:8::/64", IF_SERVERS);
        for (int host = 2; host <= 9; host++) {
            fib.neighbour(IF_SERVERS, "2001:db8:1::" + host, Mac.parse("02:00:00:00:01:0" + host));
            fib.neighbour(IF_CLIENTS, "2001:db8:2::" + host, Mac.parse("02:00:00:00:02:0" + host));
        }
        List<IpAddress.V6> relay = List.of(StaticFib6.address("fd00::1"), StaticFib6.address("fd00::2"));
        List<IpAddress.V6> destinations = List.of("2001:db8:1::2", "2001:db8:1::9", "2001:db8:2::3", "2001:db8:3::4",
                "2001:db8:4::5", "2001:db8:5::6", "2001:db8:6::7", "2001:db8:7::8", "2001:db8:8::9", "fd00::1",
                "2001:db8:ff::1").stream().map(StaticFib6::address).toList();
        List<Integer> ingress = List.of(IF_CLIENTS, IF_SERVERS, IF_NO_FORWARDING);
        return new Scenario6(rulesFor(new SplittableRandom(seed), ruleCount, ingress, relay, destinations), fib.build(),
                ingress);
    }

    /**
     * {@code count} rules: each key arrives on one of {@code ingress} from a client to a relay address; each
     * rewrite goes from a relay address to one of {@code destinations} (so every FIB answer is met).
     */
    public static Map<FlowKey6, FlowRule6> rulesFor(SplittableRandom random, int count, List<Integer> ingress,
            List<IpAddress.V6> relay, List<IpAddress.V6> destinations) {
        Map<FlowKey6, FlowRule6> rules = new LinkedHashMap<>();
        while (rules.size() < count) {
            FlowKey6 key = new FlowKey6(ingress.get(random.nextInt(ingress.size())), client(random),
                    relay.get(random.nextInt(relay.size())), 1024 + random.nextInt(64000), 1024 + random.nextInt(64000));
            FlowKey6 rewrite = new FlowKey6(0, relay.get(random.nextInt(relay.size())),
                    destinations.get(random.nextInt(destinations.size())), 1024 + random.nextInt(64000),
                    1 + random.nextInt(65535));
            rules.putIfAbsent(key, new FlowRule6(rewrite, Owner.CONFIG));
        }
        return rules;
    }

    private static IpAddress.V6 client(SplittableRandom random) {
        return new IpAddress.V6(0x20010db800000000L | (long) random.nextInt(0x10000) << 16 | 0xc1, random.nextLong());
    }

    private final Scenario6 scenario;
    private final long seed;
    private final List<FlowKey6> keys;

    public FrameCorpus6(Scenario6 scenario, long seed) {
        this.scenario = scenario;
        this.seed = seed;
        this.keys = List.copyOf(scenario.rules().keySet());
    }

    /** {@code count} cases, each category about equally often (hits more: they carry most of the arithmetic). */
    public List<Case> generate(int count) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>(count);
        Category[] categories = Category.values();
        for (int i = 0; i < count; i++) {
            long caseSeed = random.nextLong();
            int pick = random.nextInt(categories.length + 4);
            Category category = pick >= categories.length ? Category.HIT : categories[pick];
            cases.add(make(category, caseSeed));
        }
        return cases;
    }

    /** The case {@code category} and {@code caseSeed} make: how a failure names a frame that can be made again. */
    public Case make(Category category, long caseSeed) {
        SplittableRandom random = new SplittableRandom(caseSeed);
        FlowKey6 key = keys.get(random.nextInt(keys.size()));
        int ingress = key.ifindex();
        Frame6Builder hit = Frame6Builder.udp(key.srcIp(), key.srcPort(), key.dstIp(), key.dstPort())
                .payload(payload(random, random.nextInt(8) == 0 ? 1200 + random.nextInt(300) : random.nextInt(300)))
                .hopLimit(2 + random.nextInt(254)).trafficClass(random.nextInt(256)).flowLabel(random.nextInt(1 << 20));
        byte[] frame = switch (category) {
            case HIT -> hit.build();
            case HIT_PADDED -> hit.trailer(payload(random, 1 + random.nextInt(40))).build();
            case HIT_BAD_CHECKSUM -> hit.udpChecksumError(1 + random.nextInt(0xfffe)).build();
            case HIT_ZERO_CHECKSUM -> hit.udpChecksum(0).build();
            case HIT_HOP_LIMIT -> hit.hopLimit(random.nextInt(2)).build();
            case MISS -> miss(random, key, hit);
            case EXTENSION_HEADER -> {
                int[] types = {0, 43, 44, 60, 51, 50, 135};
                int n = 1 + random.nextInt(2);
                for (int e = 0; e < n; e++) {
                    hit.extension(types[random.nextInt(types.length)], payload(random, random.nextInt(14)));
                }
                yield hit.build();
            }
            case JUMBOGRAM -> {
                // a hop-by-hop header with a Jumbo Payload option (type 0xc2, length 4) and payload_len 0
                byte[] option = {(byte) 0xc2, 4, 0, 0, 0x01, 0x00};
                yield hit.extension(0, option).payloadLen(0).build();
            }
            case ICMPV6_ND -> icmp(random, key, 133 + random.nextInt(5));
            case ICMPV6_OTHER -> icmp(random, key, new int[] {128, 129, 1, 2, 3, 4}[random.nextInt(6)]);
            case OTHER_PROTOCOL -> Frame6Builder.udp(key.srcIp(), key.srcPort(), key.dstIp(), key.dstPort())
                    .upper(new int[] {6, 59, 132, 4, 41}[random.nextInt(5)], payload(random, 20 + random.nextInt(40))).build();
            case LENGTH_LIES -> switch (random.nextInt(4)) {
                case 0 -> hit.payloadLen(hit.build().length - 54 + 1 + random.nextInt(100)).build();
                case 1 -> hit.payloadLen(random.nextInt(8)).build();
                case 2 -> hit.udpLen(random.nextInt(8)).build();
                default -> hit.udpLen(hit.build().length - 54 + 1 + random.nextInt(100)).build();
            };
            case CUT_SHORT -> {
                byte[] whole = hit.build();
                yield java.util.Arrays.copyOf(whole, 14 + random.nextInt(whole.length - 14));
            }
            case BAD_VERSION -> hit.version(new int[] {4, 0, 7, 15}[random.nextInt(4)]).build();
            case NOT_IPV6 -> hit.etherType(new int[] {0x0806, 0x8100, 0x88cc, 0x86dc}[random.nextInt(4)]).build();
        };
        return new Case(category, frame, ingress, caseSeed);
    }

    /** A frame one field away from a rule (or nowhere near one). */
    private byte[] miss(SplittableRandom random, FlowKey6 key, Frame6Builder hit) {
        IpAddress.V6 src = key.srcIp();
        IpAddress.V6 dst = key.dstIp();
        int sport = key.srcPort();
        int dport = key.dstPort();
        switch (random.nextInt(5)) {
            case 0 -> src = new IpAddress.V6(src.high(), src.low() ^ 1L << random.nextInt(64));
            case 1 -> dst = new IpAddress.V6(dst.high() ^ 1L << random.nextInt(64), dst.low());
            case 2 -> sport ^= 1 << random.nextInt(16);
            case 3 -> dport ^= 1 << random.nextInt(16);
            default -> src = client(random);
        }
        FlowKey6 missed = new FlowKey6(key.ifindex(), src, dst, sport, dport);
        if (scenario.rules().containsKey(missed)) {
            return hit.build(); // a random change that met another rule: still a valid frame
        }
        return Frame6Builder.udp(src, sport, dst, dport).payload(payload(random, random.nextInt(200))).build();
    }

    /**
     * An ICMPv6 message of {@code type} between a rule's addresses (neighbour discovery toward the relay address);
     * its checksum is left 0: whatever it holds, the fast path must not touch it.
     */
    private static byte[] icmp(SplittableRandom random, FlowKey6 key, int type) {
        byte[] message = payload(random, 24 + random.nextInt(16));
        message[0] = (byte) type;
        message[1] = 0;
        message[2] = 0;
        message[3] = 0;
        byte[] frame = Frame6Builder.udp(key.srcIp(), 0, key.dstIp(), 0).hopLimit(255)
                .upper(Frame6Builder.IPPROTO_ICMPV6, message).build();
        return frame;
    }

    private static byte[] payload(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** How to make {@code c} again. */
    public String reproduce(Case c) {
        return c.category() + " case (corpus seed " + seed + ", case seed " + c.seed() + ") on if" + c.ingressIfindex();
    }
}
