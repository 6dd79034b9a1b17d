package io.xdprecon.source;

import io.xdprecon.config.ConfigInput;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.URIish;

/**
 * A config (a file, or a directory of YAML files) at a path inside a Git repository, at the head of a branch or at a tag. Built Flux-style from
 * three parts: {@link GitMirror} fetches into a bare clone in the state directory, {@link GitCredentials}
 * authenticate the fetch, {@link CommitTrust} checks the head's signature. This class adds what the tracked ref
 * may do between two revisions, and what to serve when the remote is away:
 *
 * <ul>
 *   <li>A head must descend from the commit applied last (recorded by {@link #applied}, kept in the clone across
 *       restarts). One of its ancestors is a rollback and is refused, signed or not (to go back, commit a revert);
 *       any other history (a force-push) is refused unless {@link Settings#allowNonFastForward()}, and even then a
 *       head committed before the applied one is refused as a rollback.</li>
 *   <li>When the fetch fails, {@link SourceUnreachableException#cached()} holds the applied commit's config, its
 *       trust checked again: a node that starts while the remote is down serves it instead of nothing.</li>
 * </ul>
 *
 * <p>The daemon schedules polls; {@link #nextPollDelay(Duration)} spreads a fleet's fetches with ±10% jitter.
 */
public final class GitSource implements Source {
    private static final System.Logger LOG = System.getLogger("xdprecon.source");

    /** How many characters of the commit id a revision's name shows. */
    private static final int SHORT = 12;

    /**
     * @param url      the repository: {@code https://…}, {@code ssh://user@host[:port]/path}, {@code user@host:path},
     *                 {@code file:///…} or a local path
     * @param ref      a branch or a tag: {@code refs/heads/x}, {@code refs/tags/y}, or a short name that must
     *                 name exactly one of them
     * @param path     the config inside the repository: a file ({@code flows.yaml}, {@code edge/flows.yaml}) or a
     *                 directory whose YAML files together make the config
     * @param stateDir where the bare clone lives (created if missing)
     * @param auth     how to authenticate to the remote
     * @param trust    which signatures the head commit must carry; empty: any commit is accepted
     * @param timeout  network timeout of a fetch (JGit counts it in whole seconds, at least one)
     * @param allowNonFastForward accept a head that does not descend from the applied commit (a force-push onto
     *                 another history), unless it is older than the applied one
     */
    public record Settings(String url, String ref, String path, Path stateDir, GitCredentials auth,
                           Optional<CommitTrust> trust, Duration timeout, boolean allowNonFastForward) {
        public Settings {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(ref, "ref");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(stateDir, "stateDir");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(trust, "trust");
            Objects.requireNonNull(timeout, "timeout");
            if (url.isBlank()) {
                throw new IllegalArgumentException("the Git URL is empty");
            }
            if (ref.isBlank() || !Repository.isValidRefName(ref.startsWith("refs/") ? ref : "refs/heads/" + ref)) {
                throw new IllegalArgumentException("'" + ref + "' is not a valid branch or tag name");
            }
            path = trimSlashes(path);
            if (path.isEmpty() || Arrays.stream(path.split("/")).anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
                throw new IllegalArgumentException("'" + path + "' is not a path inside the repository");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the fetch timeout must be positive, not " + timeout);
            }
            stateDir = stateDir.toAbsolutePath().normalize();
        }

        /** Fast-forward updates only. */
        public Settings(String url, String ref, String path, Path stateDir, GitCredentials auth,
                        Optional<CommitTrust> trust, Duration timeout) {
            this(url, ref, path, stateDir, auth, trust, timeout, false);
        }

        private static String trimSlashes(String p) {
            int b = 0;
            int e = p.length();
            while (b < e && p.charAt(b) == '/') b++;
            while (e > b && p.charAt(e - 1) == '/') e--;
            return p.substring(b, e);
        }
    }

    private final Settings settings;
    private final String displayUrl;
    private final GitMirror mirror;
    private boolean closed;
    /** The fetch {@link #prefetch()} started, which the next poll takes instead of fetching; null when none. */
    private FutureTask<Void> prefetched;
    /** The last fetch, when it ran out of heap; null otherwise. Used by the prefetch, then by polls after it. */
    private HeapFailure heapFailure;

