package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus of malformed configs in {@code src/test/resources/config/invalid}. Each file states, in its
 * header, every error it must produce, in file order: {@code # expect: LINE:COL: MESSAGE FRAGMENT}. A file
 * must produce exactly those errors (all of them in one run), at exactly those positions, and loading it
 * must change nothing: not the file, not its directory.
 */
class InvalidConfigCorpusTest {
    private static final Pattern EXPECT = Pattern.compile("^# expect: (\\d+):(\\d+): (.+)$");

    @TempDir
    Path workDir;

    record Expected(int line, int column, String fragment) {}

    static Stream<Path> corpus() throws IOException, URISyntaxException {
        Path dir = Path.of(InvalidConfigCorpusTest.class.getResource("/config/invalid").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void reportsExactlyTheExpectedErrorsAndWritesNothing(Path source) throws IOException {
        List<Expected> expected = expectations(source);
        assertTrue(!expected.isEmpty(), source + " states no '# expect:' line");
        Path file = workDir.resolve(source.getFileName());
        Files.copy(source, file);
        Map<String, String> before = snapshot(workDir);

        ConfigException failure = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(before, snapshot(workDir), "loading must not write anything");
        List<ConfigError> errors = failure.errors();
        String actual = String.join("\n", errors.stream().map(ConfigError::toString).toList());
        assertEquals(expected.size(), errors.size(), "errors of " + source.getFileName() + ":\n" + actual);
        for (int i = 0; i < expected.size(); i++) {
            Expected want = expected.get(i);
            ConfigError got = errors.get(i);
            assertEquals(file, got.file());
            assertEquals(want.line() + ":" + want.column(), got.line() + ":" + got.column(),
                    "position of error " + (i + 1) + " in " + source.getFileName() + ":\n" + actual);
            assertTrue(got.message().contains(want.fragment()),
                    "error " + (i + 1) + " of " + source.getFileName() + " should contain '" + want.fragment() + "':\n" + actual);
            assertEquals(file + ":" + got.line() + ":" + got.column() + ": " + got.message(), got.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void checkingIsAFunctionOfTheTextAlone(Path source) throws IOException {
        // The path names the text only: that it does not exist proves nothing else is read.
        Path nowhere = Path.of("/nonexistent-" + System.nanoTime(), source.getFileName().toString());
        ConfigException fromText = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(nowhere, Files.readString(source)));
        ConfigException fromFile = assertThrows(ConfigException.class, () -> ConfigLoader.load(source));
        assertEquals(messages(fromFile), messages(fromText));
        assertTrue(Files.notExists(nowhere.getParent()));
    }

    @Test
    void theCorpusIsLargeAndHasFilesWithSeveralErrors() throws Exception {
        List<Path> files = corpus().toList();
        assertTrue(files.size() >= 30, "at least 30 malformed configs, found " + files.size());
        long multi = 0;
        for (Path f : files) {
            multi += expectations(f).size() >= 2 ? 1 : 0;
        }
        assertTrue(multi >= 5, "several files with 2+ errors reported at once, found " + multi);
    }

    private static List<String> messages(ConfigException e) {
        return e.errors().stream().map(err -> err.line() + ":" + err.column() + ": " + err.message()).toList();
    }

    static List<Expected> expectations(Path file) throws IOException {
        List<Expected> expected = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("#")) {
                break;
            }
            Matcher m = EXPECT.matcher(line);
            if (m.matches()) {
                expected.add(new Expected(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3)));
            }
        }
        return expected;
    }

    /** Every path under {@code dir} with its size and modification time. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                state.put(dir.relativize(p).toString(), a.size() + " " + a.lastModifiedTime().toMillis());
            }
        }
        return state;
    }
}
