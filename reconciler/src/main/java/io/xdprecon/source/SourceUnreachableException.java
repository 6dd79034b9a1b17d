package io.xdprecon.source;

import java.util.Optional;

/**
 * The source could not be reached (a remote down, a network gone). {@link #cached()} is the revision last
 * applied as the source keeps it locally (a Git source's clone in its state directory), checked against the
 * commit trust again: what a node that starts meanwhile can serve instead of nothing.
 */
public final class SourceUnreachableException extends SourceException {
    private final transient Optional<Revision> cached;

    public SourceUnreachableException(String message, Throwable cause, Optional<Revision> cached) {
        super(message, cause);
        this.cached = cached;
    }

    public Optional<Revision> cached() {
        return cached;
    }
}
