package io.xdprecon.source;

import io.xdprecon.config.ConfigInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of the config as a source delivers it: one file, or the YAML files of a directory. No text is held:
 * each file is opened when read ({@link ConfigInput#bytes()}), and carries the id of its content (a SHA-256, a Git
 * blob id), so a loader reads again only the files whose id changed ({@code config.ConfigCache}).
 *
 * @param id       what identifies this version: a commit id for Git, a SHA-256 of the content for a file or directory
 * @param name     where it came from, for messages: a path, or {@code REPO@COMMIT:path}; the root of {@code files}
 * @param files    the config's files, in path order, each named under {@code name} (the file itself when it is one)
 * @param summary  a line for people: the commit's subject and author, or the file's modification time
 */
public record Revision(String id, String name, List<ConfigInput> files, Optional<String> summary) {
    public Revision {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        files = List.copyOf(files);
        Objects.requireNonNull(summary, "summary");
    }

    /** A revision of one file whose content is {@code text}, held in memory (tests). */
    public Revision(String id, String name, String text, Optional<String> summary) {
        this(id, name, List.of(ConfigInput.ofText(Path.of(name), text)), summary);
    }

    /** What {@link #files()} are named under: the file, or the directory. */
    public Path root() {
        return Path.of(name);
    }

    /** The text of a revision of one file: for small documents and tests; the loader streams {@link #files()}. */
    public String text() {
        if (files.size() != 1) {
            throw new IllegalStateException(name + " is " + files.size() + " files, not one");
        }
        try (InputStream in = files.getFirst().bytes().open()) {
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
