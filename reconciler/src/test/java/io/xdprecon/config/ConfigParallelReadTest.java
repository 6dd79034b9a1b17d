package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.lab.FleetConfigs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of a config directory are read on several threads (issue 9: a split config must start faster than one
 * file, on both cores) and the load is what reading them one by one gives: the same config, the same errors in the
 * same order, the bound of a directory met at the same file, a reader's exception of the first file that throws.
 */
class ConfigParallelReadTest {
    private static final InterfaceResolver LAB = InterfaceResolver.of(Map.of("pc", 2, "ps", 3));
    /** How long a reader waits for another file's reader before the test calls the files read one by one. */
    private static final long PATIENCE_SECONDS = 30;

    @TempDir
    Path dir;

    private static Config loaded(Path root, List<ConfigInput> files, int threads) {
        return ConfigLoader.assemble(root, ConfigLoader.readAll(root, files, FileParser::parse, threads));
    }

    private static List<String> refused(Path root, List<ConfigInput> files, int threads) {
        return assertThrows(ConfigException.class, () -> loaded(root, files, threads)).lines();
    }

    @Test
    void aDirectoryReadOnSeveralThreadsIsTheDirectoryReadOneByOne() {
        Path root = dir.resolve("fleet");
        FleetConfigs.writeDirectory(root, 4000, 40, FleetConfigs.Keys.RANDOM, 11);
        List<ConfigInput> files = ConfigLoader.directory(root);
        var oneByOne = loaded(root, files, 1).forNode("n", LAB).rules();
        assertEquals(8000, oneByOne.size());
        for (int threads : new int[] {2, 3, 8}) {
            assertEquals(oneByOne, loaded(root, files, threads).forNode("n", LAB).rules(), threads + " threads");
        }
        assertEquals(oneByOne, ConfigLoader.load(root).forNode("n", LAB).rules(), "a load reads them so");
    }

    @Test
    void theErrorsOfFilesReadOnSeveralThreadsAreThoseOfTheFilesReadOneByOne() throws Exception {
        Path root = dir.resolve("fleet");
        FleetConfigs.writeDirectory(root, 4000, 40, FleetConfigs.Keys.EVEN, 11);
        // A file's own errors in three files, and a flow of file 5 again in file 32: a problem between two files.
        Files.writeString(FleetConfigs.flowFile(root, 3), "  - name: bad\n    client: nowhere\n",
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(FleetConfigs.flowFile(root, 17), "  - {name: x, unknown: 1}\n",
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(FleetConfigs.flowFile(root, 38), "flows: []\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(FleetConfigs.flowFile(root, 32), FleetConfigs.flow(5, FleetConfigs.Keys.EVEN, 11, 0),
                java.nio.file.StandardOpenOption.APPEND);
        List<ConfigInput> files = ConfigLoader.directory(root);
        List<String> oneByOne = refused(root, files, 1);
        for (String file : List.of("0003.yaml", "0017.yaml", "0038.yaml", "0032.yaml")) {
            assertTrue(oneByOne.stream().anyMatch(line -> line.contains(file)), file + " in " + oneByOne);
        }
        for (int threads : new int[] {2, 3, 8}) {
            assertEquals(oneByOne, refused(root, files, threads), threads + " threads");
        }
        assertEquals(oneByOne, assertThrows(ConfigException.class, () -> ConfigLoader.load(root)).lines());
    }

    @Test
    void resultsStayInPathOrderWhenALaterFileIsReadFirst() throws Exception {
        Path root = dir.resolve("fleet");
        FleetConfigs.writeDirectory(root, 300, 6, FleetConfigs.Keys.EVEN, 11);
        List<ConfigInput> files = ConfigLoader.directory(root); // base.yaml, then flows/0000..0005.yaml
        CountDownLatch fourthRead = new CountDownLatch(1);
        List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ParsedFile> parsed = ConfigLoader.readAll(root, files, (input, prefix, part) -> {
            if (input.equals(files.get(1))) {
                await(fourthRead); // read one by one, this file would wait for ever
            }
            ParsedFile file = FileParser.parse(input, prefix, part);
            finished.add(prefix);
            if (input.equals(files.get(4))) {
                fourthRead.countDown();
            }
            return file;
        }, 4);
        assertTrue(finished.indexOf("/flows~10003.yaml") < finished.indexOf("/flows~10000.yaml"), finished.toString());
        assertEquals(files, parsed.stream().map(ParsedFile::input).toList(), "in path order");
        assertEquals(ConfigLoader.load(root).forNode("n", LAB).rules(),
                ConfigLoader.assemble(root, parsed).forNode("n", LAB).rules());
    }

    @Test
    void theExceptionOfTheFirstFileInPathOrderIsThrownThoughALaterOneThrewFirst() {
        Path root = Path.of("conf.d");
        List<ConfigInput> files = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            files.add(ConfigInput.ofText(root.resolve("f" + i + ".yaml"), "flows: []\n"));
        }
        CountDownLatch laterThrew = new CountDownLatch(1);
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> ConfigLoader.readAll(root, files,
                (input, prefix, part) -> {
                    if (input.equals(files.get(2))) {
                        await(laterThrew);
                        throw new IllegalStateException("f2");
                    }
                    if (input.equals(files.get(5))) {
                        laterThrew.countDown();
                        throw new IllegalStateException("f5");
                    }
                    return FileParser.parse(input, prefix, part);
                }, 4));
        assertEquals("f2", thrown.getMessage());
    }

