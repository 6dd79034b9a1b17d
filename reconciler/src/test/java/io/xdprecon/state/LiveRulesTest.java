package io.xdprecon.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packed live rules looked up by key as the map of records they were read from: what apply's report uses. */
class LiveRulesTest {
    @Test
    void aLookupFindsEachRuleAndHoldsOnlyItsOwnRewriteAndOwner() {
        Random random = new Random(20261204);
        for (int run = 0; run < 200; run++) {
            Map<FlowKey, FlowRule> read = new HashMap<>();
            int n = random.nextInt(1500);
            for (int i = 0; i < n; i++) {
                // Few distinct values per field: keys sharing high or low words, sign bits set.
                Owner owner = random.nextBoolean() ? Owner.CONFIG : Owner.SESSION;
                read.put(key(random), new FlowRule(key(random), owner));
            }
            LiveRules live = LiveRules.of(read);
            read.forEach((key, rule) -> {
                int i = live.find(key.high(), key.low());
                assertTrue(i >= 0, key + " found");
                assertEquals(key, live.key(i));
                assertTrue(live.holds(i, rule), key + " holds its rule");
                Owner other = rule.owner() == Owner.CONFIG ? Owner.SESSION : Owner.CONFIG;
                assertFalse(live.holds(i, new FlowRule(rule.rewrite(), other)), key + ": another owner");
                FlowKey elsewhere = new FlowKey(rule.rewrite().ifindex(), rule.rewrite().srcIp(), rule.rewrite().dstIp(),
                        rule.rewrite().srcPort(), rule.rewrite().dstPort() ^ 1);
                assertFalse(live.holds(i, new FlowRule(elsewhere, rule.owner())), key + ": another rewrite");
            });
            for (int probe = 0; probe < 50; probe++) {
                FlowKey key = key(random);
                assertEquals(read.containsKey(key), live.find(key.high(), key.low()) >= 0, key.toString());
            }
        }
        assertEquals(-1, LiveRules.empty().find(0, 0));
    }

    private static FlowKey key(Random random) {
        int[] ips = {0, 1, 0x0a000001, 0x7fffffff, 0x80000000, 0xffffffff};
        int[] ports = {0, 1, 5004, 0x8000, 0xffff};
        return new FlowKey(random.nextInt(3), ips[random.nextInt(ips.length)], ips[random.nextInt(ips.length)],
                ports[random.nextInt(ports.length)], ports[random.nextInt(ports.length)]);
    }
}
