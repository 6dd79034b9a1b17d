package io.xdprecon.cli;

import java.nio.file.Path;

/** Where {@code run} reads its config: {@code file:PATH} or {@code git:URL} ({@link SourceConverter}). */
sealed interface SourceSpec {
    /** A file, or a directory of YAML files. */
    record File(Path path) implements SourceSpec {}

    /** A Git repository: ssh://, https://, http:// or file:// URL, or scp-like user@host:path. */
    record Git(String url) implements SourceSpec {}

    /** As the option gave it, a URL's password masked: for the log. */
    default String shown() {
        return switch (this) {
            case File file -> "file:" + file.path();
            case Git git -> "git:" + git.url().replaceAll("(://[^/@:]+):[^/@]+@", "$1:***@");
        };
    }
}
