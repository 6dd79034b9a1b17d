package io.xdprecon.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of the config as a source delivers it.
 *
 * @param id       what identifies this version: a commit id for Git, the SHA-256 of the bytes for a file
 * @param name     where it came from, for messages (file:line:col errors name it): a path, or
 *                 {@code REPO@COMMIT:path}
 * @param content  opens the config document's bytes (UTF-8), the same bytes at every call: a file source reads
 *                 the file again (checked against the id) rather than hold a fleet's config in memory
 * @param summary  a line for people: the commit's subject and author, or the file's modification time
 */
public record Revision(String id, String name, Content content, Optional<String> summary) {
    /** Opens the document's bytes from the beginning. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    public Revision {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(summary, "summary");
    }

    /** A revision whose document is {@code text}, held in memory (Git blobs, tests). */
    public Revision(String id, String name, String text, Optional<String> summary) {
        this(id, name, inMemory(text), summary);
    }

    private static Content inMemory(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return () -> new ByteArrayInputStream(utf8);
    }

    /** The whole document as text: for small documents and tests; the loader streams {@link #content()}. */
    public String text() {
        try (InputStream in = content.open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first 12 characters of the id, as status lines show it. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
