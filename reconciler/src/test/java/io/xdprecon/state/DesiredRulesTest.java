package io.xdprecon.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packed rules read back as the map of records they replace, whatever order and keys they were built from. */
class DesiredRulesTest {
    @Test
    void packedRulesAreTheMapTheyWereBuiltFrom() {
        Random random = new Random(20261203);
        for (int run = 0; run < 300; run++) {
            Map<FlowKey, DesiredRule> expected = new LinkedHashMap<>();
            int n = random.nextInt(2000);
            for (int i = 0; i < n; i++) {
                // Few distinct values per field: repeated keys, keys sharing high or low words, sign bits set.
                FlowKey key = key(random);
                expected.put(key, new DesiredRule(new FlowRule(key(random), Owner.CONFIG), "flow-" + random.nextInt(50),
                        random.nextBoolean() ? Direction.FORWARD : Direction.REVERSE));
            }
            DesiredRules packed = DesiredRules.of(expected);
            assertEquals(expected.size(), packed.size());
            assertEquals(new HashMap<>(expected), new HashMap<>(packed), "run " + run);
            assertEquals(packed, expected);
            expected.forEach((key, rule) -> assertEquals(rule, packed.get(key)));
            for (int i = 1; i < packed.size(); i++) {
                assertTrue(packed.compareKeys(i - 1, packed, i) < 0, "sorted, unique keys");
            }
        }
    }

    @Test
    void aRepeatedKeyKeepsTheLastRuleAddedAsAMapWould() {
        DesiredRules.Builder builder = new DesiredRules.Builder(1);
        int a = builder.flow("a");
        int b = builder.flow("b");
        FlowKey key = FlowKey.of(2, "10.0.0.1", 1, "10.0.0.2", 2);
        FlowKey first = FlowKey.of(3, "10.0.0.3", 3, "10.0.0.4", 4);
        FlowKey second = FlowKey.of(3, "10.0.0.5", 5, "10.0.0.6", 6);
        builder.rule(a, Direction.FORWARD, key.high(), key.low(), first.high(), first.low());
        builder.rule(b, Direction.REVERSE, key.high(), key.low(), second.high(), second.low());
        DesiredRules rules = builder.build();
        assertEquals(1, rules.size());
        assertEquals(new DesiredRule(new FlowRule(second, Owner.CONFIG), "b", Direction.REVERSE), rules.get(key));
        assertFalse(rules.containsKey(first));
        assertEquals(-1, rules.find(first.high(), first.low()));
    }

    @Test
    void namesOutsideAsciiReadBackWhole() {
        DesiredRules.Builder builder = new DesiredRules.Builder(0);
        List<String> names = new ArrayList<>(List.of("rtp-älice", "", "ゲーム-3", "x"));
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            int flow = builder.flow(names.get(i));
            FlowKey key = FlowKey.of(1, "10.0.0.1", 100 + i, "10.0.0.2", 2);
            keys.add(key);
            builder.rule(flow, Direction.FORWARD, key.high(), key.low(), key.high(), key.low());
        }
        DesiredRules rules = builder.build();
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i), rules.get(keys.get(i)).flow());
        }
    }

    private static FlowKey key(Random random) {
        int[] addresses = {0x0A000001, 0xC0A80001, 0xFFFFFFFF, 0x80000000};
        return new FlowKey(1 + random.nextInt(3), addresses[random.nextInt(4)], addresses[random.nextInt(4)],
                random.nextInt(4) * 16_000, 65_535 - random.nextInt(3));
    }
}
