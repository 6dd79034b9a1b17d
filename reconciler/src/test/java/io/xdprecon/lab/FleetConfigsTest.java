package io.xdprecon.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.plan.RevisionDiff;
import io.xdprecon.state.DesiredState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every key shape the scale tests use is a valid config: names, keys and egresses unique (the loader checks). */
class FleetConfigsTest {
    private static final int FLOWS = 3000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(FleetConfigs.Keys.class)
    void generatedConfigsAreValidAndAVariantChangesOneFlow(FleetConfigs.Keys keys) throws Exception {
        Path file = dir.resolve("flows.yaml");
        FleetConfigs.writeFile(file, FLOWS, keys, 42);
        DesiredState desired = ConfigLoader.load(file).forNode("n", InterfaceResolver.of(Map.of("pc", 2, "ps", 3)));
        assertEquals(2 * FLOWS, desired.rules().size());

        String edited = Files.readString(file).replace(FleetConfigs.flow(17, keys, 42, 0), FleetConfigs.flow(17, keys, 42, 1));
        assertNotEquals(Files.readString(file), edited);
        Files.writeString(file, edited);
        DesiredState next = ConfigLoader.load(file).forNode("n", InterfaceResolver.of(Map.of("pc", 2, "ps", 3)));
        // The server moves: the forward rule's rewrite changes, the reverse rule's key moves.
        Set<String> changed = RevisionDiff.between(desired, next).keys().stream()
                .map(key -> next.rules().containsKey(key) ? next.rules().get(key) : desired.rules().get(key))
                .map(rule -> rule.flow() + " " + rule.direction()).collect(Collectors.toSet());
        assertEquals(Set.of("f17 FORWARD", "f17 REVERSE"), changed);
        assertEquals(3, RevisionDiff.between(desired, next).keys().size());
    }
}