    @Test
    void aDirectoryPastItsBoundFailsAtTheSameFileAndReadsAtMostTwoFilesAThreadBeyondIt() {
        // Each file claims a third of the bound and a little: the third passes it, as in ConfigBoundsTest, whose files
        // of 44 Mi characters each this test does not stream again.
        Path root = Path.of("conf.d");
        List<ConfigInput> files = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            files.add(ConfigInput.ofText(root.resolve("f%02d.yaml".formatted(i)), "flows: []\n"));
        }
        long third = YamlReader.MAX_CODE_POINTS / 3 + 1024;
        List<String> expected = List.of("conf.d/f02.yaml: the config's files hold more than 134217728 characters (128 Mi)"
                + " with this one, the bound of a config directory as of one file; the files after it were not read");
        for (int threads : new int[] {1, 2, 4}) {
            AtomicInteger read = new AtomicInteger();
            ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.readAll(root, files,
                    (input, prefix, part) -> {
                        read.incrementAndGet();
                        return claiming(FileParser.parse(input, prefix, part), third);
                    }, threads));
            assertEquals(expected, refused.lines(), threads + " threads");
            assertTrue(read.get() <= 3 + 2 * threads, read.get() + " files read on " + threads + " threads");
        }
    }

    @Test
    void theDaemonsCacheReadsTheFilesOfADirectoryOnSeveralThreads() {
        Path root = Path.of("/srv/fleet");
        CountDownLatch secondOpened = new CountDownLatch(1);
        List<ConfigInput> files = List.of(
                opened(root.resolve("a.yaml"), FleetConfigs.base(FleetConfigs.maxRules(1), false), () -> await(secondOpened)),
                opened(root.resolve("b.yaml"), "flows:\n" + FleetConfigs.flow(0, FleetConfigs.Keys.EVEN, 7, 0),
                        secondOpened::countDown));
        ConfigCache cache = new ConfigCache();
        Config config = cache.load(root, files);
        assertEquals(2, config.forNode("n", LAB).rules().size());
        assertEquals(new ConfigCache.Reads(2, 0), cache.lastReads());
        cache.load(root, files);
        assertEquals(new ConfigCache.Reads(0, 2), cache.lastReads(), "kept across loads as before");
    }

    /** {@code text} as a file with an id, running {@code onOpen} each time it is opened. */
    private static ConfigInput opened(Path name, String text, Runnable onOpen) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return new ConfigInput(name, ConfigInput.sha256(utf8), () -> {
            onOpen.run();
            return new ByteArrayInputStream(utf8);
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the other file was never read: read one by one?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code file} as if it held {@code characters}. */
    private static ParsedFile claiming(ParsedFile file, long characters) {
        return new ParsedFile(file.input(), file.prefix(), file.way(), file.readable(), file.base(), file.nodes(),
                file.flows(), file.unreadFlows(), file.rejected(), file.errors(), file.unkept(), file.sourceMap(),
                file.streamed(), file.sections(), file.checksum(), characters);
    }
}
