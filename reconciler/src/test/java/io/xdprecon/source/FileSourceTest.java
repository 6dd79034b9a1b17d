package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {

    @TempDir
    Path dir;

    @Test
    void fileRevisionIsTheHashOfItsBytes() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []\n");
        try (FileSource source = new FileSource(f)) {
            Revision r = source.poll();
            assertEquals("flows: []\n", r.text());
            assertEquals(f.toString(), r.name());
            // sha256("flows: []\n")
            assertEquals(FileSource.sha256("flows: []\n".getBytes()), r.id());
            assertEquals(64, r.id().length());
            assertTrue(r.summary().orElseThrow().startsWith("modified "));
            assertEquals("file " + f, source.describe());

            assertEquals(r.id(), source.poll().id(), "an unchanged file is the same revision");
            Files.writeString(f, "flows: [] # edited\n");
            assertNotEquals(r.id(), source.poll().id());
        }
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("nope.yaml");
        try (FileSource source = new FileSource(f)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("does not exist"), e.getMessage());
        }
    }

    @Test
    void directoryWithExactlyOneYamlFile() throws Exception {
        Files.writeString(dir.resolve("README.md"), "not config");
        Path f = Files.writeString(dir.resolve("edge.yaml"), "flows: []\n");
        try (FileSource source = new FileSource(dir)) {
            Revision r = source.poll();
            assertEquals(f.toString(), r.name());
            assertEquals("directory " + dir, source.describe());
        }
    }

    @Test
    void directoryWithNoYamlFileIsRefused() throws Exception {
        Files.writeString(dir.resolve("README.md"), "not config");
        try (FileSource source = new FileSource(dir)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains("holds no *.yaml file; it must hold exactly one"), e.getMessage());
        }
    }

    @Test
    void directoryWithTwoYamlFilesNamesThem() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "flows: []\n");
        Files.writeString(dir.resolve("b.yml"), "flows: []\n");
        try (FileSource source = new FileSource(dir)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains("holds 2 YAML files (a.yaml, b.yml); it must hold exactly one"), e.getMessage());
        }
    }

    @Test
    void watchSeesAnAtomicReplace() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []\n");
        try (FileSource source = new FileSource(f)) {
            String before = source.poll().id();
            CountDownLatch changed = new CountDownLatch(1);
            source.watch(changed::countDown);

            // What editors do: write a temporary file, rename it over the config.
            Path tmp = Files.writeString(dir.resolve(".flows.yaml.swp"), "flows: [] # new\n");
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertTrue(changed.await(20, TimeUnit.SECONDS), "the watch reported the replace");
            assertNotEquals(before, source.poll().id());
            assertEquals("flows: [] # new\n", source.poll().text());
        }
    }

    @Test
    void watchOfADirectorySeesANewYamlFileAndStopsOnClose() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []\n");
        CountDownLatch changed = new CountDownLatch(1);
        FileSource source = new FileSource(dir);
        source.watch(changed::countDown);
        Files.writeString(f, "flows: [] # modified\n");
        assertTrue(changed.await(20, TimeUnit.SECONDS), "the watch reported the write");
        source.close();

        CountDownLatch after = new CountDownLatch(1);
        FileSource again = new FileSource(dir);
        again.watch(after::countDown);
        again.close();
        Files.writeString(f, "flows: [] # after close\n");
        // A closed watch has no thread left to call back; poll still works on a closed file source.
        assertEquals("flows: [] # after close\n", again.poll().text());
    }
}
