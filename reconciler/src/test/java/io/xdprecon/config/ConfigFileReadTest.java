package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code load} reads, and what it says when it cannot: only regular files, every cause named. */
class ConfigFileReadTest {
    @TempDir
    Path dir;

    private List<String> errors(Path file) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).lines();
    }

    @Test
    void aFifoIsRefusedNotReadSoNothingHangs() throws Exception {
        Path fifo = dir.resolve("flows.yaml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<String> errors = CompletableFuture.supplyAsync(() -> errors(fifo)).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(fifo + ": is a FIFO (named pipe), not a regular file"), errors);
    }

    @Test
    void aDeviceIsRefused() {
        assertEquals(List.of("/dev/zero: is a character device, not a regular file"), errors(Path.of("/dev/zero")));
    }

    @Test
    void textThatIsNotUtf8IsPlacedByLineColumnAndByteOffset() throws Exception {
        byte[] head = "apiVersion: xdprecon.io/v1\nflows:\n  - name: caf".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xe9; // Latin-1 é
        bytes[head.length + 1] = '\n';
        Path file = Files.write(dir.resolve("latin1.yaml"), bytes);
        assertEquals(List.of(file + ":3:14: is not UTF-8 text: byte 0xe9 at offset " + head.length + " (line 3, column 14)"),
                errors(file));
    }

    /** As root the test drops the capabilities that let root read anything, as an unprivileged user has none. */
    @Test
    void anUnreadableFileSaysPermissionDenied() throws Exception {
        Path file = Files.writeString(dir.resolve("flows.yaml"), "apiVersion: xdprecon.io/v1\n");
        Files.setPosixFilePermissions(file, java.util.Set.of());
        Process validate = new ProcessBuilder("setpriv", "--bounding-set=-dac_override,-dac_read_search",
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                "io.xdprecon.cli.Main", "validate", file.toString()).redirectErrorStream(true).start();
        String out = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, validate.waitFor(), out);
        assertEquals(file + ": cannot be read: permission denied\n", out);
    }
}
