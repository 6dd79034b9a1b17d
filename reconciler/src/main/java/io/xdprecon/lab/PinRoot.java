package io.xdprecon.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fresh bpffs directory {@code /sys/fs/bpf/xdprecon-test-ID} for one test's or lab's pins;
 * {@link #close()} removes it with every pin inside (the kernel frees a map once nothing holds it).
 * {@link Lab#cleanupLeftovers()} removes those a killed run left behind.
 */
public record PinRoot(Path path) implements AutoCloseable {

    /** Creates a pin root with a new unique id. */
    public static PinRoot create() {
        return create(Lab.newId());
    }

    /** Creates {@code /sys/fs/bpf/xdprecon-test-ID}; fails if it exists. */
    public static PinRoot create(String id) {
        Path path = Lab.BPFFS.resolve(Lab.PIN_PREFIX + id);
        try {
            Files.createDirectory(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pin root " + path, e);
        }
        return new PinRoot(path);
    }

    /** Removes the directory and everything pinned in it; idempotent. */
    @Override
    public void close() {
        Lab.deleteRecursively(path);
    }
}
