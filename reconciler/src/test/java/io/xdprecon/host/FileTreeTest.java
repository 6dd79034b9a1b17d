package io.xdprecon.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting a directory tree: children first, links deleted as links, gone is deleted, a failure named with its path. */
class FileTreeTest {
    @TempDir
    Path temp;

    @Test
    void aNestedTreeIsDeletedWithItsLinksButNotTheirTargets() throws IOException {
        Path outside = Files.createDirectories(temp.resolve("outside/keep"));
        Path outsideFile = Files.writeString(temp.resolve("outside/file"), "kept");
        Path tree = temp.resolve("tree");
        Files.writeString(Files.createDirectories(tree.resolve("a/b/c")).resolve("deep"), "x");
        Files.writeString(tree.resolve("a/top"), "y");
        Files.createDirectories(tree.resolve("empty"));
        Files.createSymbolicLink(tree.resolve("a/b/linkToDirectory"), outside.getParent()); // followed, it would empty it
        Files.createSymbolicLink(tree.resolve("linkToFile"), outsideFile);
        Files.createSymbolicLink(tree.resolve("dangling"), temp.resolve("nowhere"));

        FileTree.delete(tree);

        assertFalse(Files.exists(tree, LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of("outside", "outside/file", "outside/keep"), entries(temp), "the links' targets are left alone");
        assertEquals("kept", Files.readString(outsideFile));
    }

    @Test
    void aRootThatIsALinkIsDeletedAsALink() throws IOException {
        Path target = Files.createDirectories(temp.resolve("target"));
        Files.writeString(target.resolve("file"), "kept");
        Path link = Files.createSymbolicLink(temp.resolve("link"), target);

        FileTree.delete(link);

        assertEquals(List.of("target", "target/file"), entries(temp));
    }

    @Test
    void aRootThatIsAFileIsDeleted() throws IOException {
        Path file = Files.writeString(temp.resolve("file"), "x");
        FileTree.delete(file);
        assertEquals(List.of(), entries(temp));
    }

    @Test
    void aTreeAlreadyGoneIsNoFailure() throws IOException {
        FileTree.delete(temp.resolve("never"));
        FileTree.delete(temp.resolve("never/under/it"));
        Path tree = Files.createDirectories(temp.resolve("tree/sub"));
        FileTree.delete(tree.getParent());
        FileTree.delete(tree.getParent()); // twice: the second finds nothing
        Path file = Files.writeString(temp.resolve("file"), "x");
        FileTree.delete(file.resolve("under")); // nothing can be there (the JDK says "no such file" for ENOTDIR)
        assertEquals(List.of("file"), entries(temp));
    }

    /**
     * An immutable directory ({@code chattr +i}) keeps its entries even from root: the failure names the first entry
     * that stayed and why, the rest of the tree is deleted, and the directories above the entry are not tried.
     */
    @Test
    void aFailureNamesTheEntryThatStayedAndTheRestIsDeleted() throws IOException {
        Path tree = temp.resolve("tree");
        Path lockedA = Files.createDirectories(tree.resolve("x/lockedA"));
        Path lockedB = Files.createDirectories(tree.resolve("lockedB"));
        Path stuckA = Files.writeString(lockedA.resolve("stuck"), "a");
        Path stuckB = Files.writeString(lockedB.resolve("stuck"), "b");
        Files.writeString(Files.createDirectories(tree.resolve("free/sub")).resolve("file"), "c");
        Files.writeString(tree.resolve("x/file"), "d");
        assumeTrue(chattr("+i", lockedA), "chattr +i is not available here");
        try {
            assumeTrue(chattr("+i", lockedB), "chattr +i works only once here");
            FileTree.NotDeleted e = assertThrows(FileTree.NotDeleted.class, () -> FileTree.delete(tree));

            assertTrue(Set.of(stuckA, stuckB).contains(e.path()), e.getMessage());
            assertEquals("cannot delete " + e.path() + ": operation not permitted", e.getMessage());
            assertEquals(Set.of(stuckA, stuckB), Stream.concat(Stream.of(e), Arrays.stream(e.getSuppressed()))
                    .map(f -> ((FileTree.NotDeleted) f).path()).collect(Collectors.toSet()),
                    "one failure per entry that stayed, none for the directories above them");
            assertEquals(List.of("lockedB", "lockedB/stuck", "x", "x/lockedA", "x/lockedA/stuck"), entries(tree));

            List<String> warnings = new ArrayList<>();
            assertFalse(FileTree.deleteOrWarn(tree, new Warnings(warnings)));
            assertEquals(1, warnings.size(), "the clean-up form warns once: " + warnings);
            assertTrue(warnings.getFirst().matches(java.util.regex.Pattern.quote(tree + " was left behind: cannot delete ")
                    + ".*/stuck: operation not permitted"), warnings.getFirst());
        } finally {
            chattr("-i", lockedA);
            chattr("-i", lockedB);
        }
        List<String> warnings = new ArrayList<>();
        assertTrue(FileTree.deleteOrWarn(tree, new Warnings(warnings)));
        assertEquals(List.of(), warnings);
        assertEquals(List.of(), entries(temp));
    }

    /** A logger that keeps its warnings' messages. */
    private record Warnings(List<String> messages) implements System.Logger {
        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, java.util.ResourceBundle bundle, String message, Throwable thrown) {
            log(level, bundle, message);
        }

        @Override
        public void log(Level level, java.util.ResourceBundle bundle, String format, Object... params) {
            assertEquals(Level.WARNING, level);
            messages.add(format);
        }
    }

    /** Whether {@code chattr} changed the flag (absent, unsupported by the file system or not permitted: false). */
    private static boolean chattr(String flag, Path dir) {
        try {
            Command.run(List.of("chattr", flag, dir.toString()));
            return true;
        } catch (Command.Failed e) {
            return false;
        }
    }

    /** Every entry under {@code dir} (links not followed), relative and sorted. */
    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
