package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.INTERFACES;
import static io.xdprecon.plan.Fixtures.LISTEN_IP;
import static io.xdprecon.plan.Fixtures.MAX_RULES;
import static io.xdprecon.plan.Fixtures.attachedEverywhere;
import static io.xdprecon.plan.Fixtures.attachedNowhere;
import static io.xdprecon.plan.Fixtures.desired;
import static io.xdprecon.plan.Fixtures.dpdk;
import static io.xdprecon.plan.Fixtures.live;
import static io.xdprecon.plan.Fixtures.merge;
import static io.xdprecon.plan.Fixtures.sessionRule;
import static io.xdprecon.plan.Fixtures.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.plan.Change.Kind;
import io.xdprecon.plan.Fixtures.Relay;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final Relay A = Relay.of("rtp-a", 1);
    private static final Relay B = Relay.of("rtp-b", 2);
    private static final Relay C = Relay.of("rtp-c", 3);

    @Nested
    class Rules {
        @Test
        void aFlowNotLiveIsAddedWithBothLegsForwardFirst() {
            Plan plan = Planner.plan(desired(A.desired()), live(Map.of()));

            assertEquals(List.of(new FlowChange(Kind.ADD, Optional.of("rtp-a"), List.of(
                    RuleChange.add(A.forwardKey(), A.forwardRule()),
                    RuleChange.add(A.reverseKey(), A.reverseRule())))), plan.flows());
            assertEquals("Plan: 1 to add, 0 to change, 0 to destroy.", plan.summary().line());
            assertEquals(2, plan.detailedExitCode());
        }

        @Test
        void anIdenticalLiveStateHasNoChanges() {
            Plan plan = Planner.plan(desired(A.desired()), live(A.live(Owner.CONFIG)));

            assertEquals(List.of(), plan.changes());
            assertEquals("No changes.", plan.summary().line());
            assertFalse(plan.hasChanges());
            assertEquals(0, plan.detailedExitCode());
            assertEquals(List.of(), plan.warnings());
            assertEquals(List.of(), plan.errors());
        }

        @Test
        void aDifferentTargetIsAChangeOfThatLegOnly() {
            FlowRule stale = new FlowRule(FlowKey.of(4, "10.0.0.1", 40001, "10.0.0.99", 5005), Owner.CONFIG);
            Plan plan = Planner.plan(desired(A.desired()), live(merge(A.live(Owner.CONFIG), Map.of(A.forwardKey(), stale))));

            assertEquals(List.of(new FlowChange(Kind.CHANGE, Optional.of("rtp-a"),
                    List.of(RuleChange.change(A.forwardKey(), stale, A.forwardRule())))), plan.flows());
            assertEquals(new Plan.Summary(0, 1, 0), plan.summary());
        }

        @Test
        void aFlowWithOneLegLiveIsAChangeNotAnAdd() {
            Plan plan = Planner.plan(desired(A.desired()), live(Map.of(A.forwardKey(), A.forwardRule())));

            FlowChange flow = plan.flows().getFirst();
            assertEquals(Kind.CHANGE, flow.kind());
            assertEquals(List.of(RuleChange.add(A.reverseKey(), A.reverseRule())), flow.rules());
        }

        @Test
        void aConfigRuleTheConfigNoLongerHasIsDeleted() {
            Plan plan = Planner.plan(desired(merge(A.desired(), B.desired())),
                    live(merge(A.live(Owner.CONFIG), B.live(Owner.CONFIG), C.live(Owner.CONFIG))));

            assertEquals(List.of(new FlowChange(Kind.DELETE, Optional.empty(), List.of(
                    RuleChange.delete(C.forwardKey(), C.forwardRule()),
                    RuleChange.delete(C.reverseKey(), C.reverseRule())))), plan.flows());
            assertEquals("Plan: 0 to add, 0 to change, 1 to destroy.", plan.summary().line());
        }

        @Test
        void aDesiredRuleIsWrittenConfigOwnedWhateverOwnerItCarried() {
            var rules = new java.util.HashMap<>(A.desired());
            var fwd = rules.get(A.forwardKey());
            rules.put(A.forwardKey(), new io.xdprecon.state.DesiredRule(
                    new FlowRule(A.forwardRewrite(), Owner.SESSION), fwd.flow(), fwd.direction()));

            Plan plan = Planner.plan(desired(rules), live(A.live(Owner.CONFIG)));

            assertEquals("No changes.", plan.summary().line());
        }
    }

    private static io.xdprecon.state.DesiredState desiredDpdk(Map<FlowKey, io.xdprecon.state.DesiredRule> rules) {
        return desired(rules, Set.of(io.xdprecon.dataplane.maps.Ipv4.parse(LISTEN_IP)), List.of(), dpdk());
    }

    @Nested
    class Ownership {
        @Test
        void inDpdkModeSessionRulesTheConfigDoesNotClaimAreNeverInThePlan() {
            LiveState live = live(merge(A.live(Owner.CONFIG), sessionRule(1), sessionRule(2), B.live(Owner.SESSION)));

            Plan plan = Planner.plan(desiredDpdk(A.desired()), live);

            assertEquals(List.of(), plan.flows());
            assertEquals(List.of(), plan.warnings());
            assertEquals(new MassDeleteGuard(false, 2, 0), plan.guard());
        }

        @Test
        void inDpdkModeAnEmptyConfigLeavesSessionRulesAloneAndDoesNotTripTheGuard() {
            Plan plan = Planner.plan(desiredDpdk(Map.of()), live(merge(sessionRule(1), sessionRule(2))));

            assertEquals(List.of(), plan.flows());
            assertFalse(plan.massDelete());
        }

        /**
         * Issue 10 case 3: in xdp mode no DPDK loop owns session rules (a stale one from an earlier dpdk mode, or
         * one written by hand, forwards forever): they are shown and removed, named in a warning, and do not
         * count as a mass delete. Before, they were never in the plan ("No changes").
         */
        @Test
        void inXdpModeSessionRulesAreNobodysAndRemovedWithoutTrippingTheGuard() {
            Map<FlowKey, FlowRule> sessions = merge(sessionRule(1), sessionRule(2));
            Plan plan = Planner.plan(desired(A.desired()), live(merge(A.live(Owner.CONFIG), sessions)));

            assertEquals("Plan: 0 to add, 0 to change, 2 to destroy.", plan.summary().line());
            assertEquals(sessions, plan.ruleChanges().stream().collect(java.util.stream.Collectors.toMap(
                    RuleChange::key, c -> c.before().orElseThrow())));
            assertTrue(plan.ruleChanges().stream().allMatch(c -> c.kind() == Kind.DELETE));
            assertEquals(List.of("2 session-owned rule(s) are live, but datapath.mode is xdp: no DPDK loop owns them"
                    + " here, so they are removed"), plan.warnings());
            assertEquals(new MassDeleteGuard(false, 2, 0), plan.guard());
            assertTrue(PlanRenderer.render(plan).contains("(session-owned)"), PlanRenderer.render(plan));
        }

        @Test
        void aSessionRuleAtAConfigKeyIsReplacedWithAWarningNamingFlowAndKey() {
            FlowRule session = new FlowRule(FlowKey.of(4, "10.0.0.1", 45555, "10.0.0.77", 7000), Owner.SESSION);
            Plan plan = Planner.plan(desired(A.desired()), live(Map.of(A.forwardKey(), session)));

            assertEquals(List.of(new FlowChange(Kind.REPLACE, Optional.of("rtp-a"), List.of(
                    RuleChange.replace(A.forwardKey(), session, A.forwardRule()),
                    RuleChange.add(A.reverseKey(), A.reverseRule())))), plan.flows());
            assertEquals(List.of("flow rtp-a: the config claims ens3 198.51.100.20:40001 -> 203.0.113.10:30001"
                    + " from a session-owned rule; it becomes config-owned"), plan.warnings());
            assertEquals("Plan: 0 to add, 1 to change, 0 to destroy.", plan.summary().line());
        }

        /**
         * Issue 10 case 3: a rule whose owner code this build does not know (0 from an all-zero value, 7) is
         * nobody's: at a key the config has, the config's rule replaces it; elsewhere it is removed; each is
         * named with its code in a warning; removing them is no mass delete. Before, reading it threw.
         */
        @Test
        void rulesOfUnknownOwnerCodesAreReplacedOrRemovedWithTheirCodeAndTripNoGuard() {
            FlowRule zero = Fixtures.UNKNOWN_ZERO;
            FlowKey stray = Fixtures.STRAY;
            FlowRule seven = Fixtures.UNKNOWN_SEVEN;

            Plan plan = Planner.plan(desired(A.desired()), live(Fixtures.withUnknownOwners(A)));

            assertEquals(List.of(
                    new FlowChange(Kind.CHANGE, Optional.of("rtp-a"), List.of(RuleChange.change(A.forwardKey(), zero, A.forwardRule()))),
                    new FlowChange(Kind.DELETE, Optional.empty(), List.of(RuleChange.delete(stray, seven)))), plan.flows());
            assertEquals("Plan: 0 to add, 1 to change, 1 to destroy.", plan.summary().line());
            assertEquals(new MassDeleteGuard(false, 1, 0), plan.guard());
            assertEquals(2, plan.warnings().size(), plan.warnings().toString());
            assertTrue(plan.warnings().stream().anyMatch(w -> w.contains("has unknown owner code 0")
                    && w.endsWith("the config's rule replaces it")), plan.warnings().toString());
            assertTrue(plan.warnings().stream().anyMatch(w -> w.startsWith("the rule at ens3 192.0.2.9:1000 -> 203.0.113.10:30009")
                    && w.contains("has unknown owner code 7") && w.endsWith("it is removed")), plan.warnings().toString());
            String text = PlanRenderer.render(plan);
            assertTrue(text.contains("(unknown owner code 7)"), text);
            assertTrue(text.contains("(unknown owner code 0)"), text);

            Plan read = PlanJson.read(PlanJson.write(plan));
            assertEquals(plan.flows(), read.flows(), "a saved plan keeps the codes apply compares with the map");
        }

        @Test
        void aSessionRuleWithTheSameTargetIsStillReplacedBecauseOwnershipChanges() {
            Plan plan = Planner.plan(desired(A.desired()), live(A.live(Owner.SESSION)));

            assertEquals(List.of(Kind.REPLACE, Kind.REPLACE),
                    plan.ruleChanges().stream().map(RuleChange::kind).toList());
            assertEquals(Owner.CONFIG, plan.ruleChanges().getFirst().after().orElseThrow().owner());
            assertEquals(2, plan.warnings().size());
        }
    }

    @Nested
    class MassDelete {
        @Test
        void anEmptyConfigWithLiveConfigRulesTrips() {
            Plan plan = Planner.plan(desired(Map.of()), live(merge(A.live(Owner.CONFIG), sessionRule(1))));

            assertTrue(plan.massDelete());
            String refusal = "mass delete: the config has no rules but 2 config-owned rules are live;"
                    + " refusing to delete them all without --allow-mass-delete";
            assertEquals(Optional.of(refusal), plan.guard().refusal());
            assertEquals(List.of(refusal), plan.refusals(false, false));
            assertEquals(List.of(), plan.refusals(true, false));
        }

        @Test
        void deletingExactlyHalfOfTheConfigRulesPasses() {
            Plan plan = Planner.plan(desired(A.desired()), live(merge(A.live(Owner.CONFIG), B.live(Owner.CONFIG))));

            assertEquals(new MassDeleteGuard(false, 4, 2), plan.guard());
            assertFalse(plan.massDelete());
            assertEquals(List.of(), plan.refusals(false, false));
        }

        @Test
        void deletingMoreThanHalfTrips() {
            Plan plan = Planner.plan(desired(A.desired()),
                    live(merge(A.live(Owner.CONFIG), B.live(Owner.CONFIG), C.live(Owner.CONFIG))));

            assertTrue(plan.massDelete());
            assertEquals(List.of("mass delete: this plan deletes 4 of 6 config-owned rules (more than half);"
                    + " refusing without --allow-mass-delete"), plan.refusals(false, true));
        }

        @Test
        void sessionRulesDoNotCountTowardTheHalf() {
            // 2 of 2 config rules deleted: session rules around them must not dilute the ratio.
            Plan plan = Planner.plan(desired(B.desired()),
                    live(merge(A.live(Owner.CONFIG), sessionRule(1), sessionRule(2), sessionRule(3))));

            assertEquals(new MassDeleteGuard(false, 2, 2), plan.guard());
            assertTrue(plan.massDelete());
        }

        @Test
        void aFreshNodeNeverTrips() {
            Plan plan = Planner.plan(desired(Map.of()), LiveState.absent(List.of(), attachedNowhere()));

            assertFalse(plan.massDelete());
        }
    }

    @Nested
    class OrphanLegs {
        @Test
        void twoOrphanedLegsThatAreEachOthersReversePairIntoOneFlow() {
            Plan plan = Planner.plan(desired(B.desired()), live(merge(A.live(Owner.CONFIG), B.live(Owner.CONFIG))));

            assertEquals(1, plan.flows().size());
            FlowChange removed = plan.flows().getFirst();
            assertEquals(Optional.empty(), removed.flow());
            assertEquals(List.of(A.forwardKey(), A.reverseKey()), removed.keys());
        }

        @Test
        void anOrphanWithoutItsReverseLegStandsAlone() {
            Plan plan = Planner.plan(desired(B.desired()), live(merge(
                    Map.of(A.forwardKey(), A.forwardRule(), C.reverseKey(), C.reverseRule()), B.live(Owner.CONFIG))));

            assertEquals(List.of(List.of(A.forwardKey()), List.of(C.reverseKey())),
                    plan.flows().stream().map(FlowChange::keys).toList(),
                    "two flows of one leg each, by key (ifindex 3 before 4)");
            assertEquals("Plan: 0 to add, 0 to change, 2 to destroy.", plan.summary().line());
        }

        @Test
        void anOrphanWhoseReverseLegIsStillDesiredIsShownWithThatFlow() {
            // rtp-a moves its listen port: a new forward key, a reverse leg with a new target, the old key goes.
            Relay moved = new Relay("rtp-a", FlowKey.of(3, "198.51.100.20", 40001, LISTEN_IP, 31001),
                    A.forwardRewrite(), A.reverseKey(), FlowKey.of(3, LISTEN_IP, 31001, "198.51.100.20", 40001));

            Plan plan = Planner.plan(desired(moved.desired()), live(A.live(Owner.CONFIG)));

            assertEquals(List.of(new FlowChange(Kind.CHANGE, Optional.of("rtp-a"), List.of(
                    RuleChange.add(moved.forwardKey(), moved.forwardRule()),
                    RuleChange.change(A.reverseKey(), A.reverseRule(), moved.reverseRule()),
                    RuleChange.delete(A.forwardKey(), A.forwardRule())))), plan.flows());
            assertEquals("Plan: 0 to add, 1 to change, 0 to destroy.", plan.summary().line());
        }
    }

    @Nested
    class Ordering {
        @Test
        void namedFlowsComeByNameThenUnnamedByKey() {
            Relay gone1 = Relay.of("x", 7);
            Relay gone2 = Relay.of("y", 5);
            Plan plan = Planner.plan(desired(merge(C.desired(), A.desired(), B.desired())),
                    live(merge(gone1.live(Owner.CONFIG), gone2.live(Owner.CONFIG))));

            assertEquals(List.of(Optional.of("rtp-a"), Optional.of("rtp-b"), Optional.of("rtp-c"), Optional.empty(),
                    Optional.empty()), plan.flows().stream().map(FlowChange::flow).toList());
            assertEquals(gone2.forwardKey(), plan.flows().get(3).rules().getFirst().key(), "port 40005 before 40007");
        }

        @Test
        void theSameInputsGiveAnEqualPlan() {
            DesiredState desired = desired(merge(A.desired(), B.desired()));
            LiveState live = live(merge(C.live(Owner.CONFIG), sessionRule(3)));

            assertEquals(Planner.plan(desired, live), Planner.plan(desired, live));
            assertEquals(PlanJson.write(Planner.plan(desired, live)), PlanJson.write(Planner.plan(desired, live)));
        }
    }

    @Nested
    class LocalIps {
        @Test
        void addsAndRemovesBySetDifferenceInAddressOrder() {
            Set<Integer> want = Set.of(Ipv4.parse("203.0.113.10"), Ipv4.parse("203.0.113.2"), Ipv4.parse("198.51.100.1"));
            Set<Integer> have = Set.of(Ipv4.parse("203.0.113.10"), Ipv4.parse("192.0.2.1"), Ipv4.parse("240.0.0.1"));

            Plan plan = Planner.plan(desired(Map.of(), want, List.of(), xdp()), live(Map.of(), have, List.of()));

            assertEquals(List.of(new LocalIpChange(Kind.ADD, Ipv4.parse("198.51.100.1")),
                    new LocalIpChange(Kind.ADD, Ipv4.parse("203.0.113.2")),
                    new LocalIpChange(Kind.DELETE, Ipv4.parse("192.0.2.1")),
                    new LocalIpChange(Kind.DELETE, Ipv4.parse("240.0.0.1"))), plan.localIps());
            assertEquals(new Plan.Summary(2, 0, 2), plan.summary());
        }
    }

    @Nested
    class Datapath {
        @Test
        void xdpModeWithNoDatapathLoadsAndAttachesAndCreatesEverything() {
            DesiredState desired = desired(merge(A.desired(), B.desired()));

            Plan plan = Planner.plan(desired, LiveState.absent(List.of(), attachedNowhere()));

            assertTrue(plan.datapathAbsent());
            assertEquals(List.of(new DatapathChange.Load(MAX_RULES),
                    new DatapathChange.Attach("ens3", 3, XdpMode.NATIVE, OptionalInt.empty()),
                    new DatapathChange.Attach("ens4", 4, XdpMode.NATIVE, OptionalInt.empty())), plan.datapath());
            assertEquals(List.of(Kind.ADD, Kind.ADD), plan.flows().stream().map(FlowChange::kind).toList());
            assertEquals(List.of(new LocalIpChange(Kind.ADD, Ipv4.parse(LISTEN_IP))), plan.localIps());
            assertEquals("Plan: 6 to add, 0 to change, 0 to destroy.", plan.summary().line());
            assertEquals(List.of(), plan.errors());
        }

        @Test
        void anInterfaceMissingFromTheLiveReportIsAttachedToo() {
            Plan plan = Planner.plan(desired(Map.of()), LiveState.absent(List.of(), Map.of()));

            assertEquals(3, plan.datapath().size());
        }

        @Test
        void aPresentDatapathAttachesOnlyWhereNothingRuns() {
            LiveState live = new LiveState(true, MAX_RULES, Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    Map.of("ens3", Optional.of(new LiveState.AttachedProgram(41, "xdp_main")), "ens4", Optional.empty()));

            Plan plan = Planner.plan(desired(Map.of()), live);

            assertFalse(plan.datapathAbsent());
            assertEquals(List.of(new DatapathChange.Attach("ens4", 4, XdpMode.NATIVE, OptionalInt.empty())),
                    plan.datapath());
        }

        /** Issue 10 case 6: another attach mode than the config's used to plan "No changes.". */
        @Test
        void xdpMainInAnotherAttachModeThanTheConfigsIsMovedToIt() {
            LiveState live = new LiveState(true, MAX_RULES, Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    Map.of("ens3", Optional.of(new LiveState.AttachedProgram(41, "xdp_main", XdpMode.GENERIC)),
                            "ens4", Optional.of(new LiveState.AttachedProgram(41, "xdp_main", XdpMode.NATIVE))));

            Plan plan = Planner.plan(desired(Map.of()), live);

            assertEquals(List.of(new DatapathChange.ChangeAttachMode("ens3", 3, XdpMode.GENERIC, XdpMode.NATIVE)),
                    plan.datapath());
            assertEquals("Plan: 0 to add, 1 to change, 0 to destroy.", plan.summary().line());
            assertTrue(PlanRenderer.render(plan).contains("~ xdp_main on ens3 (ifindex 3): generic -> native (detached and"
                    + " attached again; the tc bridge forwards meanwhile)"), PlanRenderer.render(plan));
            assertEquals(plan.datapath(), PlanJson.read(PlanJson.write(plan)).datapath(), "a saved plan keeps the step");
        }

        @Test
        void aForeignProgramOnAnInterfaceIsAnErrorNamingItAndItsId() {
            LiveState live = new LiveState(true, MAX_RULES, Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    Map.of("ens3", Optional.of(new LiveState.AttachedProgram(77, "cilium_xdp")),
                            "ens4", Optional.of(new LiveState.AttachedProgram(41, "xdp_main"))));

            Plan plan = Planner.plan(desired(Map.of()), live);

            assertEquals(List.of(), plan.datapath());
            assertEquals(List.of("interface ens3 already runs XDP program 'cilium_xdp' (id 77), not xdp_main:"
                    + " refusing to replace a program xdprecon did not load; detach it first"), plan.errors());
            assertEquals(plan.errors(), plan.refusals(true, true));
            assertEquals(1, plan.detailedExitCode());
        }

        @Test
        void ourProgramLeftWithoutPinnedMapsIsReplacedByTheNewLoad() {
            Plan plan = Planner.plan(desired(Map.of()), LiveState.absent(List.of(), attachedEverywhere()));

            assertEquals(List.of(new DatapathChange.Load(MAX_RULES),
                    new DatapathChange.Attach("ens3", 3, XdpMode.NATIVE, OptionalInt.of(41)),
                    new DatapathChange.Attach("ens4", 4, XdpMode.NATIVE, OptionalInt.of(41))), plan.datapath());
            assertEquals(Kind.CHANGE, plan.datapath().get(1).kind());
            assertTrue(plan.warnings().getFirst().contains("ens3 runs xdp_main (id 41) whose maps are not pinned"),
                    plan.warnings().toString());
        }

        @Test
        void aLiveCapacityOtherThanTheConfigsIsAMigrationOfEveryRuleThePlanKeeps() {
            // 4 live config rules (A, B); A leaves the config: its 2 are left behind, B's move.
            Map<FlowKey, FlowRule> rules = new HashMap<>(A.live(Owner.CONFIG));
            rules.putAll(B.live(Owner.CONFIG));
            LiveState live = new LiveState(true, 512, rules, Set.of(Ipv4.parse(LISTEN_IP)), List.of(), attachedEverywhere());

            Plan plan = Planner.plan(desired(B.desired()), live);

            assertEquals(List.of(new DatapathChange.Migrate(Abi.VERSION, Abi.VERSION, 512, MAX_RULES, 2)), plan.datapath());
            assertEquals(Kind.CHANGE, plan.datapath().getFirst().kind());
            assertEquals(List.of(), plan.warnings());
            assertEquals(List.of(), plan.errors());
            assertTrue(PlanRenderer.render(plan).contains("~ rules map 512 -> 1024 entries (migrate 2 rules, counters kept)"),
                    PlanRenderer.render(plan));
        }

        @Test
        void anOlderLayoutIsMigratedAtTheSameSize() {
            LiveState live = new LiveState(true, MAX_RULES, A.live(Owner.CONFIG), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    attachedEverywhere(), 1);

            Plan plan = Planner.plan(desired(A.desired()), live);

            assertEquals(List.of(new DatapathChange.Migrate(1, Abi.VERSION, MAX_RULES, MAX_RULES, 2)), plan.datapath());
            assertTrue(PlanRenderer.render(plan).contains("~ layout 1 -> " + Abi.VERSION + ", rules map 1024 -> 1024 entries (migrate 2 rules,"
                    + " counters kept)"), PlanRenderer.render(plan));
        }

        @Test
        void aNewSizeThatCannotHoldTheLiveRulesIsAnError() {
            Map<FlowKey, FlowRule> rules = new HashMap<>(A.live(Owner.CONFIG));
            rules.putAll(B.live(Owner.CONFIG));
            LiveState live = new LiveState(true, 4096, rules, Set.of(Ipv4.parse(LISTEN_IP)), List.of(), attachedEverywhere());
            Map<FlowKey, DesiredRule> both = new HashMap<>(A.desired());
            both.putAll(B.desired());
            DesiredState desired = desired(both, Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    new DatapathSettings(DatapathSettings.Mode.XDP, XdpMode.NATIVE, 3, INTERFACES));

            Plan plan = Planner.plan(desired, live);

            assertEquals(List.of(), plan.datapath());
            assertEquals(List.of("the new rules map would hold at most 3 entries but this plan needs 4 (4 live, config and"
                    + " sessions, - 0 deleted + 0 added): raise datapath.maxRules"), plan.errors());
        }

        @Test
        void inDpdkModeAnotherCapacityIsAWarningAndAnOlderLayoutAnError() {
            DesiredState desired = desired(Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(), dpdk());
            Plan resize = Planner.plan(desired, new LiveState(true, 512, Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    attachedEverywhere()));
            assertEquals(List.of("the live rules map holds 512 entries but the config asks for 1024: in dpdk mode the DPDK"
                    + " loop resizes it when it starts: restart xdprecon run (the tc bridge forwards meanwhile)"), resize.warnings());
            assertEquals(List.of(), resize.errors());

            Plan older = Planner.plan(desired, new LiveState(true, MAX_RULES, Map.of(), Set.of(Ipv4.parse(LISTEN_IP)),
                    List.of(), attachedEverywhere(), 1));
            assertEquals(List.of("the pinned maps are of layout 1 and this build writes layout " + Abi.VERSION + ": in dpdk mode the DPDK loop"
                    + " of this build migrates them when it starts (xdprecon run), behind the tc bridge"), older.errors());
        }

        @Test
        void aPlanThatCannotFitAtItsPeakIsAnError() {
            // 2 live rules + 2 added before the 2 old ones go: 4 > 3 even though 2 remain in the end.
            LiveState live = new LiveState(true, 3, A.live(Owner.CONFIG), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    attachedEverywhere());
            DesiredState desired = desired(B.desired(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    new DatapathSettings(DatapathSettings.Mode.XDP, XdpMode.NATIVE, 3, INTERFACES));

            Plan plan = Planner.plan(desired, live);

            assertEquals(List.of("the rules map holds at most 3 entries but this plan needs 4 at its peak"
                    + " (2 live + 2 added before any delete)"), plan.errors());
        }

        @Test
        void dpdkModeWithNoDatapathShowsTheCreatePlanButCarriesAnError() {
            DesiredState desired = desired(A.desired(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(), dpdk());

            Plan plan = Planner.plan(desired, LiveState.absent(List.of(), attachedNowhere()));

            assertEquals(DatapathSettings.Mode.DPDK, plan.mode());
            assertEquals(List.of(), plan.datapath(), "the PMD loads and attaches, never the planner");
            assertEquals(List.of(Planner.DPDK_NOT_RUNNING), plan.errors());
            assertEquals("datapath not running: start the DPDK loop", plan.refusals(true, true).getFirst());
            assertEquals("Plan: 2 to add, 0 to change, 0 to destroy.", plan.summary().line());
        }

        @Test
        void dpdkModeWithTheDatapathRunningPlansOnlyMapWrites() {
            DesiredState desired = desired(A.desired(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(), dpdk());
            LiveState live = new LiveState(true, MAX_RULES, Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(),
                    attachedNowhere());

            Plan plan = Planner.plan(desired, live);

            assertEquals(List.of(), plan.datapath());
            assertEquals(List.of(), plan.errors());
            assertEquals("Plan: 1 to add, 0 to change, 0 to destroy.", plan.summary().line());
        }
    }

    @Nested
    class Tuning {
        private static final TuningSetting QUEUES_4 = new TuningSetting.QueueCount("ens5", 4);
        private static final TuningSetting HUGE_512 = new TuningSetting.Hugepages(2048, OptionalInt.empty(), 512);

        private Plan plan(List<TuningSetting> want, List<TuningSetting> have) {
            return Planner.plan(desired(Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), want, xdp()),
                    live(Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), have));
        }

        @Test
        void aQueueCountChangeIsDisruptiveAndNeedsTheFlag() {
            TuningSetting queues2 = new TuningSetting.QueueCount("ens5", 2);

            Plan plan = plan(List.of(QUEUES_4), List.of(queues2));

            assertEquals(List.of(new TuningChange(Optional.of(queues2), QUEUES_4, true)), plan.tuning());
            assertTrue(plan.disruptive());
            assertEquals(List.of("disruptive: queues ens5 2 -> 4 resets the NIC; refusing without --allow-disruptive"),
                    plan.refusals(false, false));
            assertEquals(List.of(), plan.refusals(false, true));
            assertEquals("Plan: 0 to add, 1 to change, 0 to destroy.", plan.summary().line());
        }

        @Test
        void aHugepageChangeIsNotDisruptive() {
            Plan plan = plan(List.of(HUGE_512), List.of(new TuningSetting.Hugepages(2048, OptionalInt.empty(), 0)));

            assertEquals(1, plan.tuning().size());
            assertFalse(plan.disruptive());
            assertEquals(List.of(), plan.refusals(false, false));
        }

        /** Issue 10 case 7: a count pushed by mistake (1 GiB x 16,777,216) used to be planned and written as is. */
        @Test
        void hugePagesBeyondTheNodesMemoryAreAnErrorAndBeyondHalfOfItNeedTheFlag() {
            TuningSetting none = new TuningSetting.Hugepages(1048576, OptionalInt.empty(), 0);
            long memTotalKb = 8L * 1024 * 1024; // 8 GiB
            LiveState live = live(Map.of(), Set.of(Ipv4.parse(LISTEN_IP)), List.of(none)).withMemTotalKb(memTotalKb);
            java.util.function.Function<Integer, Plan> asking = count -> Planner.plan(desired(Map.of(),
                    Set.of(Ipv4.parse(LISTEN_IP)), List.of(new TuningSetting.Hugepages(1048576, OptionalInt.empty(), count)),
                    xdp()), live);

            Plan typo = asking.apply(16_777_216);
            assertEquals(List.of("hugepages 1048576kB = 16777216 reserves 16 PiB of huge pages, more than this node's memory"
                    + " (MemTotal 8 GiB): the kernel cannot grant it; lower the count"), typo.errors());
            assertEquals(List.of(), typo.tuning());
            assertFalse(typo.refusals(false, true).isEmpty(), "no flag allows it");

            Plan most = asking.apply(6);
            assertTrue(most.disruptive());
            assertEquals(List.of("disruptive: hugepages 1048576kB 0 -> 6 reserves 6 GiB of huge pages, over 50 % of the node's"
                    + " memory; refusing without --allow-disruptive"), most.refusals(false, false));
            assertEquals(List.of(), most.refusals(false, true));

            Plan half = asking.apply(4);
            assertFalse(half.disruptive());
            assertEquals(List.of(), half.refusals(false, false));
        }

        @Test
        void anEqualLiveValueIsNoChange() {
            byte[] key = {0x6d, 0x5a, 0x6d, 0x5a};
            Plan plan = plan(List.of(QUEUES_4, new TuningSetting.RssKey("ens5", key)),
                    List.of(new TuningSetting.RssKey("ens5", key.clone()), new TuningSetting.QueueCount("ens5", 4)));

            assertEquals(List.of(), plan.tuning());
            assertEquals("No changes.", plan.summary().line());
        }

        @Test
        void anUnknownLiveValueIsShownAsAChangeWithAWarning() {
            Plan plan = plan(List.of(QUEUES_4), List.of());

            assertEquals(List.of(new TuningChange(Optional.empty(), QUEUES_4, true)), plan.tuning());
            assertEquals(List.of("queues ens5: the current value is unknown on this node (unsupported, or the"
                    + " interface is missing); apply will try to set it to 4"), plan.warnings());
            assertTrue(PlanRenderer.render(plan).contains("~ queues ens5: (unknown) -> 4 (disruptive"));
        }

        @Test
        void aSettingNamedTwiceIsAnError() {
            Plan plan = plan(List.of(QUEUES_4, new TuningSetting.QueueCount("ens5", 8)), List.of());

            assertEquals(List.of("tuning queues ens5 is set twice in the config"), plan.errors());
        }
    }

    @Test
    void theSummaryCountsFlowsLocalIpsTuningAndDatapathActionsAsResources() {
        DesiredState desired = desired(merge(A.desired(), B.desired()), Set.of(Ipv4.parse(LISTEN_IP)),
                List.of(new TuningSetting.QueueCount("ens5", 4)), xdp());
        LiveState live = LiveState.absent(List.of(new TuningSetting.QueueCount("ens5", 2)), attachedNowhere());

        Plan plan = Planner.plan(desired, live);

        // Load + 2 attaches + 1 local IP + 2 flows (4 rules) = 6; one tuning change.
        assertEquals("Plan: 6 to add, 1 to change, 0 to destroy.", plan.summary().line());
        assertEquals(INTERFACES, plan.interfaces());
        assertEquals("edge-1", plan.node());
        assertEquals("edge.yaml", plan.source());
    }
}
