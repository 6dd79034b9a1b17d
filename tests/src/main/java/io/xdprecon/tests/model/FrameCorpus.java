package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.tests.packets.FrameBuilder;
import io.xdprecon.tests.packets.FrameView;
import io.xdprecon.tests.packets.Frames;
import io.xdprecon.tests.packets.Mac;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Generates frames for the datapath, over a {@link Scenario}: mostly traffic that hits rules (spread
 * evenly over what the FIB answers for them), and every kind of frame the parser must refuse or hand
 * on. The same scenario and seed give the same cases, in the same order; put {@link #reproduce} in
 * failure messages.
 *
 * <pre>{@code
 * Scenario scenario = Scenario.example(seed, 200);
 * DatapathModel model = scenario.model();
 * for (FrameCorpus.Case c : new FrameCorpus(scenario, seed).generate(100_000)) {
 *     Outcome expected = model.evaluate(c.frame(), c.ingressIfindex(), c.rxQueue(), false);
 *     ...
 * }
 * }</pre>
 */
public final class FrameCorpus {
    /** Longest frame generated: below the ~3.5 KiB a single-buffer BPF_PROG_TEST_RUN accepts. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1600;

    /** Kinds of frame, with their share of a corpus. */
    public enum Category {
        RULE_HIT(24, "valid UDP matching a rule, rewrite destinations spread over every FIB answer"),
        LARGE_RULE_HIT(3, "valid UDP matching a rule, 500 bytes up to the maximum frame (FRAG_NEEDED where the MTU is small)"),
        TTL_EDGE(4, "rule hit with TTL 0, 1, 2 or 255"),
        UDP_CHECKSUM_ZERO(4, "rule hit whose sender sent no UDP checksum (0)"),
        UDP_CHECKSUM_BECOMES_ZERO(2, "rule hit whose rewritten UDP checksum computes to 0, so must go out as 0xffff"),
        WRONG_UDP_CHECKSUM(3, "rule hit with a wrong UDP checksum: rewritten, the error carried over"),
        WRONG_IP_CHECKSUM(3, "a rule's flow with a wrong IPv4 header checksum (and maybe UDP): never rewritten"),
        NO_RULE_LOCAL(6, "valid UDP to a local IP, no rule"),
        NO_RULE_REMOTE(6, "valid UDP to a non-local IP, no rule"),
        NEAR_MISS(4, "a rule's key with one field changed (ingress, address or port)"),
        TRUNCATED(8, "a valid rule-hit frame cut at every length from 0 to its full length"),
        IHL(4, "ihl 0 to 15, option bytes present when above 5"),
        VERSION(2, "IP version other than 4"),
        FRAGMENT(5, "every combination of reserved/DF/MF with offset zero or not"),
        BAD_LENGTH(6, "tot_len or udp len too small or too big, and valid but shorter-than-packet lengths"),
        NON_UDP(4, "ICMP, TCP and other protocols, to rule, local and remote addresses"),
        VLAN(2, "802.1Q / 802.1ad tagged IPv4"),
        IPV6(2, "IPv6/UDP"),
        ARP(2, "ARP request or reply"),
        RUNT(2, "shorter than an Ethernet header"),
        OTHER_ETHERTYPE(1, "IPv4 bytes under another ethertype (byte-swapped 0x0800, 802.3 length...)"),
        ETH_PADDING(4, "short frames padded to the 60-byte Ethernet minimum, padding beyond tot_len"),
        MUTATED(4, "a rule-hit frame with a few header bytes randomised");

        private final int weight;
        private final String description;

        Category(int weight, String description) {
            this.weight = weight;
            this.description = description;
        }

        public int weight() {
            return weight;
        }

        public String description() {
            return description;
        }
    }

    /** One frame to run, arriving on {@code ingressIfindex}, queue {@code rxQueue}. */
    public record Case(int index, Category category, String name, byte[] frame, int ingressIfindex, int rxQueue) {
        @Override
        public String toString() {
            return "#" + index + " " + category + " " + name + " on if" + ingressIfindex + " queue " + rxQueue
                    + "\n  frame " + new FrameView(frame).summary() + "\n  bytes " + HexFormat.of().formatHex(frame);
        }
    }

    private record Draft(String name, byte[] frame, int ingressIfindex) {}

    private static final int IPPROTO_UDP = 17;
    private static final int CLIENT_NETWORK = Ipv4.parse("198.18.0.0"); // RFC 2544 benchmarking, a /15

    private final Scenario scenario;
    private final long seed;
    private final int maxFrameLength;
    private final List<FlowKey> ruleKeys;
    private final EnumMap<FibCode, List<FlowKey>> ruleKeysByFib = new EnumMap<>(FibCode.class);
    private final List<Integer> localIps;
    private final List<Integer> rewriteDestinations;
    private RandomGenerator random;

    public FrameCorpus(Scenario scenario, long seed) {
        this(scenario, seed, DEFAULT_MAX_FRAME_LENGTH);
    }

    public FrameCorpus(Scenario scenario, long seed, int maxFrameLength) {
        if (scenario.rules().isEmpty() || scenario.localIps().isEmpty()) {
            throw new IllegalArgumentException("a corpus needs at least one rule and one local IP");
        }
        if (maxFrameLength < 500) {
            throw new IllegalArgumentException("maximum frame length below 500: " + maxFrameLength);
        }
        this.scenario = scenario;
        this.seed = seed;
        this.maxFrameLength = maxFrameLength;
        this.ruleKeys = scenario.rules().keySet().stream().sorted(KEY_ORDER).toList();
        for (FlowKey key : ruleKeys) {
            FlowKey to = scenario.rules().get(key).rewrite();
            FibCode answer = scenario.fib().lookup(key.ifindex(), to.srcIp(), to.dstIp(), 100, 0).code();
            ruleKeysByFib.computeIfAbsent(answer, code -> new ArrayList<>()).add(key);
        }
        this.localIps = scenario.localIps().stream().sorted().toList();
        this.rewriteDestinations = scenario.rules().values().stream().map(rule -> rule.rewrite().dstIp())
                .filter(ip -> !scenario.localIps().contains(ip)).distinct().sorted().toList();
    }

    public long seed() {
        return seed;
    }

    /** What to print when a case fails: enough to regenerate it. */
    public String reproduce(Case failed) {
        return "FrameCorpus seed " + seed + " (max frame " + maxFrameLength + "), case " + failed;
    }

    /**
     * {@code count} cases, categories drawn by weight. A TRUNCATED draw continues the current sweep of
     * one frame over every cut length, so each sweep but possibly the last is complete. Each call
     * starts again from the seed; one corpus object is not for several threads at once.
     */
    public List<Case> generate(int count) {
        random = new SplittableRandom(seed);
        int totalWeight = 0;
        for (Category category : Category.values()) {
            totalWeight += category.weight;
        }
        List<Case> cases = new ArrayList<>(count);
        Deque<Draft> pendingCuts = new ArrayDeque<>();
        for (int index = 0; index < count; index++) {
            Category category = pick(totalWeight);
            Draft draft;
            if (category == Category.TRUNCATED) {
                if (pendingCuts.isEmpty()) {
                    pendingCuts.addAll(truncationSweep());
                }
                draft = pendingCuts.removeFirst();
            } else {
                draft = draft(category);
            }
            cases.add(new Case(index, category, draft.name, draft.frame, draft.ingressIfindex, random.nextInt(scenario.rxQueues())));
        }
        return cases;
    }

    /**
     * A random valid rule set: {@code count} rules for UDP from clients in 198.18.0.0/15 to one of
     * {@code relayIps}, each rewritten to come from a relay IP and to go to the next of
     * {@code rewriteDestinations} in turn (so each destination, and what the FIB says of it, gets its
     * share). The rewrite's ifindex is the egress the FIB predicts, 0 where it predicts none. Owners
     * are config or session at random.
     */
    public static Map<FlowKey, FlowRule> rulesFor(RandomGenerator random, int count, List<Integer> ingressIfindexes,
            List<Integer> relayIps, List<Integer> rewriteDestinations, Fib fib) {
        Map<FlowKey, FlowRule> rules = new LinkedHashMap<>();
        while (rules.size() < count) {
            FlowKey key = new FlowKey(pickFrom(random, ingressIfindexes), client(random), pickFrom(random, relayIps),
                    ephemeralPort(random), ephemeralPort(random));
            int srcIp = pickFrom(random, relayIps);
            int dstIp = rewriteDestinations.get(rules.size() % rewriteDestinations.size());
            FibResult route = fib.lookup(key.ifindex(), srcIp, dstIp, 100, 0);
            int expectedEgress = route.code() == FibCode.SUCCESS ? route.egressIfindex() : 0;
            FlowKey rewrite = new FlowKey(expectedEgress, srcIp, dstIp, ephemeralPort(random), ephemeralPort(random));
            rules.putIfAbsent(key, new FlowRule(rewrite, random.nextBoolean() ? Owner.CONFIG : Owner.SESSION));
        }
        return rules;
    }

    private Draft draft(Category category) {
        return switch (category) {
            case RULE_HIT -> {
                List<FibCode> answers = List.copyOf(ruleKeysByFib.keySet());
                FibCode answer = answers.get(random.nextInt(answers.size()));
                FlowKey key = pickFrom(random, ruleKeysByFib.get(answer));
                yield draft("hit, FIB " + answer, hit(key), key);
            }
            case LARGE_RULE_HIT -> {
                FlowKey key = pickFrom(random, ruleKeys);
                int frameLength = random.nextInt(500, maxFrameLength + 1);
                yield draft("hit, " + frameLength + "-byte frame", hit(key).payload(bytes(frameLength - 42)), key);
            }
            case TTL_EDGE -> {
                int ttl = pickFrom(random, List.of(0, 1, 2, 255));
                FlowKey key = pickFrom(random, ruleKeys);
                yield draft("hit, ttl " + ttl, hit(key).ttl(ttl), key);
            }
            case UDP_CHECKSUM_ZERO -> {
                FlowKey key = pickFrom(random, ruleKeys);
                yield draft("hit, no udp checksum", hit(key).noUdpChecksum(), key);
            }
            case UDP_CHECKSUM_BECOMES_ZERO -> {
                FlowKey key = pickFrom(random, ruleKeys);
                FrameBuilder frame = withZeroRewrittenUdpChecksum(hit(key), bytes(random.nextInt(2, 40)), scenario.rules().get(key).rewrite());
                yield draft("hit, rewritten udp checksum computes to 0", frame, key);
            }
            case WRONG_UDP_CHECKSUM -> {
                FlowKey key = pickFrom(random, ruleKeys);
                yield draft("hit, wrong udp checksum", hit(key).udpChecksumError(random.nextInt(1, 0xffff)), key);
            }
            case WRONG_IP_CHECKSUM -> {
                FlowKey key = pickFrom(random, ruleKeys);
                FrameBuilder frame = hit(key).ipChecksumError(random.nextInt(1, 0xffff));
                if (random.nextBoolean()) {
                    frame.udpChecksumError(random.nextInt(1, 0xffff));
                }
                yield draft("rule's flow, wrong ip checksum", frame, key);
            }
            case NO_RULE_LOCAL -> miss("no rule, to a local IP", pickFrom(random, localIps));
            case NO_RULE_REMOTE -> miss("no rule, to a non-local IP", nonLocalIp());
            case NEAR_MISS -> nearMiss();
            case TRUNCATED -> throw new IllegalStateException("truncations come in sweeps");
            case IHL -> ihl();
            case VERSION -> {
                int version = random.nextBoolean() ? 6 : random.nextInt(16);
                version = version == 4 ? 5 : version;
                FlowKey key = pickFrom(random, ruleKeys);
                yield draft("ip version " + version, hit(key).version(version), key);
            }
            case FRAGMENT -> fragment();
            case BAD_LENGTH -> badLength();
            case NON_UDP -> nonUdp();
            case VLAN -> {
                FlowKey key = pickFrom(random, ruleKeys);
                int tpid = random.nextBoolean() ? Frames.ETH_P_8021Q : Frames.ETH_P_8021AD;
                int vlanId = random.nextInt(4096);
                yield new Draft(String.format("tag 0x%04x vlan %d on a rule hit", tpid, vlanId),
                        Frames.vlanTagged(hit(key).build(), tpid, vlanId), key.ifindex());
            }
            case IPV6 -> new Draft("IPv6/UDP", Frames.ipv6Udp(mac(), mac(), bytes(16), bytes(16),
                    ephemeralPort(random), ephemeralPort(random), random.nextInt(256), bytes(random.nextInt(64))), ingress());
            case ARP -> {
                boolean request = random.nextBoolean();
                yield new Draft(request ? "ARP request" : "ARP reply",
                        Frames.arp(mac(), client(random), mac(), pickFrom(random, localIps), request), ingress());
            }
            case RUNT -> {
                int length = random.nextInt(FrameBuilder.ETH_HLEN);
                byte[] frame = random.nextBoolean() ? Frames.truncate(hit(pickFrom(random, ruleKeys)).build(), length) : bytes(length);
                yield new Draft(length + "-byte runt", frame, ingress());
            }
            case OTHER_ETHERTYPE -> {
                int etherType = switch (random.nextInt(4)) {
                    case 0 -> 0x0008; // 0x0800 with its bytes swapped: a missing htons
                    case 1 -> Frames.ETH_P_IPV6;
                    case 2 -> random.nextInt(46, 1501); // an 802.3 length, not a type
                    default -> random.nextInt(0x0600, 0x10000);
                };
                etherType = etherType == Frames.ETH_P_IP ? Frames.ETH_P_ARP : etherType;
                FlowKey key = pickFrom(random, ruleKeys);
                yield draft(String.format("ethertype 0x%04x over a rule hit", etherType), hit(key).etherType(etherType), key);
            }
            case ETH_PADDING -> padded();
            case MUTATED -> {
                FlowKey key = pickFrom(random, ruleKeys);
                byte[] frame = hit(key).build();
                int changes = random.nextInt(1, 4);
                StringBuilder where = new StringBuilder();
                for (int i = 0; i < changes; i++) {
                    int offset = random.nextInt(12, Math.min(frame.length, 50));
                    frame[offset] = (byte) random.nextInt(256);
                    where.append(i == 0 ? "" : ",").append(offset);
                }
                yield new Draft("rule hit with bytes " + where + " randomised", frame, key.ifindex());
            }
        };
    }

    /** A valid frame of the rule's flow: random MACs, tos, id, DF, TTL above 1, and payload. */
    private FrameBuilder hit(FlowKey key) {
        return FrameBuilder.udp(key.srcIp(), key.srcPort(), key.dstIp(), key.dstPort())
                .dstMac(mac())
                .srcMac(mac())
                .tos(random.nextInt(4) == 0 ? random.nextInt(256) : 0)
                .id(random.nextInt(0x10000))
                .fragOff(random.nextBoolean() ? FrameBuilder.IP_DF : 0)
                .ttl(random.nextInt(4) == 0 ? random.nextInt(2, 256) : 64)
                .payload(bytes(random.nextInt(4) == 0 ? random.nextInt(200) : random.nextInt(40)));
    }

    private Draft draft(String name, FrameBuilder frame, FlowKey key) {
        return new Draft(name, frame.build(), key.ifindex());
    }

    private Draft miss(String name, int dstIp) {
        FlowKey key;
        do {
            key = new FlowKey(ingress(), client(random), dstIp, ephemeralPort(random), ephemeralPort(random));
        } while (scenario.rules().containsKey(key));
        return draft(name, hit(key), key);
    }

    private Draft nearMiss() {
        FlowKey rule = pickFrom(random, ruleKeys);
        for (int attempt = 0; ; attempt++) {
            int field = random.nextInt(5);
            FlowKey key = switch (field) {
                case 0 -> new FlowKey(ingress(), rule.srcIp(), rule.dstIp(), rule.srcPort(), rule.dstPort());
                case 1 -> new FlowKey(rule.ifindex(), rule.srcIp() + 1, rule.dstIp(), rule.srcPort(), rule.dstPort());
                case 2 -> new FlowKey(rule.ifindex(), rule.srcIp(), pickFrom(random, localIps), rule.srcPort(), rule.dstPort());
                case 3 -> new FlowKey(rule.ifindex(), rule.srcIp(), rule.dstIp(), rule.srcPort() ^ 1, rule.dstPort());
                default -> new FlowKey(rule.ifindex(), rule.srcIp(), rule.dstIp(), rule.srcPort(), rule.dstPort() ^ 1);
            };
            if (!scenario.rules().containsKey(key) || attempt > 20) {
                String changed = List.of("ingress", "src ip", "dst ip", "src port", "dst port").get(field);
                return draft("rule key with " + changed + " changed", hit(key), key);
            }
        }
    }

    /** One rule-hit frame, cut at every length from 0 to its whole length. */
    private List<Draft> truncationSweep() {
        FlowKey key = pickFrom(random, ruleKeys);
        byte[] whole = hit(key).payload(bytes(random.nextInt(32))).build();
        List<Draft> cuts = new ArrayList<>(whole.length + 1);
        for (int length = 0; length <= whole.length; length++) {
            cuts.add(new Draft("cut to " + length + " of " + whole.length, Frames.truncate(whole, length), key.ifindex()));
        }
        return cuts;
    }

    private Draft ihl() {
        FlowKey key = pickFrom(random, ruleKeys);
        int ihl = random.nextInt(16);
        FrameBuilder frame = hit(key);
        if (ihl > 5 && random.nextInt(4) == 0) {
            return draft("ihl " + ihl + " without the option bytes", frame.ihl(ihl), key);
        }
        if (ihl > 5) {
            byte[] options = new byte[(ihl - 5) * 4];
            Arrays.fill(options, (byte) 1); // NOP options, ending with end-of-list
            options[options.length - 1] = 0;
            return draft("ihl " + ihl + " with " + options.length + " option bytes", frame.options(options), key);
        }
        return draft("ihl " + ihl, ihl == 5 ? frame : frame.ihl(ihl), key);
    }

    private Draft fragment() {
        int flags = (random.nextBoolean() ? FrameBuilder.IP_RF : 0) | (random.nextBoolean() ? FrameBuilder.IP_DF : 0)
                | (random.nextBoolean() ? FrameBuilder.IP_MF : 0);
        int offset = random.nextBoolean() ? 0 : random.nextInt(1, FrameBuilder.IP_OFFSET_MASK + 1);
        FlowKey key = random.nextInt(4) == 0
                ? new FlowKey(ingress(), client(random), pickFrom(random, localIps), ephemeralPort(random), ephemeralPort(random))
                : pickFrom(random, ruleKeys);
        String name = String.format("frag_off 0x%04x (%s%s%soffset %d)", flags | offset,
                (flags & FrameBuilder.IP_RF) != 0 ? "RF " : "", (flags & FrameBuilder.IP_DF) != 0 ? "DF " : "",
                (flags & FrameBuilder.IP_MF) != 0 ? "MF " : "", offset);
        return draft(name, hit(key).fragOff(flags | offset), key);
    }

    private Draft badLength() {
        FlowKey key = pickFrom(random, ruleKeys);
        FrameBuilder frame = hit(key);
        int payload = random.nextInt(1, 64);
        frame.payload(bytes(payload));
        int totLen = 20 + 8 + payload;
        int udpLen = 8 + payload;
        return switch (random.nextInt(8)) {
            case 0 -> { int bad = random.nextInt(20); yield draft("tot_len " + bad + " below the IP header", frame.totLen(bad), key); }
            case 1 -> { int bad = random.nextInt(20, 28); yield draft("tot_len " + bad + " below IP + UDP headers", frame.totLen(bad), key); }
            case 2 -> { int bad = totLen + random.nextInt(1, 65); yield draft("tot_len " + bad + " beyond the " + totLen + "-byte packet", frame.totLen(bad), key); }
            case 3 -> { int bad = random.nextInt(28, totLen); yield draft("tot_len " + bad + " shorter than udp len " + udpLen, frame.totLen(bad), key); }
            case 4 -> { int bad = random.nextInt(8); yield draft("udp len " + bad + " below the UDP header", frame.udpLen(bad), key); }
            case 5 -> { int bad = udpLen + random.nextInt(1, 65); yield draft("udp len " + bad + " beyond tot_len " + totLen, frame.udpLen(bad), key); }
            case 6 -> {
                int shorter = 8 + random.nextInt(payload);
                yield draft("valid: udp len " + shorter + " shorter than the IP payload " + udpLen, frame.udpLen(shorter), key);
            }
            default -> {
                int trailing = random.nextInt(1, 32);
                yield draft("valid: " + trailing + " bytes after tot_len", frame.trailer(bytes(trailing)), key);
            }
        };
    }

    private Draft nonUdp() {
        int protocol = pickFrom(random, List.of(1, 1, 6, 6, 0, 47, 50, 132, 255, random.nextInt(256)));
        protocol = protocol == IPPROTO_UDP ? 6 : protocol;
        FlowKey key = switch (random.nextInt(3)) {
            case 0 -> pickFrom(random, ruleKeys);
            case 1 -> new FlowKey(ingress(), client(random), pickFrom(random, localIps), ephemeralPort(random), ephemeralPort(random));
            default -> new FlowKey(ingress(), client(random), nonLocalIp(), ephemeralPort(random), ephemeralPort(random));
        };
        byte[] l4 = switch (protocol) {
            case 1 -> concat(new byte[] {8, 0, 0, 0, 0, 1, 0, 1}, bytes(random.nextInt(56))); // echo request
            case 6 -> new byte[] {(byte) (key.srcPort() >>> 8), (byte) key.srcPort(), (byte) (key.dstPort() >>> 8),
                    (byte) key.dstPort(), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0}; // SYN
            default -> bytes(random.nextInt(8, 64));
        };
        String to = scenario.localIps().contains(key.dstIp()) ? "local" : "remote";
        return draft("protocol " + protocol + " to " + to + " " + Ipv4.format(key.dstIp()), hit(key).protocol(protocol).l4(l4), key);
    }

    /** A short frame padded to 60 bytes, the padding outside tot_len: hits (some expiring) and misses. */
    private Draft padded() {
        FlowKey key = random.nextInt(4) == 0
                ? new FlowKey(ingress(), client(random), pickFrom(random, localIps), ephemeralPort(random), ephemeralPort(random))
                : pickFrom(random, ruleKeys);
        FrameBuilder frame = hit(key).payload(bytes(random.nextInt(18)));
        if (random.nextInt(8) == 0) {
            frame.ttl(1);
        }
        int padding = Frames.ETH_ZLEN - frame.frameLength();
        byte[] pad = random.nextBoolean() ? new byte[padding] : bytes(padding);
        return draft(padding + " bytes of Ethernet padding", frame.trailer(pad), key);
    }

    /**
     * The frame with {@code payload} (at least 2 bytes), its first two bytes chosen so that once
     * {@code rewrite} is applied the UDP checksum computes, from scratch, to 0 (and so must go on the
     * wire as 0xffff). The input frame's own checksum stays correct.
     */
    public static FrameBuilder withZeroRewrittenUdpChecksum(FrameBuilder frame, byte[] payload, FlowKey rewrite) {
        if (payload.length < 2) {
            throw new IllegalArgumentException("need two payload bytes to steer the checksum");
        }
        byte[] steered = payload.clone();
        steered[0] = 0;
        steered[1] = 0;
        FrameBuilder rewritten = frame.copy().payload(steered)
                .srcIp(rewrite.srcIp()).dstIp(rewrite.dstIp()).srcPort(rewrite.srcPort()).dstPort(rewrite.dstPort());
        // The rest of the segment sums to S; a word equal to ~S (the checksum of the rest) makes the sum 0xffff.
        int restChecksum = new FrameView(rewritten.build()).udpChecksum();
        steered[0] = (byte) (restChecksum >>> 8);
        steered[1] = (byte) restChecksum;
        return frame.payload(steered);
    }

    private Category pick(int totalWeight) {
        int draw = random.nextInt(totalWeight);
        for (Category category : Category.values()) {
            draw -= category.weight;
            if (draw < 0) {
                return category;
            }
        }
        throw new AssertionError("weights do not add up");
    }

    private int ingress() {
        return pickFrom(random, scenario.ingressIfindexes());
    }

    private int nonLocalIp() {
        int ip;
        do {
            ip = random.nextBoolean() && !rewriteDestinations.isEmpty() ? pickFrom(random, rewriteDestinations) : random.nextInt();
        } while (scenario.localIps().contains(ip));
        return ip;
    }

    private Mac mac() {
        return new Mac((0x02L << 40) | random.nextLong(1L << 40)); // locally administered, unicast
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        byte[] joined = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, joined, head.length, tail.length);
        return joined;
    }

    private static int client(RandomGenerator random) {
        return CLIENT_NETWORK | random.nextInt(1, 1 << 17);
    }

    private static int ephemeralPort(RandomGenerator random) {
        return random.nextInt(1024, 0x10000);
    }

    private static <T> T pickFrom(RandomGenerator random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    private static final Comparator<FlowKey> KEY_ORDER = Comparator.comparingInt(FlowKey::ifindex)
            .thenComparingInt(FlowKey::srcIp).thenComparingInt(FlowKey::dstIp)
            .thenComparingInt(FlowKey::srcPort).thenComparingInt(FlowKey::dstPort);
}
