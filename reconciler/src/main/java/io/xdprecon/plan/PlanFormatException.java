package io.xdprecon.plan;

import java.util.Objects;

/** A plan document that cannot be read, with what is wrong and where ({@code $.flows[0].kind: ...}). */
public final class PlanFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of wrong, so callers can tell a bad file from a plan written by another version. */
    public enum Problem {
        /** Not parseable as JSON at all. */
        NOT_JSON,
        /** JSON, but not an object with a {@code format} field: not a plan. */
        NOT_A_PLAN,
        /** A plan in a format version this build does not read. */
        UNKNOWN_FORMAT,
        /** The right format, but a field is missing, mistyped or out of range. */
        INVALID
    }

    private final Problem problem;

    PlanFormatException(Problem problem, String message) {
        this(problem, message, null);
    }

    PlanFormatException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }
}
