package io.xdprecon.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveStateTest {
    private static final FlowKey KEY = FlowKey.of(3, "198.51.100.20", 40000, "203.0.113.10", 30000);
    private static final FlowRule RULE = new FlowRule(FlowKey.of(4, "10.0.0.1", 40000, "10.0.0.20", 5004), Owner.CONFIG);

    @Test
    void handedOverRulesAreKeptAsTheyAreAndCannotBeChangedThroughTheSnapshot() {
        Map<FlowKey, FlowRule> fresh = new HashMap<>(Map.of(KEY, RULE));
        Map<FlowKey, FlowRule> handedOver = LiveState.handedOver(fresh);
        LiveState live = new LiveState(true, 8, handedOver, Set.of(), List.of(), Map.of());

        assertSame(handedOver, live.rules(), "not copied");
        assertEquals(Map.of(KEY, RULE), live.rules());
        assertEquals(new LiveState(true, 8, Map.of(KEY, RULE), Set.of(), List.of(), Map.of()), live);
        assertThrows(UnsupportedOperationException.class, () -> live.rules().put(KEY, RULE));
        assertThrows(UnsupportedOperationException.class, () -> live.rules().remove(KEY));
        assertThrows(UnsupportedOperationException.class, () -> live.rules().entrySet().iterator().next().setValue(RULE));
        assertThrows(UnsupportedOperationException.class, () -> live.rules().keySet().clear());
    }

    @Test
    void anyOtherMapIsCopied() {
        Map<FlowKey, FlowRule> caller = new HashMap<>(Map.of(KEY, RULE));
        LiveState live = new LiveState(true, 8, caller, Set.of(), List.of(), Map.of());
        caller.clear();
        assertEquals(Map.of(KEY, RULE), live.rules());
    }
}
