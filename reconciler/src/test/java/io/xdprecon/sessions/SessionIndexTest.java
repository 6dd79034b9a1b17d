package io.xdprecon.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SessionIndexTest {
    /** Random puts and removes (keys from a small space, so runs collide and shift) checked against a HashMap. */
    @Test
    void behavesLikeAMapUnderRandomPutsAndRemoves() {
        Random r = new Random(7);
        SessionIndex index = new SessionIndex(4);
        Map<String, Session> model = new HashMap<>();
        Session[] values = new Session[64];
        SessionService svc = SessionTableTest.service(10, SessionTableTest.B1);
        for (int i = 0; i < values.length; i++) {
            values[i] = new Session(new SessionKey("relay", i, i), svc, SessionTableTest.B1, 40000, 0, false);
        }
        for (int step = 0; step < 200_000; step++) {
            long a = r.nextInt(40);
            long b = r.nextInt(40) - 20;
            String k = a + "/" + b;
            if (r.nextInt(3) == 0) {
                assertSame(model.remove(k), index.remove(a, b), k);
            } else {
                Session v = values[r.nextInt(values.length)];
                assertSame(model.put(k, v), index.put(a, b, v), k);
            }
            assertEquals(model.size(), index.size());
            if (step % 1000 == 0) {
                for (long x = 0; x < 40; x++) {
                    for (long y = -20; y < 20; y++) {
                        assertSame(model.get(x + "/" + y), index.get(x, y));
                    }
                }
            }
        }
        index.clear();
        assertNull(index.get(1, 1));
        assertEquals(0, index.size());
    }
}