    public GitSource(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        chooseSha1(settings.trust().isPresent());
        this.displayUrl = displayUrl(settings.url());
        this.mirror = new GitMirror(settings.url(), displayUrl, settings.stateDir(), settings.auth(), settings.timeout());
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String describe() {
        return "git " + displayUrl + " " + settings.ref() + ":" + settings.path();
    }

    @Override
    public String toString() {
        return describe();
    }

    /** {@code interval} scaled by a random factor in [0.9, 1.1), so a fleet's fetches do not fall together. */
    public static Duration nextPollDelay(Duration interval) {
        double f = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofNanos((long) (interval.toNanos() * f));
    }

    /**
     * Starts the fetch on a thread of its own ({@code xdprecon-git-prefetch}): a daemon's start opens its source, then
     * makes its metrics, admin endpoint and loop while the clone comes. The next poll waits for it and fetches no
     * more; what it sees is the remote as it was when the prefetch started.
     */
    @Override
    public synchronized void prefetch() {
        if (closed || prefetched != null) {
            return;
        }
        prefetched = new FutureTask<>(() -> {
            mirror.repository();
            try {
                fetch();
            } catch (SourceException e) {
                throw new FetchFailed(e);
            }
            return null;
        });
        Thread.ofPlatform().name("xdprecon-git-prefetch").daemon().start(prefetched);
    }

    /**
     * The mirror's fetch, after an ls-remote: none when the remote advertises the branches and tags the mirror holds
     * (nothing new: one round trip, as a fetch that finds nothing), nor while it advertises those of a fetch that ran
     * out of heap. Such a fetch says which file, how big, and what to do: nothing was written, the last applied
     * state stands (a {@link SourceUnreachableException} with the cached revision, as for a remote away).
     *
     * <p>The failure is remembered with the advertisement taken before the fetch, in this instance only: while the
     * remote advertises the same refs, the fetch would download the same history (tens of MB) and fail the same way
     * at every step of the daemon's backoff, on every node; a push (one that splits the file) fetches again, and so
     * does a restart (with a larger heap, say) — one download per start, not a loop: the daemon survives the failure.
     * An advertisement taken before the fetch can only be older than the one the fetch saw, so a push in between
     * fetches again rather than being taken for the failed head.
     */
    private void fetch() throws SourceException {
        Map<String, ObjectId> advertised = mirror.advertised();
        HeapFailure failed = heapFailure;
        if (failed != null && failed.advertised().equals(advertised)) {
            throw new SourceException(failed.message());
        }
        heapFailure = null;
        try {
            if (advertised.equals(mirror.fetched())) {
                return;
            }
        } catch (IOException e) {
            throw new SourceException(describe() + ": cannot read the repository in " + settings.stateDir() + ": " + e, e);
        }
        try {
            mirror.fetch();
        } catch (GitMirror.HeapExceeded e) {
            Optional<GitMirror.ConfigFileSize> big = mirror.biggestAtRemote(settings.ref(), settings.path());
            long heapMb = GitMirror.HeapExceeded.heapMb();
            String file = big.map(f -> ": " + f.path() + " is " + String.format(java.util.Locale.ROOT, "%,d", f.size())
                            + " bytes at " + settings.ref() + " (blob " + f.blob().name().substring(0, SHORT) + ")")
                    .orElse(": the config at " + settings.path() + " (its size unknown: the head could not be fetched)");
            String restart = "\" in /etc/xdprecon/xdprecon.env, then systemctl restart xdprecon";
            // The head's file twice over fits in half the heap: what failed is a bigger revision before the head (a
            // node behind a split pushed on top of the big history still fetches those revisions).
            Optional<Long> twiceTheFileMb = big.map(f -> 2 * ((f.size() >> 20) + 1));
            boolean headFits = twiceTheFileMb.map(mb -> mb < heapMb / 2).orElse(false);
            String advice = headFits
                    ? "; a bigger revision of it lies in the history this node fetches up to " + settings.ref()
                            + ": nothing was written; a split at the head does not help this node: give the daemon,"
                            + " for one fetch, a heap larger by twice that revision's file:"
                            + " XDPRECON_JAVA_OPTS=\"-XX:+UseSerialGC -Xmx…m" + restart + " (then the unit's heap again)"
                    // Twice the file on top of the heap the daemon has, rounded up to 16 MB.
                    : "; nothing was written; split the config over files (README: \"A config is one file or a"
                            + " directory\"), or give the daemon a heap larger by twice the file: XDPRECON_JAVA_OPTS=\""
                            + "-XX:+UseSerialGC " + twiceTheFileMb.map(mb -> "-Xmx" + (heapMb + mb + 15) / 16 * 16 + "m")
                                    .orElse("-Xmx…m") + restart;
            SourceException tooBig = new SourceException(e.getMessage() + file + advice, e);
            heapFailure = new HeapFailure(advertised, tooBig.getMessage());
            throw tooBig;
        }
    }

    /**
     * A fetch that ran out of heap: what the remote advertised before it, and the message to repeat (only the text:
     * nothing of the failed fetch stays reachable).
     */
    private record HeapFailure(Map<String, ObjectId> advertised, String message) {}

    /** A prefetch's failed fetch (the remote away), told from a state directory that is not ours. */
    private static final class FetchFailed extends Exception {
        FetchFailed(SourceException cause) {
            super(cause);
        }
    }

    /** Waits for the prefetch, if one was started; whether it fetched (its failures thrown as a poll's). */
    private boolean awaitPrefetch() throws SourceException {
        FutureTask<Void> started = prefetched;
        prefetched = null;
        if (started == null) {
            return false;
        }
        try {
            started.get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(describe() + ": interrupted while fetching", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case FetchFailed f -> {
                    SourceException fetch = (SourceException) f.getCause();
                    throw new SourceUnreachableException(fetch.getMessage(), fetch, cached());
                }
                case SourceException s -> throw s;
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new SourceException(describe() + ": " + e.getCause(), e.getCause());
            }
        }
    }

    @Override
    public synchronized Revision poll() throws SourceException {
        if (closed) {
            throw new SourceException(describe() + ": the source is closed");
        }
        if (!awaitPrefetch()) {
            mirror.repository(); // a state directory that is not ours is refused before any fetch
            try {
                fetch();
            } catch (SourceException e) {
                throw new SourceUnreachableException(e.getMessage(), e, cached());
            }
        }
        try {
            String refName = mirror.resolveRef(settings.ref());
            RevCommit head = mirror.commit(refName);
            if (settings.trust().isPresent()) {
                settings.trust().get().verify(mirror.repository(), head, settings.ref());
            }
            checkHistory(head);
            return revision(head);
        } catch (IOException e) {
            throw new SourceException(describe() + ": cannot read the repository in " + settings.stateDir() + ": " + e, e);
        }
    }

    /** The applied commit's revision from the clone, its trust checked again; empty when there is none to serve. */
    private Optional<Revision> cached() {
        try {
            Optional<RevCommit> applied = mirror.applied();
            if (applied.isEmpty()) {
                return Optional.empty();
            }
            if (settings.trust().isPresent()) {
                settings.trust().get().verify(mirror.repository(), applied.get(), settings.ref());
            }
            return Optional.of(revision(applied.get()));
        } catch (SourceException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "the cached revision in " + settings.stateDir() + " cannot be served: "
                    + e.getMessage());
            return Optional.empty();
        }
    }

