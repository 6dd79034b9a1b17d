package io.xdprecon.config;

import io.xdprecon.host.RegularFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One file of a config, as a source delivers it: its name for messages, an id of its content, and a way to
 * read its bytes — as often as needed (a file with a problem is read again to place it), always the same
 * bytes for the same id. The loader never holds a file's text: it streams it.
 *
 * @param name  the path messages show ({@code file:line:col})
 * @param id    identifies the content: the SHA-256 of the bytes, or the Git blob id
 * @param bytes opens the content; each call starts from the beginning
 */
public record ConfigInput(Path name, String id, Opener bytes) {
    /** Opens a file's content. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    public ConfigInput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bytes, "bytes");
    }

    /**
     * A file on disk, read when needed; {@code id} is what the caller knows of its content. Only a regular file is
     * opened: a FIFO would block the read forever ({@link RegularFile.NotRegular} says what it is instead).
     */
    public static ConfigInput of(Path file, String id) {
        return new ConfigInput(file, id, () -> RegularFile.open(file));
    }

    /** Text in memory (a test, a command's argument), named {@code name}. */
    public static ConfigInput ofText(Path name, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return new ConfigInput(name, sha256(utf8), () -> new ByteArrayInputStream(utf8));
    }

    /** Lower-case hex SHA-256 of {@code bytes}: the id of a file's content. */
    public static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
