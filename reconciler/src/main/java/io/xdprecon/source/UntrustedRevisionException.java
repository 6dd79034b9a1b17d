package io.xdprecon.source;

/**
 * The newest revision must not be applied: it is unsigned or signed by a key that is not trusted, or it would
 * move the tracked ref backward or onto another history. {@link #reason()} says which.
 */
public final class UntrustedRevisionException extends SourceException {
    /** Why a revision is refused, as metrics count it. */
    public enum Reason {
        /** Unsigned, or signed by a key that is not trusted, or badly. */
        SIGNATURE,
        /** Older than the applied revision (an ancestor of it): a rollback, signed or not. */
        ROLLBACK,
        /** Not a descendant of the applied revision (the ref was force-pushed), without the flag that allows it. */
        NON_FAST_FORWARD
    }

    private final String revision;
    private final Reason reason;

    public UntrustedRevisionException(String revision, String message) {
        this(revision, message, Reason.SIGNATURE);
    }

    public UntrustedRevisionException(String revision, String message, Reason reason) {
        super(message);
        this.revision = revision;
        this.reason = reason;
    }

    /** The refused commit. */
    public String revision() {
        return revision;
    }

    public Reason reason() {
        return reason;
    }
}
