package io.xdprecon.source;

/**
 * A source could not deliver a revision: unreachable remote, missing file or ref, failed
 * authentication, or (see {@link UntrustedRevisionException}) a head that is not trusted.
 */
public class SourceException extends Exception {
    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
