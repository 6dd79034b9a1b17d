package io.xdprecon.dataplane.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CountersTest {

    @Test
    void countsByNameAndCopiesAreImmutable() {
        Counters<SlowPathLoop.Counter> counters = Counters.of(SlowPathLoop.Counter.class);
        counters.increment(SlowPathLoop.Counter.MALFORMED);
        counters.add(SlowPathLoop.Counter.FORWARDED, 5);
        Counters.Values<SlowPathLoop.Counter> copy = counters.values();
        counters.increment(SlowPathLoop.Counter.MALFORMED);

        assertEquals(1, copy.get(SlowPathLoop.Counter.MALFORMED), "a copy does not move");
        assertEquals(2, counters.get(SlowPathLoop.Counter.MALFORMED));
        assertEquals(5, copy.get(SlowPathLoop.Counter.FORWARDED));
        assertEquals(0, copy.get(SlowPathLoop.Counter.TTL_EXPIRED));
        assertNotEquals(copy, counters.values());
    }

    @Test
    void valuesAddUpAndShowByKeyInTheEnumsOrder() {
        Counters<SlowPathLoop.Counter> a = Counters.of(SlowPathLoop.Counter.class);
        Counters<SlowPathLoop.Counter> b = Counters.of(SlowPathLoop.Counter.class);
        a.add(SlowPathLoop.Counter.RECEIVED, 3);
        b.add(SlowPathLoop.Counter.RECEIVED, 4);
        b.increment(SlowPathLoop.Counter.TX_DROPPED);
        Counters.Values<SlowPathLoop.Counter> sum = Counters.Values.zero(SlowPathLoop.Counter.class).plus(a.values()).plus(b.values());

        Map<String, Long> expected = new LinkedHashMap<>();
        for (SlowPathLoop.Counter c : SlowPathLoop.Counter.values()) {
            expected.put(c.key(), c == SlowPathLoop.Counter.RECEIVED ? 7L : c == SlowPathLoop.Counter.TX_DROPPED ? 1L : 0L);
        }
        assertEquals(expected, sum.byKey());
        assertEquals(String.join(" ", expected.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()),
                sum.toString());
        assertEquals("tx_dropped", SlowPathLoop.Counter.TX_DROPPED.key());
    }
}
