package io.xdprecon.source;

/** The newest revision is unsigned or signed by a key that is not trusted: it must not be applied. */
public final class UntrustedRevisionException extends SourceException {
    private final String revision;

    public UntrustedRevisionException(String revision, String message) {
        super(message);
        this.revision = revision;
    }

    /** The refused commit. */
    public String revision() {
        return revision;
    }
}