    /** Refuses a head that would take the tracked ref back before, or away from, the applied commit. */
    private void checkHistory(RevCommit head) throws SourceException, IOException {
        Optional<RevCommit> applied = mirror.applied();
        if (applied.isEmpty() || applied.get().equals(head) || mirror.isAncestor(applied.get(), head)) {
            return;
        }
        String what = "commit " + head.name().substring(0, SHORT) + " at " + settings.ref();
        String appliedId = applied.get().name().substring(0, SHORT);
        if (mirror.isAncestor(head, applied.get())) {
            throw new UntrustedRevisionException(head.name(), what + " is older than the applied commit " + appliedId
                    + " (one of its ancestors): a rollback of " + settings.ref() + ", refused whatever its signature;"
                    + " to go back, commit a revert", UntrustedRevisionException.Reason.ROLLBACK);
        }
        if (!settings.allowNonFastForward()) {
            throw new UntrustedRevisionException(head.name(), what + " does not descend from the applied commit "
                    + appliedId + ": " + settings.ref() + " was force-pushed (a non-fast-forward update), refused without"
                    + " --allow-non-fast-forward", UntrustedRevisionException.Reason.NON_FAST_FORWARD);
        }
        if (head.getCommitTime() < applied.get().getCommitTime()) {
            throw new UntrustedRevisionException(head.name(), what + " replaces the applied commit " + appliedId
                    + " by one committed earlier (" + Instant.ofEpochSecond(head.getCommitTime()) + " < "
                    + Instant.ofEpochSecond(applied.get().getCommitTime()) + "): a rollback, refused",
                    UntrustedRevisionException.Reason.ROLLBACK);
        }
    }

