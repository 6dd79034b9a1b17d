package io.xdprecon.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.PortRange;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortPoolTest {
    @Test
    void allocatesEveryPortOnceThenReportsExhaustion() {
        PortPool pool = new PortPool(1, new PortRange(40000, 40009));
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            int p = pool.allocate();
            assertTrue(p >= 40000 && p <= 40009, "port " + p);
            assertTrue(got.add(p), "twice: " + p);
        }
        assertEquals(0, pool.free());
        assertEquals(PortPool.NONE, pool.allocate());
        assertEquals(PortPool.NONE, pool.allocate());
        assertEquals(2, pool.exhaustions());
        assertTrue(pool.release(40003));
        assertEquals(40003, pool.allocate());
    }

    @Test
    void nextFitDoesNotReuseAReleasedPortAtOnce() {
        PortPool pool = new PortPool(1, new PortRange(100, 199));
        int a = pool.allocate();
        pool.release(a);
        assertTrue(pool.allocate() != a);
    }

    @Test
    void releaseAndReserveRejectWhatIsNotTheirs() {
        PortPool pool = new PortPool(1, new PortRange(100, 101));
        assertFalse(pool.release(100), "never allocated");
        assertFalse(pool.release(5), "outside");
        assertTrue(pool.reserve(101));
        assertFalse(pool.reserve(101), "taken");
        assertFalse(pool.reserve(102), "outside");
        assertEquals(100, pool.allocate());
        assertEquals(PortPool.NONE, pool.allocate());
        assertEquals(2, pool.inUse());
    }
}
