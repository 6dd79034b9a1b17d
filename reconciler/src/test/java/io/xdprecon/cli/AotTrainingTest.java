package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The launchers make their AOT cache even when the training fails (a weaker cache, silently): the training must run
 * through, with no privileges, and leave nothing behind.
 */
class AotTrainingTest {
    @Test
    void theTrainingWalksAColdStartAndTheCommandsAndLeavesNothingBehind() throws Exception {
        long before = trainingDirectories();
        AotTraining.main(new String[0]); // throws when a step fails or the cold plan is not every flow's two rules
        assertEquals(before, trainingDirectories(), "a training directory was left in " + System.getProperty("java.io.tmpdir"));
    }

    private static long trainingDirectories() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("xdprecon-aot-training")).count();
        }
    }
}
