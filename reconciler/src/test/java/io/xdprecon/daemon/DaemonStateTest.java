package io.xdprecon.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.source.Revision;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredState;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The daemon's memory between reconciles: each transition gives a new value and leaves the old one as it was. */
class DaemonStateTest {
    private static final Revision V1 = new Revision("a".repeat(40), "flows.yaml", "flows: []", Optional.empty());
    private static final Revision V2 = new Revision("b".repeat(40), "flows.yaml", "flows: []", Optional.empty());

    @Test
    void aTransitionLeavesTheValueItStartedFromAsItWas() {
        DaemonState initial = DaemonState.initial();
        DaemonState started = initial.started(Instant.EPOCH).attempting(V1.id()).failing("source: down");
        assertEquals(0, initial.reconciles());
        assertEquals(Optional.empty(), initial.error());
        assertEquals(1, started.reconciles());
        assertEquals(Optional.of("source: down"), started.error());
        assertEquals(Optional.of(V1.id()), started.attempted());
    }

    @Test
    void failuresThatMayPassCountUpAndAnythingElseResetsThem() {
        DaemonState s = DaemonState.initial();
        s = s.ended(new ReconcileOutcome.SourceFailed("down")).ended(new ReconcileOutcome.ApplyFailed("ENOMEM"));
        assertEquals(2, s.consecutiveFailures());
        assertEquals(0, s.ended(new ReconcileOutcome.Rejected(V1.id(), ReconcileOutcome.Refusal.INVALID, "invalid")).consecutiveFailures(),
                "a rejected revision waits for the next one, not for a backoff");
        assertEquals(0, s.ended(new ReconcileOutcome.Unchanged(Optional.empty())).consecutiveFailures());
    }

    @Test
    void acceptingARevisionClearsTheErrorAndMakesItTheOneEnforced() {
        DaemonState s = DaemonState.initial().rejecting(new ReconcileOutcome.Rejected(V1.id(), ReconcileOutcome.Refusal.INVALID, "invalid"));
        assertTrue(s.isNew(V1), "nothing applied: every revision is new");
        DesiredState desired = new DesiredState("edge-1", V2.name(), Map.of(), Set.of(), List.of(),
                new DatapathSettings(DatapathSettings.Mode.XDP, XdpMode.NATIVE, 1024, Map.of()));
        s = s.accepting(V2, desired);
        assertEquals(Optional.of(desired), s.enforced());
        assertEquals(Optional.empty(), s.error());
        assertEquals(Optional.of(V2), s.applied());
        assertFalse(s.isNew(V2));
        assertTrue(s.isNew(V1));
        assertEquals(Optional.of(V1.id()), s.rejected().map(ReconcileOutcome.Rejected::revision), "a rejected revision stays rejected");
    }

    @Test
    void ruleOwnersAreCopiedWithEveryOwnerAndCannotBeChangedFromOutside() {
        Map<Owner, Long> counted = new EnumMap<>(Owner.class);
        counted.put(Owner.CONFIG, 4L);
        DaemonState s = DaemonState.initial().owning(Optional.of(counted));
        counted.put(Owner.CONFIG, 99L);
        Map<Owner, Long> owners = s.ruleOwners().orElseThrow();
        assertEquals(4L, owners.get(Owner.CONFIG));
        Arrays.stream(Owner.values()).forEach(o -> assertTrue(owners.containsKey(o), o + " is counted"));
        assertThrows(UnsupportedOperationException.class, () -> owners.put(Owner.CONFIG, 1L));
    }

    @Test
    void everyKindHasItsMetricsLabel() {
        assertEquals("source_failed", ReconcileOutcome.Kind.SOURCE_FAILED.label());
        assertEquals(ReconcileOutcome.Kind.UNCHANGED, new ReconcileOutcome.Suspended("Plan: 1 to add").kind());
        assertTrue(new ReconcileOutcome.Suspended("Plan: 1 to add").converged());
        assertFalse(new ReconcileOutcome.DriftReported("Plan: 1 to add").converged());
    }

    @Test
    void aHeldRevisionIsTheGoalUntilItIsLiveAndARefusalThatMayPassBacksOff() {
        DesiredState desired = new DesiredState("edge-1", V2.name(), Map.of(), Set.of(), List.of(),
                new DatapathSettings(DatapathSettings.Mode.XDP, XdpMode.NATIVE, 1024, Map.of()));
        DaemonState.Candidate v2 = new DaemonState.Candidate(V2, null, desired);
        DaemonState held = DaemonState.initial().accepting(V1, desired).holdingBack(v2, "mass delete");
        assertEquals(Optional.of(v2), held.pending());
        assertEquals(Optional.of(V2.id()), held.attempted());
        assertEquals(Optional.of("mass delete"), held.error());
        assertEquals(Optional.empty(), held.rejected(), "a refused plan is not a rejected revision: it is planned again");
        DaemonState live = held.accepting(V2, desired);
        assertEquals(Optional.empty(), live.pending());
        assertEquals(Optional.empty(), live.error());
        assertEquals(1, held.ended(new ReconcileOutcome.Deferred(Optional.of(V2.id()), "stale")).consecutiveFailures());
    }
}
