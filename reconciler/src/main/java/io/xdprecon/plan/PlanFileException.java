package io.xdprecon.plan;

import java.nio.file.Path;
import java.util.Objects;

/** A plan file that cannot be saved or loaded; the message names the file and the cause. */
public final class PlanFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Problem {
        /** No file at that path. */
        MISSING,
        /** The file system refused (permissions, a directory, disk full, ...). */
        IO,
        /** The content is not a readable plan; {@link #formatProblem()} says how. */
        FORMAT
    }

    private final transient Path file;
    private final Problem problem;

    PlanFileException(Path file, Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Path file() {
        return file;
    }

    public Problem problem() {
        return problem;
    }

    /** For {@link Problem#FORMAT}: what is wrong with the content; null otherwise. */
    public PlanFormatException.Problem formatProblem() {
        return getCause() instanceof PlanFormatException format ? format.problem() : null;
    }
}
