package io.xdprecon.source;

import io.xdprecon.config.ConfigInput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {

    @TempDir
    Path dir;

    @Test
    void aRevisionHoldsNoTextAndRefusesBytesOtherThanItsOwn() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []  # v1\n");
        try (FileSource source = new FileSource(f, Duration.ZERO)) {
            Revision r = source.poll();
            assertEquals("flows: []  # v1\n", r.text(), "read again from the file, as often as asked");
            assertEquals("flows: []  # v1\n", r.text());
            Files.writeString(f, "flows: []  # v2\n");
            java.io.UncheckedIOException changed = assertThrows(java.io.UncheckedIOException.class, r::text);
            assertTrue(changed.getCause().getMessage().contains("changed since revision " + r.shortId()),
                    changed.getCause().getMessage());
            assertEquals("flows: []  # v2\n", source.poll().text(), "the next poll is the new revision");
        }
    }

    /**
     * A poll of a directory whose files did not change takes each file's id after a stat, on the polling thread: it
     * started a pool of two reader threads at each read (a daemon polls every interval). Fails before: 2 threads.
     */
    @Test
    void aPollOfUnchangedFilesStatsThemAndStartsNoThread() throws Exception {
        Path config = Files.createDirectories(dir.resolve("fleet"));
        java.nio.file.attribute.FileTime past = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(FileSource.RACY.multipliedBy(10)));
        for (String name : List.of("base.yaml", "a.yaml", "b.yaml")) {
            Files.setLastModifiedTime(Files.writeString(config.resolve(name), "flows: []  # " + name + "\n"), past);
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (FileSource source = new FileSource(config, Duration.ZERO)) {
            Revision first = source.poll(); // reads every file: on every core
            long started = threads.getTotalStartedThreadCount();
            Revision again = source.poll();
            assertEquals(first.id(), again.id());
            assertEquals(started, threads.getTotalStartedThreadCount(), "no reader thread for files that need a stat");
            Files.setLastModifiedTime(Files.writeString(config.resolve("a.yaml"), "flows: []  # changed\n"), past);
            assertNotEquals(first.id(), source.poll().id(), "a file whose size changed is read");
        }
    }

    /**
     * The daemon's start calls prefetch as it opens the source: every file is digested, and the settle time passes, on a
     * thread of its own while the daemon makes the rest of itself; its first poll takes what the prefetch read and reads
     * no file again where a stat vouches for it. Fails before (prefetch did nothing): the prefetch never ends.
     */
    @Test
    void aPrefetchReadsTheConfigOnAThreadOfItsOwnAndTheFirstPollTakesIt() throws Exception {
        Path config = Files.createDirectories(dir.resolve("fleet"));
        java.nio.file.attribute.FileTime past = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(FileSource.RACY.multipliedBy(10)));
        for (String name : List.of("base.yaml", "a.yaml", "b.yaml")) {
            Files.setLastModifiedTime(Files.writeString(config.resolve(name), "flows: []  # " + name + "\n"), past);
        }
        String expected;
        try (FileSource fresh = new FileSource(config, Duration.ZERO)) {
            expected = fresh.poll().id();
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (FileSource source = new FileSource(config, Duration.ofMillis(50))) {
            source.prefetch();
            await("the prefetch read the config", source::prefetchEnded);
            long started = threads.getTotalStartedThreadCount();
            assertEquals(expected, source.poll().id());
            assertEquals(started, threads.getTotalStartedThreadCount(), "the first poll digests nothing: the prefetch did");
            source.prefetch();
            assertFalse(source.prefetchEnded(), "a prefetch after a poll starts nothing");
            assertEquals(started, threads.getTotalStartedThreadCount());
        }
    }

    /**
     * A daemon's start reads its first revision while it makes the rest of itself: the prefetch hands the revision it
     * read complete, on its own thread, before the first poll returns the same one (issue 9). Fails before: no revision
     * is handed over before the poll.
     */
    @Test
    void aPrefetchHandsTheRevisionItReadCompleteOverBeforeTheFirstPoll() throws Exception {
        Path config = Files.createDirectories(dir.resolve("fleet"));
        for (String name : List.of("base.yaml", "a.yaml", "b.yaml")) {
            Files.writeString(config.resolve(name), "flows: []  # " + name + "\n");
        }
        List<Revision> handed = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> on = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (FileSource source = new FileSource(config, Duration.ofMillis(50))) {
            source.prefetch(revision -> {
                handed.add(revision);
                on.add(Thread.currentThread().getName());
            });
            await("the prefetch read the config", source::prefetchEnded);
            assertEquals(1, handed.size(), "handed over once, before any poll");
            assertEquals(List.of("xdprecon-file-prefetch"), on);
            Revision polled = source.poll();
            assertEquals(polled.id(), handed.getFirst().id());
            assertEquals(polled.files().stream().map(f -> f.name() + "@" + f.id()).toList(),
                    handed.getFirst().files().stream().map(f -> f.name() + "@" + f.id()).toList());
            source.prefetch(revision -> handed.add(revision));
            assertEquals(1, handed.size(), "a prefetch after a poll hands nothing");
        }
    }

    /** A prefetch that fails hands no revision over: the failure is the first poll's. */
    @Test
    void aPrefetchThatFailsHandsNothingOver() throws Exception {
        Path f = dir.resolve("flows.yaml");
        List<Revision> handed = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (FileSource source = new FileSource(f, Duration.ZERO)) {
            source.prefetch(handed::add);
            await("the prefetch ended", source::prefetchEnded);
            assertThrows(SourceException.class, source::poll);
            assertEquals(List.of(), handed);
        }
    }

    /** What a prefetch threw is the first poll's; the next poll reads again. */
    @Test
    void aPrefetchThatFailsFailsTheFirstPollOnly() throws Exception {
        Path f = dir.resolve("flows.yaml");
        try (FileSource source = new FileSource(f, Duration.ZERO)) {
            source.prefetch();
            await("the prefetch ended", source::prefetchEnded);
            Files.writeString(f, "flows: []  # v1\n");
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertEquals("config file " + f + " does not exist", e.getMessage());
            assertEquals("flows: []  # v1\n", source.poll().text());
        }
    }

    /**
     * A writer that rewrites the file in place and pauses longer than the settle time while the prefetch reads it
     * (before the daemon watches: only the settle protects a poll then) leaves a half the prefetch takes for complete;
     * the writer closes before the watch starts, so no event tells. The first poll reads again and finds the file
     * changed since: it settles anew and returns the whole file, never the half. A prefetch handed to the first poll
     * as it stood returns the half's revision (whose files then fail their check: their bytes are gone).
     */
    @Test
    void aFileWrittenDuringAPrefetchIsNotTakenHalfWritten() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []  # v1\n");
        try (FileSource source = new FileSource(f, Duration.ofMillis(50))) {
            try (FileChannel writer = halfReadByAPrefetch(source, f)) {
                writer.write(ByteBuffer.wrap("0007\n".getBytes(StandardCharsets.UTF_8)));
            }
            source.watch(() -> { });
            assertEquals("flows:\n  - server: 10.0.0.2:40007\n", source.poll().text());
        }
    }

    /**
     * The same writer at work again once the daemon watches: the first poll waits for it to close the file, as any
     * watched poll does, although the prefetch took the file for complete.
     */
    @Test
    void theFirstPollAfterAPrefetchWaitsForAWriterTheWatchSees() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []  # v1\n");
        try (FileSource source = new FileSource(f, Duration.ofMillis(50))) {
            try (FileChannel writer = halfReadByAPrefetch(source, f)) {
                source.watch(() -> { });
                writer.write(ByteBuffer.wrap("00".getBytes(StandardCharsets.UTF_8)));
                awaitWriterSeen(source);
                CompletableFuture<Revision> poll = pollInBackground(source);
                Thread.sleep(source.settle().multipliedBy(3)); // the pause under test
                assertFalse(poll.isDone(), "a poll returned while the writer had the file open: " + poll.getNow(null));
                writer.write(ByteBuffer.wrap("07\n".getBytes(StandardCharsets.UTF_8)));
                writer.close();
                assertEquals("flows:\n  - server: 10.0.0.2:40007\n", poll.get(10, TimeUnit.SECONDS).text());
            }
        }
    }

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
    void textThatIsNotUtf8IsPlacedByOffsetLineAndColumn() throws Exception {
        Path f = Files.write(dir.resolve("flows.yaml"), new byte[] {'a', ':', ' ', '1', '\n', 'b', (byte) 0xff, '\n'});
        try (FileSource source = new FileSource(f)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertEquals("config file " + f + " is not UTF-8 text: byte 0xff at offset 6 (line 2, column 2)", e.getMessage());
            // The digest and the decoder this thread read it with are reused: what the failed read left in them is not.
            Files.writeString(f, "flows: []\n");
            assertEquals(FileSource.sha256("flows: []\n".getBytes()), source.poll().id(), "the bytes now there, alone");
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
    void directoryWithOneYamlFile() throws Exception {
        Files.writeString(dir.resolve("README.md"), "not config");
        Path f = Files.writeString(dir.resolve("edge.yaml"), "flows: []\n");
        try (FileSource source = new FileSource(dir)) {
            Revision r = source.poll();
            assertEquals(dir.toString(), r.name());
            assertEquals(java.util.List.of(f), r.files().stream().map(ConfigInput::name).toList());
            assertEquals("flows: []\n", r.text());
            assertEquals("directory " + dir, source.describe());
        }
    }

    @Test
    void directoryWithNoYamlFileIsRefused() throws Exception {
        Files.writeString(dir.resolve("README.md"), "not config");
        try (FileSource source = new FileSource(dir)) {
            SourceException e = assertThrows(SourceException.class, source::poll);
            assertTrue(e.getMessage().contains("holds no *.yaml or *.yml file"), e.getMessage());
        }
    }

    @Test
    void aDirectoryRevisionIsItsYamlFilesInPathOrderEachByItsHash() throws Exception {
        Path a = Files.writeString(dir.resolve("a.yaml"), "flows: []\n");
        Path b = Files.writeString(dir.resolve("b.yml"), "flows: [] # b\n");
        Files.createDirectories(dir.resolve("flows"));
        Files.createDirectories(dir.resolve(".git"));
        Path c = Files.writeString(dir.resolve("flows/c.yaml"), "flows: [] # c\n");
        Files.writeString(dir.resolve(".git/x.yaml"), "hidden");
        Files.writeString(dir.resolve("notes.txt"), "not config");
        try (FileSource source = new FileSource(dir, Duration.ZERO)) {
            Revision first = source.poll();
            assertEquals(java.util.List.of(a, b, c), first.files().stream().map(ConfigInput::name).toList());
            assertEquals(java.util.List.of(FileSource.sha256("flows: []\n".getBytes()), FileSource.sha256("flows: [] # b\n".getBytes()),
                    FileSource.sha256("flows: [] # c\n".getBytes())), first.files().stream().map(ConfigInput::id).toList());
            Files.writeString(c, "flows: [] # c2\n");
            Revision second = source.poll();
            assertNotEquals(first.id(), second.id(), "a changed file is a new revision of the directory");
            assertEquals(FileSource.sha256("flows: [] # c2\n".getBytes()), second.files().get(2).id());
            Files.delete(b);
            assertEquals(java.util.List.of(a, c), source.poll().files().stream().map(ConfigInput::name).toList());
            Files.writeString(dir.resolve("notes.txt"), "still not config");
            assertEquals(source.poll().id(), source.poll().id());
        }
    }

    @Test
    void aFileWhoseSizeTimeAndInodeStayIsNotReadAgainUnlessItsTimeIsRecent() throws Exception {
        Path a = Files.writeString(dir.resolve("a.yaml"), "flows: [] # 1\n");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60));
        Files.setLastModifiedTime(a, old);
        try (FileSource source = new FileSource(dir, Duration.ZERO)) {
            String first = source.poll().files().getFirst().id();
            // Same size, same time, same inode: the id it had (what git's index does; the bytes are not read).
            Files.writeString(a, "flows: [] # 2\n");
            Files.setLastModifiedTime(a, old);
            assertEquals(first, source.poll().files().getFirst().id(), "not read again");
            // A recent modification time does not vouch for the bytes (a write within the same clock tick).
            Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
            assertEquals(FileSource.sha256("flows: [] # 2\n".getBytes()), source.poll().files().getFirst().id());
        }
    }

    @Test
    void watchOfADirectorySeesFilesInSubdirectoriesAndNewSubdirectories() throws Exception {
        Files.createDirectories(dir.resolve("flows"));
        Path f = Files.writeString(dir.resolve("flows/a.yaml"), "flows: []\n");
        java.util.concurrent.Semaphore changes = new java.util.concurrent.Semaphore(0);
        try (FileSource source = new FileSource(dir)) {
            source.watch(changes::release);
            Files.writeString(f, "flows: [] # modified\n");
            assertTrue(changes.tryAcquire(20, TimeUnit.SECONDS), "a write in a subdirectory was reported");
            Files.createDirectories(dir.resolve("more"));
            assertTrue(changes.tryAcquire(20, TimeUnit.SECONDS), "a new subdirectory was reported");
            changes.drainPermits();
            Files.writeString(dir.resolve("more/b.yaml"), "flows: []\n");
            assertTrue(changes.tryAcquire(20, TimeUnit.SECONDS), "a file in the new subdirectory was reported");
            assertEquals(2, source.poll().files().size());
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

    // ---- a file is read only once it is complete ------------------------------------------------------------

    /**
     * A writer rewriting {@code file} in place, paused after a half that parses (the server port cut after its first
     * digits) while {@code source}, unwatched, prefetched it: its channel, open.
     */
    private static FileChannel halfReadByAPrefetch(FileSource source, Path file) throws Exception {
        FileChannel writer = rewriteInPlace(file, "flows:\n  - server: 10.0.0.2:4");
        source.prefetch();
        await("the prefetch read the half", source::prefetchEnded);
        return writer;
    }

    /** Rewrites {@code file} in place as cp and {@code >} do: truncate, then write; the channel stays open. */
    private static FileChannel rewriteInPlace(Path file, String firstPart) throws Exception {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        channel.write(ByteBuffer.wrap(firstPart.getBytes(StandardCharsets.UTF_8)));
        return channel;
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 10 s: " + what);
            Thread.sleep(5); // the watch thread marks the file: nothing to wait on from here
        }
    }

    private static void awaitWriterSeen(FileSource source) throws Exception {
        await("the watch sees the writer at work", () -> {
            try {
                return source.isBeingWritten();
            } catch (SourceException e) {
                throw new AssertionError(e);
            }
        });
    }

    private static CompletableFuture<Revision> pollInBackground(FileSource source) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return source.poll();
            } catch (SourceException e) {
                throw new CompletionException(e);
            }
        });
    }

    @Test
    void aWatchedFileIsNotReadWhileItsWriterPausesWithItOpen() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []  # v1\n");
        try (FileSource source = new FileSource(f)) {
            assertEquals("flows: []  # v1\n", source.poll().text());
            AtomicInteger callbacks = new AtomicInteger();
            source.watch(callbacks::incrementAndGet);

            // A half that parses on its own: the server port cut after its first digits.
            try (FileChannel writer = rewriteInPlace(f, "flows:\n  - server: 10.0.0.2:4")) {
                awaitWriterSeen(source);
                CompletableFuture<Revision> poll = pollInBackground(source);
                // The writer pauses longer than the settle time: the poll must still not take the half.
                Thread.sleep(source.settle().multipliedBy(3)); // the pause under test
                assertFalse(poll.isDone(), "a poll returned while the writer had the file open: " + poll.getNow(null));
                assertEquals(0, callbacks.get(), "a write alone does not report a change");
                writer.write(ByteBuffer.wrap("0007\n".getBytes(StandardCharsets.UTF_8)));
                writer.close();
                assertEquals("flows:\n  - server: 10.0.0.2:40007\n", poll.get(10, TimeUnit.SECONDS).text());
            }
            await("the closed write is reported", () -> callbacks.get() >= 1);
        }
    }

    @Test
    void aFileThatKeepsChangingIsNotReadUntilItSettles() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "");
        try (FileSource source = new FileSource(f, Duration.ofMillis(400))) {
            // Unwatched: only the two reads a settle time apart protect the poll. Appends every 20 ms, then stops.
            CountDownLatch started = new CountDownLatch(1);
            Thread writer = Thread.ofPlatform().start(() -> {
                try (FileChannel channel = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    for (int i = 0; i < 40; i++) {
                        channel.write(ByteBuffer.wrap(("# line " + i + "\n").getBytes(StandardCharsets.UTF_8)));
                        started.countDown();
                        Thread.sleep(20); // the writer's pace, below the settle time
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            started.await();
            String text = source.poll().text();
            writer.join();
            assertEquals(Files.readString(f), text, "the poll returned the file only once it stopped changing");
            assertTrue(text.endsWith("# line 39\n"), text);
        }
    }

    @Test
    void aFileHeldOpenLongerThanTheWaitIsReportedAsBeingWrittenAndReadOnceClosed() throws Exception {
        Path f = Files.writeString(dir.resolve("flows.yaml"), "flows: []  # v1\n");
        try (FileSource source = new FileSource(f, Duration.ofMillis(50))) {
            CountDownLatch reported = new CountDownLatch(1);
            source.watch(reported::countDown);
            try (FileChannel writer = rewriteInPlace(f, "flows: []  # v2, half")) {
                awaitWriterSeen(source);
                SourceException e = assertThrows(SourceException.class, source::poll);
                assertEquals("config file " + f + " is being written: a writer has not closed it for the last "
                        + source.maxWait().toMillis() + " ms; it is read once it is complete", e.getMessage());
                writer.write(ByteBuffer.wrap(" and the rest\n".getBytes(StandardCharsets.UTF_8)));
            }
            assertTrue(reported.await(10, TimeUnit.SECONDS), "the closed write is reported");
            assertEquals("flows: []  # v2, half and the rest\n", source.poll().text());
        }
    }
}
