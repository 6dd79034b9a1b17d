package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xdprecon.cli.Main;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigInput;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.ConfigMutations;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzzer's promise on real maps, for a sample: {@code apply} of a mutated config that {@code validate} refuses
 * exits 1 and leaves the node's rules and local IPs as the last good apply wrote them (ConfigFuzzTest covers
 * {@code validate} itself, without privileges). A config error is found before the first write, so the sample is small.
 */
class RejectedApplyWritesNothingTest {
    static final String NODE = "lab-node";
    static final int SAMPLE = 25;

    @TempDir
    Path dir;

    private Lab lab;

    @BeforeEach
    void startLab() {
        lab = Lab.start();
    }

    @AfterEach
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private Main.Captured apply(Path config) {
        String[] args = {"apply", "-c", config.toString(), "--pin-root", lab.pinRoot().toString(), "--node", NODE};
        return NetNs.call(lab.proxyNs(), () -> Main.capture(args));
    }

    /** What an apply writes: the rules and the local IPs (counters are the traffic's, not the config's). */
    record NodeState(Map<FlowKey, FlowRule> rules, Set<Integer> localIps) {}

    private NodeState node() {
        return new NodeState(lab.datapath().rules().readAll(), lab.datapath().localIps().readAll().keySet());
    }

    @Test
    void applyOfRejectedMutationsWritesNothing() throws Exception {
        String good = LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("a", 0, 50000), LabConfigs.flow("b", 1, 50001),
                LabConfigs.flow("c", 2, 50002));
        Path goodFile = dir.resolve("good.yaml");
        Files.writeString(goodFile, good);
        Main.Captured first = apply(goodFile);
        assertEquals(0, first.exit(), first.out() + first.err());
        NodeState before = node();
        assertEquals(6, before.rules().size(), "the good config wrote two rules per flow: " + before);

        byte[] seed = good.getBytes(StandardCharsets.UTF_8);
        SplittableRandom random = new SplittableRandom(11);
        int tried = 0;
        for (int n = 0; tried < SAMPLE; n++) {
            byte[] mutated = ConfigMutations.mutate(seed, random.split());
            if (!refused(mutated)) {
                continue; // a mutation that is still valid (a comment changed, say) would rightly apply
            }
            tried++;
            Path file = dir.resolve("mutation-" + n + ".yaml");
            Files.write(file, mutated);
            Main.Captured refusedApply = apply(file);
            assertEquals(1, refusedApply.exit(), "mutation " + n + ":\n" + refusedApply.out() + refusedApply.err());
            assertEquals(before, node(), "mutation " + n + " changed the node:\n" + refusedApply.err());
        }
    }

    private static boolean refused(byte[] config) {
        Path name = Path.of("mutation.yaml");
        try {
            ConfigLoader.load(name, List.of(new ConfigInput(name, "m", () -> new ByteArrayInputStream(config))));
            return false;
        } catch (ConfigException e) {
            return true;
        }
    }
}
