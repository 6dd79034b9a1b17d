package io.xdprecon.host;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Why a file could not be read, in the words of {@code strerror} ("permission denied", "no such file"): the
 * JDK's exceptions name the file in their message but often not the reason, which is what a person acts on.
 */
public final class IoErrors {
    private IoErrors() {}

    /** The cause of {@code e}, in lower case, without the file name (the caller names the file). */
    public static String cause(IOException e) {
        return switch (e) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "no such file";
            case NotDirectoryException n -> "not a directory";
            case DirectoryNotEmptyException d -> "directory not empty";
            case FileSystemLoopException l -> "too many levels of symbolic links";
            case CharacterCodingException c -> "not UTF-8 text";
            case FileSystemException f when f.getReason() != null -> lower(f.getReason());
            default -> e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : lower(e.getMessage());
        };
    }

    private static String lower(String reason) {
        return reason.isEmpty() ? reason : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }
}
