package io.xdprecon.daemon.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret a local operator shows to suspend or resume the daemon: made anew at each start, written to a
 * file only its owner (root) may read, sent as {@code Authorization: Bearer <token>}. Whoever can read the
 * file could as well stop the service; whoever cannot — a web page, a user behind a reverse proxy — cannot
 * forge the request.
 */
public final class ControlToken {
    /** Its file's name in the daemon's state directory. */
    public static final String FILE_NAME = "admin-token";

    private ControlToken() {}

    /** A new token (256 random bits, hex), written to {@code file} with mode 0600, replacing any older one. */
    public static String create(Path file) throws IOException {
        byte[] bits = new byte[32];
        new SecureRandom().nextBytes(bits);
        String token = HexFormat.of().formatHex(bits);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, FILE_NAME, ".new",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temp, token + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return token;
    }

    /** The token in {@code file} (its first line). */
    public static String read(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.US_ASCII)) {
            return lines.findFirst().orElse("").strip();
        }
    }
}
