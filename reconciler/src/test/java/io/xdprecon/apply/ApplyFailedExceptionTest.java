package io.xdprecon.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a failed apply says: the wording users see, with counts and at most the first 20 changes that did not land. */
class ApplyFailedExceptionTest {
    private static final IllegalStateException CAUSE = new IllegalStateException("ethtool -L ps combined 2: refused");

    @Test
    void aSmallApplyNamesEveryChangeThatDidNotLand() {
        ApplyFailedException e = new ApplyFailedException("tuning", CAUSE, 1, 2, List.of("+ rule a", "~ queues ps = 2"));
        assertEquals("""
                apply stopped at step 'tuning': ethtool -L ps combined 2: refused
                1 planned changes landed, 2 did not:
                  + rule a
                  ~ queues ps = 2
                Run apply again to converge.""", e.getMessage());
        assertEquals(1, e.landed());
        assertEquals(2, e.notLanded());
        assertEquals(List.of("+ rule a", "~ queues ps = 2"), e.firstNotLanded());
        assertEquals("tuning", e.step());
    }

    @Test
    void everyChangeLandedNamesNone() {
        assertEquals("apply stopped at step 'x': ethtool -L ps combined 2: refused\n3 planned changes landed, 0 did not\n"
                + "Run apply again to converge.", new ApplyFailedException("x", CAUSE, 3, 0, List.of()).getMessage());
    }

    @Test
    void aLargeApplyNamesTheFirstTwentyThenAnEllipsis() {
        List<String> listed = IntStream.range(0, 20).mapToObj(i -> "- rule " + i).toList();
        ApplyFailedException e = new ApplyFailedException("write rules", CAUSE, 500_000, 286_432, listed);
        String expected = "apply stopped at step 'write rules': ethtool -L ps combined 2: refused\n"
                + "500000 planned changes landed, 286432 did not:\n  " + String.join("\n  ", listed)
                + "\n  …\nRun apply again to converge.";
        assertEquals(expected, e.getMessage());
        assertEquals(listed, e.firstNotLanded());
        // Given more than it keeps, it keeps and shows only the first 20.
        List<String> more = IntStream.range(0, 25).mapToObj(i -> "- rule " + i).toList();
        ApplyFailedException longer = new ApplyFailedException("write rules", CAUSE, 500_000, 286_432, more);
        assertEquals(expected, longer.getMessage());
        assertEquals(listed, longer.firstNotLanded());
    }
}
