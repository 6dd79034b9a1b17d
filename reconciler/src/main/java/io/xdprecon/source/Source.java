package io.xdprecon.source;

/**
 * Where the desired config comes from: a local file or directory ({@link FileSource}) or a path in a Git
 * repository ({@link GitSource}).
 *
 * <p>The daemon calls {@link #poll()} on its interval, on SIGHUP and on a webhook, and compares
 * {@link Revision#id()} with the last one it saw to know whether anything changed. Implementations are safe to
 * poll from several threads (calls are serialised).
 */
public sealed interface Source extends AutoCloseable permits FileSource, GitSource {

    /**
     * The newest revision; a remote source fetches first.
     *
     * @throws UntrustedRevisionException the newest revision is not trusted and must not be applied
     * @throws SourceUnreachableException the source cannot be reached; it may offer the revision last applied
     * @throws SourceException            no revision could be read (missing file, path or ref; …)
     */
    Revision poll() throws SourceException;

    /**
     * Starts, on a thread of its own, what the next {@link #poll()} would wait for (a remote source's fetch), so that a
     * daemon's start does its other work meanwhile; that poll then uses it. Never throws: a failure is the poll's.
     */
    default void prefetch() {}

    /**
     * {@link #prefetch()}, handing {@code complete} the revision it read complete, when it read one: on the prefetch's
     * thread, once, before the poll can take it. Work keyed by the content ids of a revision's files (the daemon's
     * config cache) may so start before the poll, which returns the same files unless they changed since. A source
     * whose prefetch reads no revision (a clone: its trust is the poll's to check) never calls it. {@code complete}
     * must return at once and never throw.
     */
    default void prefetch(java.util.function.Consumer<Revision> complete) {
        prefetch();
    }

    /**
     * The daemon applied {@code revision} (or found the node already holding it): a source that keeps history
     * records it, to serve it while unreachable ({@link SourceUnreachableException#cached()}) and to refuse a
     * later revision that would go back before it. Never throws.
     */
    default void applied(Revision revision) {}

    /** What this source reads, for status lines: {@code file /etc/xdprecon/flows.yaml}, {@code git URL REF:PATH}. */
    String describe();

    /** Releases watchers and transports; never throws. */
    @Override
    void close();
}
