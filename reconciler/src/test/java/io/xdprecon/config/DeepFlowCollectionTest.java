package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Flow collections nested deep on one line are a config error, not a StackOverflowError of the fast reader. */
class DeepFlowCollectionTest {
    @Test
    void aFlowCollectionNestedThousandsDeepIsRefusedAtItsPlace() {
        String deep = "apiVersion: xdprecon.io/v1\nlocalIps: " + "[".repeat(5_000) + "]".repeat(5_000) + "\n";
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(Path.of("deep.yaml"), deep));
        assertTrue(e.getMessage().contains("Nesting Depth exceeded"), e.getMessage());
    }
}
