package io.xdprecon.host;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes a directory tree: {@code rm -r} with the failures in words. The one way the project removes its state
 * directories, pin directories and temporary files, in two forms: {@link #delete} throws, for a tree that must go
 * (a failure is the caller's error); {@link #deleteOrWarn} logs, for a caller cleaning up after itself, whose
 * result stands whether the tree went or not.
 */
public final class FileTree {
    private FileTree() {}

    /**
     * A tree that was not deleted entirely. {@link #path()} is the first entry that stayed and the message says it and
     * why ("cannot delete /a/b/c: operation not permitted"); the entries that failed after it, independently of it,
     * are suppressed exceptions (the directories above a failed entry are not tried: they cannot be empty).
     */
    public static final class NotDeleted extends IOException {
        private final Path path;

        NotDeleted(Path path, IOException cause) {
            super("cannot delete " + path + ": " + IoErrors.cause(cause), cause);
            this.path = path;
        }

        /** The entry that stayed (the root or one under it). */
        public Path path() {
            return path;
        }
    }

    /**
     * Deletes {@code root} and everything under it, each directory's entries before the directory. Symbolic links are
     * never followed: a link in the tree, or {@code root} itself when it is one, is deleted as a link and its target is
     * left alone. A root or entry already gone counts as deleted (nothing to do when {@code root} does not exist).
     * After a failure the rest of the tree is still deleted as far as it can be, then the first failure is thrown.
     * Not proof against a tree being rearranged by someone else while it is deleted (a directory swapped for a link):
     * the trees deleted here are the process's own (temporary directories it made, its state and pin directories).
     */
    public static void delete(Path root) throws NotDeleted {
        List<NotDeleted> failures = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    remove(file, failures);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (!(e instanceof NoSuchFileException)) { // gone since its directory was read: fine
                        failures.add(new NotDeleted(file, e));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException listing) {
                    if (listing != null && !(listing instanceof NoSuchFileException)) {
                        failures.add(new NotDeleted(dir, listing)); // its entries were not all seen
                    } else if (failures.stream().noneMatch(f -> f.path().startsWith(dir))) {
                        remove(dir, failures);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            failures.add(new NotDeleted(root, e)); // the visitor throws none: the walk itself failed
        }
        if (!failures.isEmpty()) {
            NotDeleted first = failures.getFirst();
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    /**
     * {@link #delete} as a clean-up: what stayed is logged as a warning on {@code log} ("ROOT was left behind: cannot
     * delete PATH: CAUSE"), never thrown. Returns whether the tree is gone.
     */
    public static boolean deleteOrWarn(Path root, System.Logger log) {
        try {
            delete(root);
            return true;
        } catch (NotDeleted e) {
            log.log(System.Logger.Level.WARNING, root + " was left behind: " + e.getMessage());
            return false;
        }
    }

    private static void remove(Path path, List<NotDeleted> failures) {
        try {
            Files.deleteIfExists(path); // a link is deleted itself, never its target
        } catch (IOException e) {
            failures.add(new NotDeleted(path, e));
        }
    }
}
