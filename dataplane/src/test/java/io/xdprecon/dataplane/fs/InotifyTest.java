package io.xdprecon.dataplane.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real inotify on a temporary directory: what a writer, a rename and a deletion look like. */
class InotifyTest {
    @TempDir
    Path dir;

    /** Events until {@code last} arrives (at most 5 s). */
    private static List<Inotify.Event> until(Inotify watch, Inotify.Event last) {
        List<Inotify.Event> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!seen.contains(last) && System.nanoTime() < deadline) {
            seen.addAll(watch.next(Duration.ofMillis(100)));
        }
        return seen;
    }

    @Test
    void aWriterIsModifiedUntilItClosesTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("flows.yaml"), "v1\n");
        try (Inotify watch = Inotify.watch(dir)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap("v2, half".getBytes()));
                List<Inotify.Event> open = until(watch, new Inotify.Event(Inotify.Kind.MODIFIED, "flows.yaml"));
                assertTrue(open.contains(new Inotify.Event(Inotify.Kind.MODIFIED, "flows.yaml")), open.toString());
                assertEquals(List.of(), watch.next(Duration.ofMillis(200)).stream()
                        .filter(e -> e.kind() == Inotify.Kind.WRITE_CLOSED).toList(), "no close while the writer holds it");
            }
            Inotify.Event closed = new Inotify.Event(Inotify.Kind.WRITE_CLOSED, "flows.yaml");
            assertTrue(until(watch, closed).contains(closed));

            Path tmp = Files.writeString(dir.resolve(".flows.yaml.tmp"), "v3\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Inotify.Event movedIn = new Inotify.Event(Inotify.Kind.MOVED_IN, "flows.yaml");
            assertTrue(until(watch, movedIn).contains(movedIn));

            Files.delete(file);
            Inotify.Event deleted = new Inotify.Event(Inotify.Kind.DELETED, "flows.yaml");
            assertTrue(until(watch, deleted).contains(deleted));
        }
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path missing = dir.resolve("nope");
        RuntimeException e = assertThrows(RuntimeException.class, () -> Inotify.watch(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("No such file"), e.getMessage());
    }
}
