package io.xdprecon.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanFileTest {
    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aSavedPlanLoadsEqualAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("plan.json");
        Plan plan = PlanJsonTest.everything();

        PlanFile.save(plan, file);

        assertEquals(plan, PlanFile.load(file));
        assertEquals(PlanJson.write(plan), Files.readString(file), "the file is the --json document");
        assertEquals(List.of(file), files());
    }

    @Test
    void savingReplacesAnExistingPlan() throws IOException {
        Path file = dir.resolve("plan.json");
        Files.writeString(file, "old");
        Plan plan = PlanJsonTest.everything();

        PlanFile.save(plan, file);

        assertEquals(plan, PlanFile.load(file));
        assertEquals(List.of(file), files());
    }

    @Test
    void aMissingFileIsSaidSo() {
        Path file = dir.resolve("nope.json");

        PlanFileException e = assertThrows(PlanFileException.class, () -> PlanFile.load(file));

        assertEquals(PlanFileException.Problem.MISSING, e.problem());
        assertEquals("plan file " + file + " does not exist", e.getMessage());
        assertEquals(file, e.file());
        assertNull(e.formatProblem());
    }

    @Test
    void badJsonNamesTheFileAndThePlace() throws IOException {
        Path file = dir.resolve("plan.json");
        Files.writeString(file, "{\"format\": ");

        PlanFileException e = assertThrows(PlanFileException.class, () -> PlanFile.load(file));

        assertEquals(PlanFileException.Problem.FORMAT, e.problem());
        assertEquals(PlanFormatException.Problem.NOT_JSON, e.formatProblem());
        assertTrue(e.getMessage().startsWith("plan file " + file + ": not valid JSON at line 1"), e.getMessage());
    }

    @Test
    void anUnknownFormatVersionNamesBoth() throws IOException {
        Path file = dir.resolve("plan.json");
        Files.writeString(file, "{\"format\": \"xdprecon-plan/v9\"}");

        PlanFileException e = assertThrows(PlanFileException.class, () -> PlanFile.load(file));

        assertEquals(PlanFormatException.Problem.UNKNOWN_FORMAT, e.formatProblem());
        assertEquals("plan file " + file + ": unknown plan format \"xdprecon-plan/v9\"; this xdprecon reads"
                + " \"xdprecon-plan/v1\"", e.getMessage());
    }

    @Test
    void savingIntoAMissingDirectoryFailsWithoutLeavingAnything() {
        Path file = dir.resolve("no-such-dir").resolve("plan.json");

        PlanFileException e = assertThrows(PlanFileException.class, () -> PlanFile.save(PlanJsonTest.everything(), file));

        assertEquals(PlanFileException.Problem.MISSING, e.problem());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
