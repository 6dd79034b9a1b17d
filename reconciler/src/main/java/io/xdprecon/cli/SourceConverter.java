package io.xdprecon.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --source file:PATH|git:URL}, checked before anything starts. */
final class SourceConverter implements ITypeConverter<SourceSpec> {
    /** A URL JGit clones: ssh/https/file/git with an authority, file:/path as File.toURI() writes it, or scp-like. */
    private static final Pattern GIT_URL = Pattern.compile("(ssh|https?|file|git)://[^\\s]+|file:/[^\\s]*|[^\\s/:@]+@[^\\s/:]+:[^\\s]+");

    @Override
    public SourceSpec convert(String value) {
        if (value.startsWith("file:")) {
            String path = value.substring("file:".length());
            if (path.isBlank()) {
                throw new TypeConversionException("'file:' names no file: write file:PATH");
            }
            try {
                return new SourceSpec.File(Path.of(path));
            } catch (InvalidPathException e) {
                throw new TypeConversionException("'" + path + "' is not a file path: " + e.getReason());
            }
        }
        if (value.startsWith("git:")) {
            String url = value.substring("git:".length());
            if (url.isBlank()) {
                throw new TypeConversionException("'git:' names no repository: write git:URL (ssh://, https://, file://)");
            }
            if (!GIT_URL.matcher(url).matches()) {
                throw new TypeConversionException("'" + url + "' is not a Git URL: ssh://host/repo, https://host/repo,"
                        + " file:///path or user@host:repo");
            }
            return new SourceSpec.Git(url);
        }
        throw new TypeConversionException("'" + value + "' must start with file: or git: (file:PATH or git:URL)");
    }
}
