package io.xdprecon.tests.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.tests.packets.FrameView;

import org.junit.jupiter.api.Test;

/**
 * The model's expected bytes (from scratch, plus the input's checksum error) agree with the program's
 * incremental arithmetic on every rewritten frame of a corpus, wrong checksums and zero checksums
 * included. If this fails, the model's checksum reasoning is wrong, not the program.
 */
class IncrementalChecksumCrossCheckTest {
    @Test
    void fromScratchModelAgreesWithIncrementalUpdate() {
        long seed = 0xc0ffee;
        Scenario scenario = Scenario.example(seed, 200);
        DatapathModel model = scenario.model();
        FrameCorpus corpus = new FrameCorpus(scenario, seed);
        int rewritten = 0;
        for (FrameCorpus.Case c : corpus.generate(50_000)) {
            Outcome outcome = model.evaluate(c.frame(), c.ingressIfindex(), c.rxQueue(), false);
            if (outcome.flow().isEmpty()) {
                continue;
            }
            FlowKey to = scenario.rules().get(outcome.flow().get().key()).rewrite();
            byte[] program = IncrementalRewrite.apply(c.frame(), to, outcome.fib().orElseThrow());
            String diff = FrameView.diff(program, outcome.output());
            if (!diff.isEmpty()) {
                fail("model differs from the incremental update (" + diff + ")\n" + corpus.reproduce(c));
            }
            rewritten++;
        }
        assertTrue(rewritten > 20_000, "enough rewrites to mean something: " + rewritten);
    }
}
