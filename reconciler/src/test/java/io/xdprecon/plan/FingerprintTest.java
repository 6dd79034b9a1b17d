package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.LISTEN_IP;
import static io.xdprecon.plan.Fixtures.MAX_RULES;
import static io.xdprecon.plan.Fixtures.attachedEverywhere;
import static io.xdprecon.plan.Fixtures.desired;
import static io.xdprecon.plan.Fixtures.dpdk;
import static io.xdprecon.plan.Fixtures.live;
import static io.xdprecon.plan.Fixtures.merge;
import static io.xdprecon.plan.Fixtures.sessionRule;
import static io.xdprecon.plan.Fixtures.xdp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.plan.Fixtures.Relay;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FingerprintTest {
    private static final Relay A = Relay.of("rtp-a", 1);
    private static final Relay B = Relay.of("rtp-b", 2);
    private static final Relay C = Relay.of("rtp-c", 3);
    private static final TuningSetting QUEUES = new TuningSetting.QueueCount("ens5", 2);
    private static final Set<Integer> LOCAL = Set.of(Ipv4.parse(LISTEN_IP));

    // The plan: keep A, add B (its forward key held by a session rule → replace), delete C.
    private static final FlowRule SESSION_AT_B = new FlowRule(FlowKey.of(4, "10.0.0.1", 47000, "10.0.0.50", 7000),
            Owner.SESSION);
    // dpdk mode: where session rules are a loop's and stay out of the plan
    private static final DesiredState DESIRED = desired(merge(A.desired(), B.desired()), LOCAL, List.of(QUEUES), dpdk());

    private static LiveState baseline(Map<FlowKey, FlowRule> extra) {
        return live(merge(A.live(Owner.CONFIG), C.live(Owner.CONFIG), Map.of(B.forwardKey(), SESSION_AT_B),
                sessionRule(1), extra), LOCAL, List.of(QUEUES));
    }

    private static final LiveState BASELINE = baseline(Map.of());
    private static final Plan PLAN = Planner.plan(DESIRED, BASELINE);

    @Test
    void thePlanTouchesTheKeysItWritesOrDeletes() {
        assertEquals(Set.of(B.forwardKey(), B.reverseKey(), C.forwardKey(), C.reverseKey()), PLAN.touchedKeys());
        assertTrue(PLAN.matches(BASELINE));
        assertEquals(Fingerprint.of(BASELINE, PLAN.touchedKeys(), PLAN.tuningIds()), PLAN.fingerprint());
    }

    @Test
    void sessionChurnAtKeysThePlanDoesNotTouchKeepsIt() {
        assertTrue(PLAN.matches(baseline(merge(sessionRule(2), sessionRule(3)))), "sessions added elsewhere");
        LiveState withoutSession1 = live(merge(A.live(Owner.CONFIG), C.live(Owner.CONFIG),
                Map.of(B.forwardKey(), SESSION_AT_B)), LOCAL, List.of(QUEUES));
        assertTrue(PLAN.matches(withoutSession1), "a session expired elsewhere");
    }

    @Test
    void theSessionRuleAPlanReplacesIsPinned() {
        FlowRule other = new FlowRule(FlowKey.of(4, "10.0.0.1", 47001, "10.0.0.50", 7000), Owner.SESSION);
        assertFalse(PLAN.matches(baseline(Map.of(B.forwardKey(), other))));
    }

    @Test
    void aRuleAppearingAtAKeyThePlanAddsIsNoticed() {
        assertFalse(PLAN.matches(baseline(Map.of(B.reverseKey(), new FlowRule(B.reverseRewrite(), Owner.SESSION)))));
    }

    @Test
    void anyConfigRuleChangeIsNoticedEvenAtUntouchedKeys() {
        FlowRule moved = new FlowRule(FlowKey.of(4, "10.0.0.1", 40001, "10.0.0.21", 5005), Owner.CONFIG);
        assertFalse(PLAN.matches(baseline(Map.of(A.forwardKey(), moved))), "a kept rule retargeted");
        assertFalse(PLAN.matches(baseline(Relay.of("new", 9).live(Owner.CONFIG))), "a config rule added elsewhere");
        assertFalse(PLAN.matches(baseline(Map.of(A.forwardKey(), new FlowRule(A.forwardRewrite(), Owner.SESSION)))),
                "a kept rule changed owner");
    }

    @Test
    void localIpsTuningAttachmentsPresenceAndCapacityArePinned() {
        Map<FlowKey, FlowRule> rules = BASELINE.rules();
        assertFalse(PLAN.matches(new LiveState(true, MAX_RULES, rules, Set.of(), List.of(QUEUES), attachedEverywhere())),
                "local IP gone");
        // Only the tuning a plan changes is pinned: a saved plan knows no other settings to re-read.
        assertTrue(PLAN.matches(new LiveState(true, MAX_RULES, rules, LOCAL,
                List.of(new TuningSetting.QueueCount("ens5", 3)), attachedEverywhere())), "unplanned tuning moved");
        Plan retune = Planner.plan(desired(merge(A.desired(), B.desired()), LOCAL,
                List.of(new TuningSetting.QueueCount("ens5", 8)), xdp()), BASELINE);
        assertTrue(retune.matches(BASELINE));
        assertFalse(retune.matches(new LiveState(true, MAX_RULES, rules, LOCAL,
                List.of(new TuningSetting.QueueCount("ens5", 3)), attachedEverywhere())), "planned tuning moved");
        assertFalse(PLAN.matches(new LiveState(true, MAX_RULES, rules, LOCAL, List.of(QUEUES),
                Map.of("ens3", Optional.empty(), "ens4", Optional.of(new LiveState.AttachedProgram(41, "xdp_main"))))),
                "program detached");
        assertFalse(PLAN.matches(new LiveState(false, MAX_RULES, rules, LOCAL, List.of(QUEUES), attachedEverywhere())),
                "datapath gone");
        assertFalse(PLAN.matches(new LiveState(true, 2048, rules, LOCAL, List.of(QUEUES), attachedEverywhere())),
                "capacity changed");
        assertFalse(PLAN.matches(new LiveState(true, MAX_RULES, rules, LOCAL, List.of(QUEUES), attachedEverywhere(), 1)),
                "layout changed");
        assertTrue(PLAN.matches(new LiveState(true, MAX_RULES, rules, LOCAL, List.of(QUEUES), attachedEverywhere())),
                "the control: the same facts rebuilt");
    }

    @Test
    void theHashedBytesAreCanonicalAndVersioned() {
        Map<FlowKey, FlowRule> rules = merge(A.live(Owner.CONFIG), sessionRule(1));
        Set<Integer> localIps = Set.of(Ipv4.parse("203.0.113.10"), Ipv4.parse("10.0.0.1"));
        Map<String, Optional<LiveState.AttachedProgram>> attached =
                Map.of("ens4", Optional.empty(), "ens3", Optional.of(new LiveState.AttachedProgram(41, "xdp_main")));
        LiveState live = new LiveState(true, 8, rules, localIps, List.of(QUEUES), attached);
        Set<FlowKey> touched = Set.of(FlowKey.of(4, "10.0.0.20", 5099, "10.0.0.1", 1), A.reverseKey());
        byte[] bytes = Fingerprint.canonicalBytes(live, touched);

        // Versioned: a length-prefixed tag first, so a new encoding never matches an old saved plan.
        byte[] version = "xdprecon-fingerprint/v3".getBytes(StandardCharsets.UTF_8);
        assertEquals(version.length, java.nio.ByteBuffer.wrap(bytes).getInt());
        assertArrayEquals(version, Arrays.copyOfRange(bytes, 4, 4 + version.length));
        assertEquals(sha256(bytes), Fingerprint.of(live, touched).sha256());

        // Canonical: the same facts inserted in other orders encode to the same bytes.
        Map<FlowKey, FlowRule> reversed = new LinkedHashMap<>();
        new ArrayList<>(rules.keySet()).reversed().forEach(k -> reversed.put(k, rules.get(k)));
        LinkedHashSet<FlowKey> touchedReversed = new LinkedHashSet<>(new ArrayList<>(touched).reversed());
        LiveState reordered = new LiveState(true, 8, reversed, new LinkedHashSet<>(List.copyOf(localIps).reversed()),
                List.of(QUEUES), new LinkedHashMap<>(attached));
        assertArrayEquals(bytes, Fingerprint.canonicalBytes(reordered, touchedReversed));

        // Stable across JVMs and releases: a saved plan is checked by another process, maybe later.
        // The live layout is one of the facts (LiveState.layout, Abi.VERSION here): a layout bump changes this hash.
        assertEquals("90d3035d14ced4dd33d735a9997ad5b6480ddbee1b305d1f57cc3c446d95a6d8", Fingerprint.of(live, touched).sha256());

        // Each kind of fact is in the bytes: the control above, then one fact moved at a time.
        assertFalse(Arrays.equals(bytes, Fingerprint.canonicalBytes(live, Set.of(A.reverseKey()))), "touched absent key");
        assertArrayEquals(bytes, Fingerprint.canonicalBytes(new LiveState(true, 8, A.live(Owner.CONFIG), localIps,
                List.of(QUEUES), attached), touched), "an untouched session rule is not a fact");
        assertFalse(Arrays.equals(bytes, Fingerprint.canonicalBytes(new LiveState(true, 8,
                merge(A.live(Owner.CONFIG), sessionRule(1), Relay.of("new", 9).live(Owner.CONFIG)), localIps,
                List.of(QUEUES), attached), touched)), "a config rule at an untouched key");
        assertFalse(Arrays.equals(bytes, Fingerprint.canonicalBytes(new LiveState(true, 8, rules, localIps,
                List.of(new TuningSetting.QueueCount("ens5", 3)), attached), touched)), "tuning");
        assertFalse(Arrays.equals(bytes, Fingerprint.canonicalBytes(new LiveState(true, 8, rules, localIps,
                List.of(QUEUES), Map.of("ens4", Optional.empty(), "ens3", Optional.empty())), touched)), "attachment");
    }

    @Test
    void aWalkOverTheRulesGivesTheSameFingerprintAsTheMap() {
        // What apply does: the rules stream past, the snapshot it finishes with has none.
        LiveState factsOnly = new LiveState(true, MAX_RULES, Map.of(), LOCAL, List.of(QUEUES), attachedEverywhere());
        Fingerprint.Walk walk = new Fingerprint.Walk(PLAN.touchedKeys(), PLAN.tuningIds());
        BASELINE.rules().forEach(walk::rule);
        assertEquals(PLAN.fingerprint(), walk.finish(factsOnly));

        // A walk that met a touched key twice (it raced a writer) is no consistent snapshot: no match.
        Fingerprint.Walk racing = new Fingerprint.Walk(PLAN.touchedKeys(), PLAN.tuningIds());
        BASELINE.rules().forEach(racing::rule);
        racing.rule(B.forwardKey(), SESSION_AT_B);
        assertFalse(PLAN.fingerprint().equals(racing.finish(factsOnly)));
    }

    @Test
    void onlyALowerCaseSha256HexIsAFingerprint() {
        assertThrows(IllegalArgumentException.class, () -> new Fingerprint("abc"));
        assertThrows(IllegalArgumentException.class, () -> new Fingerprint("A".repeat(64)));
        assertEquals("a".repeat(64), new Fingerprint("a".repeat(64)).sha256());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
