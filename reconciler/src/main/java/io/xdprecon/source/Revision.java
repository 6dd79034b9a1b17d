package io.xdprecon.source;

import java.util.Objects;
import java.util.Optional;

/**
 * One version of the config as a source delivers it.
 *
 * @param id       what identifies this version: a commit id for Git, the SHA-256 of the text for a file
 * @param name     where it came from, for messages (file:line:col errors name it): a path, or
 *                 {@code REPO@COMMIT:path}
 * @param text     the config document
 * @param summary  a line for people: the commit's subject and author, or the file's modification time
 */
public record Revision(String id, String name, String text, Optional<String> summary) {
    public Revision {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(summary, "summary");
    }

    /** The first 12 characters of the id, as status lines show it. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
