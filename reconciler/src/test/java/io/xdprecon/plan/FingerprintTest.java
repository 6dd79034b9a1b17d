package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.LISTEN_IP;
import static io.xdprecon.plan.Fixtures.MAX_RULES;
import static io.xdprecon.plan.Fixtures.attachedEverywhere;
import static io.xdprecon.plan.Fixtures.desired;
import static io.xdprecon.plan.Fixtures.live;
import static io.xdprecon.plan.Fixtures.merge;
import static io.xdprecon.plan.Fixtures.sessionRule;
import static io.xdprecon.plan.Fixtures.xdp;
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
import java.util.HexFormat;
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
    private static final DesiredState DESIRED = desired(merge(A.desired(), B.desired()), LOCAL, List.of(QUEUES), xdp());

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
        assertTrue(PLAN.matches(new LiveState(true, MAX_RULES, rules, LOCAL, List.of(QUEUES), attachedEverywhere())),
                "the control: the same facts rebuilt");
    }

    @Test
    void theHashedTextIsCanonicalAndVersioned() {
        LiveState live = new LiveState(true, 8, merge(A.live(Owner.CONFIG), sessionRule(1)),
                Set.of(Ipv4.parse("203.0.113.10"), Ipv4.parse("10.0.0.1")), List.of(QUEUES),
                Map.of("ens4", Optional.empty(), "ens3", Optional.of(new LiveState.AttachedProgram(41, "xdp_main"))));
        String expected = """
                xdprecon-fingerprint/v1
                datapath-present true
                rules-capacity 8
                config-rule 3 198.51.100.20:40001 203.0.113.10:30001 => 4 10.0.0.1:40001 10.0.0.20:5005 config
                config-rule 4 10.0.0.20:5005 10.0.0.1:40001 => 3 203.0.113.10:30001 198.51.100.20:40001 config
                touched 4 10.0.0.20:5005 10.0.0.1:40001 => 3 203.0.113.10:30001 198.51.100.20:40001 config
                touched 4 10.0.0.20:5099 10.0.0.1:1 => absent
                local-ip 10.0.0.1
                local-ip 203.0.113.10
                tuning queues ens5 = 2
                attached ens3 = 41 xdp_main
                attached ens4 = none
                """;
        Set<FlowKey> touched = Set.of(FlowKey.of(4, "10.0.0.20", 5099, "10.0.0.1", 1), A.reverseKey());

        assertEquals(expected, Fingerprint.canonicalText(live, touched));
        assertEquals(sha256(expected), Fingerprint.of(live, touched).sha256());
    }

    @Test
    void onlyALowerCaseSha256HexIsAFingerprint() {
        assertThrows(IllegalArgumentException.class, () -> new Fingerprint("abc"));
        assertThrows(IllegalArgumentException.class, () -> new Fingerprint("A".repeat(64)));
        assertEquals("a".repeat(64), new Fingerprint("a".repeat(64)).sha256());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
