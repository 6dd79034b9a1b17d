package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.EGRESS_IF;
import static io.xdprecon.plan.Fixtures.LISTEN_IF;
import static io.xdprecon.plan.Fixtures.MAX_RULES;
import static io.xdprecon.plan.Fixtures.attachedEverywhere;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredRule6;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import io.xdprecon.state.LiveState;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 1 and 3 in the planner: IPv6 flows and local IPs are planned beside the IPv4 ones, shown in RFC 5952
 * form in the text and JSON plans, covered by the fingerprint, and a plan made from the last revision (the daemon's)
 * equals the full plan at every revision of a random dual-stack history.
 */
class Ipv6PlanTest {
    private static final IpAddress.V6 LISTEN6 = v6("2001:db8::10");
    private static final IpAddress.V6 EGRESS6 = v6("fd00::1");

    @Test
    void aDualStackNodeGetsItsIpv6FlowsAndLocalIpsAndHasNoChangesOnceApplied() {
        DesiredState desired = desired(Map.of(1, 5004), Map.of(1, 0));
        Plan plan = Planner.plan(desired, live(Map.of(), Map.of(), Set.of(), Set.of()));
        assertEquals(List.of(), plan.errors());
        assertEquals(1, plan.flows6().size());
        assertEquals(Change.Kind.ADD, plan.flows6().getFirst().kind());
        assertEquals(List.of(new LocalIp6Change(Change.Kind.ADD, LISTEN6)), plan.localIps6());
        assertEquals(new Plan.Summary(4, 0, 0), plan.summary(), "one flow and one local IP of each family");

        String text = PlanRenderer.render(plan);
        assertTrue(text.contains("  + 2001:db8::10\n"), text);
        assertTrue(text.contains("  + flow v6-1\n"), text);
        assertTrue(text.contains("+ ens3 [2001:db8:2::1]:40001 -> [2001:db8::10]:30001 => ens4 [fd00::1]:40001 -> "
                + "[2001:db8:1::1]:5004"), text);
        assertTrue(text.contains("+ ens4 [2001:db8:1::1]:5004 -> [fd00::1]:40001 => ens3 [2001:db8::10]:30001 -> "
                + "[2001:db8:2::1]:40001"), text);
        String json = PlanJson.write(plan);
        assertTrue(json.contains("\"srcIp\": \"2001:db8:2::1\""), json);
        assertEquals(plan, PlanJson.read(json), "a saved plan reads back as it was written");

        Live node = new Live();
        node.apply(plan);
        Plan again = Planner.plan(desired, node.state());
        assertFalse(again.hasChanges(), PlanRenderer.render(again));
        assertTrue(plan.matches(live(Map.of(), Map.of(), Set.of(), Set.of())), "nothing moved");
        assertFalse(plan.matches(node.state()), "the IPv6 rules it adds are now live: a saved plan is stale");
    }

    @Test
    void aLiveIpv6RuleTheConfigNoLongerHasIsDeletedAndASessionsIsReplacedInDpdkMode() {
        Live node = new Live();
        node.apply(Planner.plan(desired(Map.of(1, 5004, 2, 5004), Map.of()), node.state()));
        Plan plan = Planner.plan(desired(Map.of(1, 5004), Map.of()), node.state());
        assertEquals(1, plan.flows6().size());
        assertEquals(Change.Kind.DELETE, plan.flows6().getFirst().kind());
        assertEquals(Optional.empty(), plan.flows6().getFirst().flow(), "the maps keep no names");
        assertEquals(2, plan.flows6().getFirst().rules().size(), "both legs, paired by their reverse keys");
        assertEquals(1, plan.guard().deletedRules() / 2, PlanRenderer.render(plan));

        FlowKey6 sessionKey = new FlowKey6(LISTEN_IF, v6("2001:db8:2::3"), LISTEN6, 40003, 30003);
        node.rules6.put(sessionKey, new FlowRule6(new FlowKey6(EGRESS_IF, EGRESS6, v6("2001:db8:1::9"), 50000, 5004),
                Owner.SESSION));
        DesiredState dpdk = desired(Map.of(1, 5004, 3, 5004), Map.of(), Fixtures.dpdk());
        Plan claimed = Planner.plan(dpdk, node.state());
        assertTrue(claimed.flows6().stream().anyMatch(f -> f.kind() == Change.Kind.REPLACE), PlanRenderer.render(claimed));
        assertTrue(claimed.warnings().stream().anyMatch(w -> w.contains("from a session-owned rule")), claimed.warnings().toString());
        Plan xdp = Planner.plan(desired(Map.of(1, 5004), Map.of()), node.state());
        assertTrue(xdp.rule6Changes().stream().anyMatch(r -> r.key().equals(sessionKey) && r.kind() == Change.Kind.DELETE),
                "no DPDK loop owns it in xdp mode: " + PlanRenderer.render(xdp));
    }

    /**
     * A resize of maps that hold IPv6 rules is planned as for IPv4 ones: the migration carries both families (but what
     * the plan deletes), and both together fit the new capacity. Before, such a plan was an error ("does not carry yet").
     */
    @Test
    void aResizeOfMapsHoldingIpv6RulesCarriesThemAndCountsThemAgainstTheNewCapacity() {
        Live node = new Live();
        node.apply(Planner.plan(desired(Map.of(1, 5004, 2, 5004, 3, 5004), Map.of(1, 0)), node.state()));
        assertEquals(6, node.rules6.size());
        Plan resize = Planner.plan(desired(Map.of(1, 5004, 2, 5004), Map.of(1, 0),
                new DatapathSettings(DatapathSettings.Mode.XDP, Fixtures.xdp().attachMode(), 2 * MAX_RULES,
                        Fixtures.xdp().attachTo())), node.state());
        assertEquals(List.of(), resize.errors());
        assertEquals(List.of(new DatapathChange.Migrate(io.xdprecon.dataplane.maps.Abi.VERSION,
                io.xdprecon.dataplane.maps.Abi.VERSION, MAX_RULES, 2 * MAX_RULES, 2 + 4)), resize.datapath().stream()
                .filter(DatapathChange.Migrate.class::isInstance).toList(), "2 IPv4 + 6 IPv6 live, 2 IPv6 deleted");

        Plan tooSmall = Planner.plan(desired(Map.of(1, 5004, 2, 5004, 3, 5004), Map.of(1, 0),
                new DatapathSettings(DatapathSettings.Mode.XDP, Fixtures.xdp().attachMode(), 7, Fixtures.xdp().attachTo())),
                node.state());
        assertTrue(tooSmall.errors().stream().anyMatch(e -> e.contains("the new rules map would hold at most 7 entries but this"
                + " plan needs 8")), tooSmall.errors().toString());
    }

    /**
     * The daemon plans a new revision from the last one it applied ({@link Planner#planChange}); over 60 random
     * revisions of dual-stack flows (added, removed, servers moved) that plan equals the full plan of the node, text,
     * JSON and fingerprint, and applying it leaves the node exactly as the revision asks.
     */
    @Test
    void everyRevisionPlannedFromTheLastEqualsTheFullPlan() {
        SplittableRandom random = new SplittableRandom(17);
        Map<Integer, Integer> v4 = new HashMap<>(Map.of(1, 5004));
        Map<Integer, Integer> v6 = new HashMap<>(Map.of(1, 5004));
        Live node = new Live();
        DesiredState previous = desired(v6, v4);
        node.apply(Planner.plan(previous, node.state()));
        for (int revision = 0; revision < 60; revision++) {
            Map<Integer, Integer> edited = random.nextBoolean() ? v6 : v4;
            int flow = 1 + random.nextInt(12);
            switch (random.nextInt(3)) {
                case 0 -> edited.put(flow, 5004);
                case 1 -> edited.remove(flow);
                default -> edited.computeIfPresent(flow, (f, port) -> port + 1);
            }
            DesiredState next = desired(v6, v4);
            RevisionDiff diff = RevisionDiff.between(previous, next);
            Map<FlowKey, FlowRule> atDiff = new HashMap<>();
            diff.keys().forEach(key -> Optional.ofNullable(node.rules.get(key)).ifPresent(rule -> atDiff.put(key, rule)));
            LiveState facts = node.state();
            LiveState withoutRules = new LiveState(true, MAX_RULES, Map.of(), facts.localIps(), List.of(), attachedEverywhere(),
                    facts.layout(), 0, facts.rules6(), facts.localIps6());
            Plan fromLast = Planner.planChange(Baseline.of(previous), next, diff, withoutRules, node.rules.size(), atDiff)
                    .orElseThrow();
            Plan full = Planner.plan(next, facts);
            assertEquals(PlanRenderer.render(full), PlanRenderer.render(fromLast), "revision " + revision);
            assertEquals(PlanJson.write(full), PlanJson.write(fromLast), "revision " + revision);
            assertEquals(full.fingerprint(), fromLast.fingerprint(), "revision " + revision);
            node.apply(full);
            assertEquals(desiredRules6(next), node.rules6, "revision " + revision);
            assertFalse(Planner.plan(next, node.state()).hasChanges(), "revision " + revision);
            previous = next;
        }
    }

    /** A node the tests apply plans to: its rules and local IPs of both families. */
    private static final class Live {
        final Map<FlowKey, FlowRule> rules = new HashMap<>();
        final Map<FlowKey6, FlowRule6> rules6 = new HashMap<>();
        final Set<Integer> localIps = new LinkedHashSet<>();
        final Set<IpAddress.V6> localIps6 = new LinkedHashSet<>();

        void apply(Plan plan) {
            assertEquals(List.of(), plan.refusals(true, true));
            plan.ruleChanges().forEach(c -> c.after().ifPresentOrElse(r -> rules.put(c.key(), r), () -> rules.remove(c.key())));
            plan.rule6Changes().forEach(c -> c.after().ifPresentOrElse(r -> rules6.put(c.key(), r), () -> rules6.remove(c.key())));
            plan.localIps().forEach(c -> {
                if (c.kind() == Change.Kind.ADD) {
                    localIps.add(c.ip());
                } else {
                    localIps.remove(c.ip());
                }
            });
            plan.localIps6().forEach(c -> {
                if (c.kind() == Change.Kind.ADD) {
                    localIps6.add(c.ip());
                } else {
                    localIps6.remove(c.ip());
                }
            });
        }

        LiveState state() {
            return live(rules, rules6, localIps, localIps6);
        }
    }

    private static LiveState live(Map<FlowKey, FlowRule> rules, Map<FlowKey6, FlowRule6> rules6, Set<Integer> localIps,
            Set<IpAddress.V6> localIps6) {
        return new LiveState(true, MAX_RULES, rules, localIps, List.of(), attachedEverywhere(), io.xdprecon.dataplane.maps.Abi.VERSION,
                0, rules6, localIps6);
    }

    private static DesiredState desired(Map<Integer, Integer> v6Flows, Map<Integer, Integer> v4Flows) {
        return desired(v6Flows, v4Flows, Fixtures.xdp());
    }

    /** IPv6 flow n (server port p) and IPv4 relay n of {@link Fixtures.Relay}, moved to server port p. */
    private static DesiredState desired(Map<Integer, Integer> v6Flows, Map<Integer, Integer> v4Flows, DatapathSettings datapath) {
        Map<FlowKey, DesiredRule> rules = new LinkedHashMap<>();
        v4Flows.forEach((n, port) -> {
            Fixtures.Relay relay = Fixtures.Relay.of("v4-" + n, n);
            FlowKey rewrite = new FlowKey(relay.forwardRewrite().ifindex(), relay.forwardRewrite().srcIp(),
                    relay.forwardRewrite().dstIp(), relay.forwardRewrite().srcPort(), port + n);
            rules.put(relay.forwardKey(), new DesiredRule(new FlowRule(rewrite, Owner.CONFIG), relay.name(), Direction.FORWARD));
            rules.put(new FlowKey(EGRESS_IF, rewrite.dstIp(), rewrite.srcIp(), rewrite.dstPort(), rewrite.srcPort()),
                    new DesiredRule(relay.reverseRule(), relay.name(), Direction.REVERSE));
        });
        Map<FlowKey6, DesiredRule6> rules6 = new LinkedHashMap<>();
        v6Flows.forEach((n, port) -> {
            IpAddress.V6 client = v6("2001:db8:2::" + n);
            IpAddress.V6 server = v6("2001:db8:1::" + n);
            FlowKey6 forward = new FlowKey6(LISTEN_IF, client, LISTEN6, 40000 + n, 30000 + n);
            FlowKey6 out = new FlowKey6(EGRESS_IF, EGRESS6, server, 40000 + n, port);
            FlowKey6 reverse = new FlowKey6(EGRESS_IF, server, EGRESS6, port, 40000 + n);
            FlowKey6 back = new FlowKey6(LISTEN_IF, LISTEN6, client, 30000 + n, 40000 + n);
            rules6.put(forward, new DesiredRule6(new FlowRule6(out, Owner.CONFIG), "v6-" + n, Direction.FORWARD));
            rules6.put(reverse, new DesiredRule6(new FlowRule6(back, Owner.CONFIG), "v6-" + n, Direction.REVERSE));
        });
        return new DesiredState("edge-1", "edge.yaml", rules, v4Flows.isEmpty() ? Set.of() : Set.of(Ipv4.parse(Fixtures.LISTEN_IP)),
                List.of(), datapath, rules6, v6Flows.isEmpty() ? Set.of() : Set.of(LISTEN6));
    }

    private static Map<FlowKey6, FlowRule6> desiredRules6(DesiredState desired) {
        Map<FlowKey6, FlowRule6> rules = new HashMap<>();
        desired.rules6().forEach((k, d) -> rules.put(k, d.rule()));
        return rules;
    }

    private static IpAddress.V6 v6(String text) {
        long[] bits = Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }
}
