package io.xdprecon.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file that must be a regular one, of bounded size. A FIFO given by mistake (or malice) would block
 * the read forever, a device would never end, and a huge file would exhaust the heap: each is refused before
 * it is opened, with the reason in words.
 */
public final class RegularFile {
    private static final int S_IFMT = 0170000;

    private RegularFile() {}

    /** Why a file was not read: {@link #getMessage()} is the cause in words, without the file's name. */
    public static final class Unreadable extends Exception {
        public Unreadable(String cause) {
            super(cause);
        }
    }

    /** The content of {@code file} (symbolic links followed), refused unless it is a regular file of at most {@code maxBytes}. */
    public static byte[] read(Path file, long maxBytes) throws Unreadable {
        check(file, maxBytes);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (content.length > maxBytes) {
                throw new Unreadable(tooLarge(maxBytes)); // it grew after the check
            }
            return content;
        } catch (IOException e) {
            throw new Unreadable(IoErrors.cause(e));
        }
    }

    /** A file that is no regular one, refused before it was opened: the message says what it is. */
    public static final class NotRegular extends IOException {
        NotRegular(String kind) {
            super("is " + kind + ", not a regular file");
        }
    }

    /** Opens {@code file} (symbolic links followed) for reading, refusing anything but a regular file before opening it. */
    public static InputStream open(Path file) throws IOException {
        String kind = kind((Integer) Files.getAttribute(file, "unix:mode"));
        if (kind != null) {
            throw new NotRegular(kind);
        }
        return Files.newInputStream(file);
    }

    /** Refuses anything but a regular file of at most {@code maxBytes}, without opening it. */
    public static void check(Path file, long maxBytes) throws Unreadable {
        int mode;
        long size;
        try {
            mode = (Integer) Files.getAttribute(file, "unix:mode");
            size = Files.size(file);
        } catch (IOException e) {
            throw new Unreadable(IoErrors.cause(e));
        }
        String kind = kind(mode);
        if (kind != null) {
            throw new Unreadable("is " + kind + ", not a regular file");
        }
        if (size > maxBytes) {
            throw new Unreadable(tooLarge(maxBytes));
        }
    }

    /** What a file of {@code mode} is in words, or null for a regular file. */
    private static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> null;
            case 0040000 -> "a directory";
            case 0010000 -> "a FIFO (named pipe)";
            case 0140000 -> "a socket";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            default -> "not a file";
        };
    }

    private static String tooLarge(long maxBytes) {
        return "is larger than " + maxBytes + " bytes, the limit";
    }
}