    /** The config at the commit: each file by its blob id, read from the clone when the loader asks. */
    private Revision revision(RevCommit commit) throws SourceException, IOException {
        String root = displayUrl + "@" + commit.name().substring(0, SHORT) + ":" + settings.path();
        List<ConfigInput> files = new ArrayList<>();
        for (GitMirror.ConfigFile file : mirror.read(commit, settings.path(), settings.ref())) {
            Path name = file.path().isEmpty() ? Path.of(root) : Path.of(root).resolve(file.path());
            files.add(new ConfigInput(name, file.blob().name(), () -> mirror.open(file.blob())));
        }
        return new Revision(commit.name(), root, files, Optional.of(summary(commit)));
    }

    private static String summary(RevCommit commit) {
        PersonIdent author = commit.getAuthorIdent();
        String when = author.getWhenAsInstant().atZone(author.getZoneId()).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return commit.getShortMessage() + " \u2014 " + author.getName() + ", " + when;
    }

    @Override
    public synchronized void applied(Revision revision) {
        if (closed || !ObjectId.isId(revision.id())) {
            return;
        }
        try {
            mirror.markApplied(ObjectId.fromString(revision.id()));
        } catch (SourceException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record the applied commit " + revision.shortId() + " in "
                    + settings.stateDir() + ": " + e.getMessage());
        }
    }

    /** JGit's choice of SHA-1 implementation: a system property, read each time it starts a hash. */
    static final String SHA1_IMPLEMENTATION = "org.eclipse.jgit.util.sha1.implementation";

    /** Whether whoever started the process chose JGit's SHA-1 ({@code -D}{@value #SHA1_IMPLEMENTATION}): then it stands. */
    private static final boolean SHA1_CHOSEN_AT_START = System.getProperty(SHA1_IMPLEMENTATION) != null;

    /**
     * Which SHA-1 JGit hashes fetched objects with — index-pack hashes every byte a first fetch brings (57 MB for
     * 262,144 flows): JGit's own, which detects SHAttered-style collision attacks (about 7x slower than the JDK's,
     * and cold at a daemon's start), or the JDK's, which does not.
     *
     * <p>A collision matters only where a signature vouches for content it names by SHA-1: a signed commit's tree
     * and files. With {@link Settings#trust()} set, a compromised host could otherwise serve a file that collides
     * with the one that was signed; JGit's detection refuses it. Without trust, whoever serves the repository
     * already decides the config, and the hosts that detect collisions (GitHub, git itself since 2.13) refuse
     * colliding pushes: detection on the fetch adds nothing there. The property is the process's, so the choice is
     * one-way: any source with trust turns detection on for all, and a source without it never turns it off again.
     */
    static synchronized void chooseSha1(boolean trusted) {
        if (SHA1_CHOSEN_AT_START) {
            return;
        }
        if (trusted) {
            System.setProperty(SHA1_IMPLEMENTATION, "java");
        } else if (System.getProperty(SHA1_IMPLEMENTATION) == null) {
            System.setProperty(SHA1_IMPLEMENTATION, "jdkNative");
        }
    }

    /** The URL without a password, for messages and revision names. */
    static String displayUrl(String url) {
        try {
            URIish u = new URIish(url);
            if (u.getPass() != null) {
                return u.setPass(null).toString();
            }
            return url;
        } catch (java.net.URISyntaxException e) {
            return url;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (prefetched != null) {
            try {
                prefetched.get(); // the mirror is the prefetch's until it ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // the poll that would have reported it will not come
            }
            prefetched = null;
        }
        mirror.close();
    }
}
