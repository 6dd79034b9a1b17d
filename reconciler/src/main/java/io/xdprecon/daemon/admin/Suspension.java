package io.xdprecon.daemon.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Whether the daemon is suspended, kept in its state directory so that it outlives the process: {@code xdprecon
 * suspend} (or {@code POST /suspend}) writes the file, {@code resume} removes it, and a daemon that starts while
 * it exists starts suspended — a node held still for an investigation does not start writing again because the
 * daemon restarted (an upgrade, the watchdog, a reboot).
 */
public final class Suspension {
    /** Its file's name in the daemon's state directory. */
    public static final String FILE_NAME = "suspended";

    private Suspension() {}

    /** The file in {@code stateDir}. */
    public static Path file(Path stateDir) {
        return stateDir.resolve(FILE_NAME);
    }

    public static boolean isSet(Path stateDir) {
        return Files.exists(file(stateDir));
    }

    /** Marks {@code stateDir} suspended, saying when and by what ({@code by}: "xdprecon suspend", "POST /suspend"). */
    public static void set(Path stateDir, String by) throws IOException {
        Files.createDirectories(stateDir);
        Files.writeString(file(stateDir), "suspended at " + Instant.now() + " by " + by + "\n", StandardCharsets.UTF_8);
    }

    /** Removes the mark; true when there was one. */
    public static boolean clear(Path stateDir) throws IOException {
        return Files.deleteIfExists(file(stateDir));
    }
}
