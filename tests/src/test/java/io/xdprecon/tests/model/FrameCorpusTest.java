package io.xdprecon.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.packets.FrameView;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FrameCorpusTest {
    private static final long SEED = 0x5eed_2025L;
    private static final int CASES = 100_000;

    private static Scenario scenario;
    private static FrameCorpus corpus;
    private static List<FrameCorpus.Case> cases;

    @BeforeAll
    static void generate() {
        scenario = Scenario.example(SEED, 300);
        corpus = new FrameCorpus(scenario, SEED);
        cases = corpus.generate(CASES);
    }

    @Test
    void coversEveryCategoryAndEveryStatTheDatapathCanEmit() {
        DatapathModel model = scenario.model();
        Set<FrameCorpus.Category> categories = EnumSet.noneOf(FrameCorpus.Category.class);
        Set<XdpAction> actions = EnumSet.noneOf(XdpAction.class);
        Set<FibCode> fibCodes = EnumSet.noneOf(FibCode.class);
        ExpectedCounters totals = new ExpectedCounters();
        for (FrameCorpus.Case c : cases) {
            Outcome outcome = model.evaluate(c.frame(), c.ingressIfindex(), c.rxQueue(), false);
            categories.add(c.category());
            actions.add(outcome.action());
            outcome.fib().ifPresent(result -> fibCodes.add(result.code()));
            totals.add(outcome);
        }
        assertEquals(EnumSet.allOf(FrameCorpus.Category.class), categories);
        assertEquals(EnumSet.of(XdpAction.DROP, XdpAction.PASS, XdpAction.TX, XdpAction.REDIRECT), actions);
        assertEquals(EnumSet.allOf(FibCode.class), fibCodes);
        Set<Stat> seen = EnumSet.noneOf(Stat.class);
        totals.stats().forEach((stat, count) -> {
            if (count > 0) {
                seen.add(stat);
            }
        });
        assertEquals(EnumSet.complementOf(EnumSet.of(Stat.AFXDP_REDIRECT)), seen, "with no AF_XDP socket, every other stat");
        assertEquals(totals.actions().get(XdpAction.PASS), totals.stats().get(Stat.PASS_TO_KERNEL), "PASS_TO_KERNEL counts every XDP_PASS");
        assertTrue(totals.flows().size() > scenario.rules().size() / 2, "most rules hit: " + totals.flows().size());

        long toSockets = cases.stream().limit(5_000)
                .filter(c -> model.evaluate(c.frame(), c.ingressIfindex(), c.rxQueue(), true).count(Stat.AFXDP_REDIRECT) == 1)
                .count();
        assertTrue(toSockets > 100, "with a socket bound, local misses go to AF_XDP: " + toSockets);
    }

    @Test
    void categoriesMeanWhatTheySay() {
        DatapathModel model = scenario.model();
        for (FrameCorpus.Case c : cases) {
            Outcome outcome = model.evaluate(c.frame(), c.ingressIfindex(), c.rxQueue(), false);
            Stat expected = switch (c.category()) {
                case RULE_HIT, LARGE_RULE_HIT, UDP_CHECKSUM_ZERO, UDP_CHECKSUM_BECOMES_ZERO, WRONG_UDP_CHECKSUM -> Stat.REWRITE_HIT;
                case WRONG_IP_CHECKSUM -> Stat.MALFORMED;
                case NO_RULE_LOCAL, NO_RULE_REMOTE, NEAR_MISS -> Stat.REWRITE_MISS;
                case VLAN, IPV6, ARP, RUNT, OTHER_ETHERTYPE -> Stat.NOT_IPV4;
                case NON_UDP -> Stat.SLOW_PATH;
                case VERSION -> Stat.MALFORMED;
                default -> null;
            };
            boolean ipv6 = c.frame().length >= 14 && (c.frame()[12] & 0xff) == 0x86 && (c.frame()[13] & 0xff) == 0xdd;
            if (ipv6) {
                // the IPv6 model's since layout 4: with no IPv6 rule and no local IP, to the kernel untouched
                expected = null;
                if (outcome.count(Stat.NOT_IPV4) != 0 || outcome.action() != XdpAction.PASS) {
                    fail("an IPv6 frame is the IPv6 model's, passed: " + corpus.reproduce(c) + "\n" + outcome.describe());
                }
            }
            if (expected != null && outcome.count(expected) != 1) {
                fail(expected + " expected for " + corpus.reproduce(c) + "\n" + outcome.describe());
            }
            boolean rewritten = outcome.flow().isPresent();
            if (!rewritten && !FrameView.diff(c.frame(), outcome.output()).isEmpty()) {
                fail("only a rule hit changes bytes: " + corpus.reproduce(c));
            }
            if (c.category() == FrameCorpus.Category.UDP_CHECKSUM_BECOMES_ZERO && outcome.action() != XdpAction.PASS
                    && new FrameView(outcome.output()).udpChecksum() != 0xffff) {
                fail("the rewritten checksum computes to 0 and goes out as 0xffff: " + corpus.reproduce(c) + "\n" + outcome.describe());
            }
        }
    }

    @Test
    void truncationSweepsCutAtEveryLength() {
        Pattern cut = Pattern.compile("cut to (\\d+) of (\\d+)");
        Map<Integer, Set<Integer>> cutsByWholeLength = new HashMap<>();
        for (FrameCorpus.Case c : cases) {
            Matcher matcher = cut.matcher(c.name());
            if (c.category() == FrameCorpus.Category.TRUNCATED && matcher.matches()) {
                int length = Integer.parseInt(matcher.group(1));
                assertEquals(length, c.frame().length, c.name());
                cutsByWholeLength.computeIfAbsent(Integer.parseInt(matcher.group(2)), whole -> new TreeSet<>()).add(length);
            }
        }
        assertFalse(cutsByWholeLength.isEmpty());
        cutsByWholeLength.forEach((whole, lengths) -> assertEquals(whole + 1, lengths.size(), "every cut 0.." + whole));
    }

    @Test
    void sameSeedSameCorpus() {
        List<FrameCorpus.Case> again = new FrameCorpus(Scenario.example(SEED, 300), SEED).generate(2_000);
        for (int i = 0; i < again.size(); i++) {
            assertEquals(cases.get(i).name(), again.get(i).name());
            assertArrayEquals(cases.get(i).frame(), again.get(i).frame(), cases.get(i).name());
        }
        List<FrameCorpus.Case> other = new FrameCorpus(scenario, SEED + 1).generate(100);
        assertFalse(java.util.stream.IntStream.range(0, 100).allMatch(i -> java.util.Arrays.equals(other.get(i).frame(), cases.get(i).frame())));
    }

    @Test
    void rulesForMakesValidRulesOfBothOwners() {
        Map<io.xdprecon.dataplane.maps.FlowKey, FlowRule> rules = scenario.rules();
        assertEquals(300, rules.size());
        assertTrue(rules.values().stream().anyMatch(rule -> rule.owner() == Owner.CONFIG));
        assertTrue(rules.values().stream().anyMatch(rule -> rule.owner() == Owner.SESSION));
        assertTrue(rules.keySet().stream().allMatch(key -> scenario.localIps().contains(key.dstIp())), "clients talk to the relay");
    }
}
