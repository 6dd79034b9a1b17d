package io.xdprecon.source;

import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigInput;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.dataplane.fs.Inotify;
import io.xdprecon.host.InOrder;
import io.xdprecon.host.IoErrors;
import io.xdprecon.host.RegularFile;
import io.xdprecon.text.Utf8;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.stream.Stream;

/**
 * A config on the local file system: a file, or a directory whose YAML files ({@code *.yaml}, {@code *.yml}, in
 * subdirectories too, hidden ones left out: {@code ConfigLoader.isYaml}) together make the config.
 *
 * <p>A file's id is the SHA-256 of its bytes (so touching a file without changing it is not a change); a file
 * revision's id is its file's, a directory revision's the SHA-256 of its files' paths and ids. Its name is the
 * path, its summary the newest modification time. A file whose size, modification time and inode are those it
 * had at the last read, and whose modification is older than {@link #RACY} (a write within the same clock tick
 * could leave all three as they were), keeps its id unread: a poll of a big directory reads only what changed.
 *
 * <p>A revision is only ever read from a <em>complete</em> file. Tools that rewrite a file in place
 * ({@code cp}, {@code >}, scp, {@code git checkout}) truncate it and write it piece by piece, and a piece can
 * parse: the first flows of a list, a port cut after its first digits. So {@link #poll()} returns a file
 * only when (1) no writer is at work on it — while {@link #watch watched}, a file written to since it was
 * last closed after a write ({@code IN_CLOSE_WRITE}) is still being written, however long the writer
 * pauses — and (2) two reads find the same size, modification time and bytes, each file looked at by the second
 * {@link #settle()} after the first (whose reading of the bytes, after that look, passes part of the settle time). A
 * file that stays in flux for {@link #maxWait()} is reported as being written (a {@link SourceException};
 * the caller keeps what it has and asks again), never returned. A file already returned complete is
 * returned at once.
 *
 * <p>{@link #watch(Runnable)} reports changes once they are complete: a write closed, an atomic replace
 * (rename over the file), a deletion — not each write. It watches the <em>directory</em> (the file's
 * parent, or the configured directory) and filters by name, because editors and config-management tools
 * replace files atomically (write a temporary file, rename it over the old one), which a watch on the file
 * itself would lose.
 */
public final class FileSource implements Source {
    private static final System.Logger LOG = System.getLogger("xdprecon.source");

    /**
     * How old a file's modification time must be for its size, time and inode to vouch for its content: a write
     * within the file system's clock tick of the last read could change the bytes and leave all three as they were.
     */
    static final Duration RACY = Duration.ofSeconds(2);

    /** How long a file must stay unchanged between two reads to count as complete, by default. */
    public static final Duration DEFAULT_SETTLE = Duration.ofMillis(250);

    private final Path path;
    private final Duration settle;
    private final Duration maxWait;
    private final Object watchLock = new Object();
    private Thread watchThread;
    private volatile boolean watching;
    /** Names in the watched directory written to and not yet closed: guarded by itself. */
    private final Set<String> beingWritten = new HashSet<>();
    /** What the last poll returned: a file read complete before is not waited for again. */
    private Snapshot lastComplete;
    /** The first poll {@link #prefetch()} started, until a poll takes it; null when none. */
    private FutureTask<Snapshot> prefetched;
    /** The last read of each file: its id is taken again while its size, time and inode stay (see {@link #RACY}). */
    private java.util.Map<Path, FileState> known = java.util.Map.of();

    /** @param path a config file, or a directory of YAML files that together make the config */
    public FileSource(Path path) {
        this(path, DEFAULT_SETTLE);
    }

    /**
     * @param settle how long a file must stay unchanged between two reads to count as complete; a poll waits at
     *               most eight times as long (and at least two seconds) for a file in flux
     */
    public FileSource(Path path, Duration settle) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        if (settle.isNegative()) {
            throw new IllegalArgumentException("the settle time must not be negative: " + settle);
        }
        this.settle = settle;
        this.maxWait = settle.multipliedBy(8).compareTo(Duration.ofSeconds(2)) > 0 ? settle.multipliedBy(8) : Duration.ofSeconds(2);
    }

    /** The configured path (absolute). */
    public Path path() {
        return path;
    }

    public Duration settle() {
        return settle;
    }

    /** How long a poll waits for a file in flux before it reports it as being written. */
    public Duration maxWait() {
        return maxWait;
    }

    @Override
    public String describe() {
        return (Files.isDirectory(path) ? "directory " : "file ") + path;
    }

    /**
     * One file as read: where, its size, modification time, inode and content id; and when (nanoTime) its size, time and
     * inode were taken, before its bytes were read, which is not part of what it is ({@link #sameAs}).
     */
    private record FileState(Path file, long size, Instant modified, Object inode, String id, long looked) {
        boolean sameAs(FileState other) {
            return other != null && file.equals(other.file) && size == other.size && modified.equals(other.modified)
                    && java.util.Objects.equals(inode, other.inode) && id.equals(other.id);
        }

        ConfigInput input() {
            return new ConfigInput(file, id, () -> new Checked(RegularFile.open(file), file, id));
        }
    }

    /** One read of the config: what a revision is made of, and what says whether it moved. */
    private record Snapshot(Path root, boolean directory, List<FileState> files, String id) {
        /** When (nanoTime) it took the size, time and inode of the file it looked at last (it reads one at least). */
        long lastLook() {
            long last = files.getFirst().looked();
            for (FileState file : files) {
                last = file.looked() - last > 0 ? file.looked() : last;
            }
            return last;
        }

        boolean sameAs(Snapshot other) {
            if (other == null || !root.equals(other.root) || files.size() != other.files.size() || !id.equals(other.id)) {
                return false;
            }
            for (int i = 0; i < files.size(); i++) {
                if (!files.get(i).sameAs(other.files.get(i))) {
                    return false;
                }
            }
            return true;
        }

        /** The revision, whose files are read again and checked against their ids: no text held. */
        Revision revision() {
            Instant newest = files.stream().map(FileState::modified).max(Instant::compareTo).orElse(Instant.EPOCH);
            return new Revision(id, root.toString(), files.stream().map(FileState::input).toList(),
                    Optional.of("modified " + newest));
        }
    }

    /**
     * A file's bytes, digested as they are read: at the end, bytes other than the revision's (the file was replaced
     * after the poll that returned it) are an error, so a revision never stands for content it is not.
     */
    private static final class Checked extends java.io.FilterInputStream {
        private final Path file;
        private final String id;
        private final MessageDigest digest = newDigest();
        private boolean checked;

        Checked(java.io.InputStream in, Path file, String id) {
            super(in);
            this.file = file;
            this.id = id;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                check();
            } else {
                digest.update((byte) b);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n < 0) {
                check();
            } else {
                digest.update(buffer, offset, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Read through, so every byte is digested.
            return Math.max(0, read(new byte[(int) Math.clamp(n, 0, 8192)]));
        }

        private void check() throws IOException {
            if (!checked) {
                checked = true;
                if (!HexFormat.of().formatHex(digest.digest()).equals(id)) {
                    throw new IOException("config file " + file + " changed since revision " + id.substring(0, 12)
                            + " was read from it");
                }
            }
        }
    }

    /**
     * Starts the first poll's reads on a thread of its own ({@code xdprecon-file-prefetch}): a daemon's start opens its
     * source, then makes the rest of itself (its datapath, metrics, watch and loop) while every file is digested and
     * the settle time passes. The next {@link #poll()} waits for it and takes what it found as the poll before it: the
     * snapshot it read complete (the poll reads again, a stat where size, time and inode vouch, and returns it only
     * unchanged, so the two reads a settle time apart are the prefetch's and the poll's; a change settles anew), or the
     * exception it threw. A writer at work during the prefetch is not known to the watch, started after it: as for any
     * poll before a watch, only the settle protects it, and the poll that takes the prefetch waits, watched, for a
     * writer seen since. A second call, or one after a poll, starts nothing.
     */
    @Override
    public void prefetch() {
        prefetch(revision -> { });
    }

    /**
     * {@link #prefetch()}, handing {@code complete} the revision of the snapshot it read complete, before the first
     * poll can take it: that poll returns the same files (names and content ids) unless one changed since.
     */
    @Override
    public synchronized void prefetch(java.util.function.Consumer<Revision> complete) {
        if (prefetched != null || lastComplete != null) {
            return;
        }
        prefetched = new FutureTask<>(() -> {
            Snapshot read = settled(System.nanoTime() + maxWait.toNanos());
            complete.accept(read.revision());
            return read;
        });
        Thread.ofPlatform().name("xdprecon-file-prefetch").daemon().start(prefetched);
    }

    /** Whether a prefetch has ended and waits for a poll to take it (for tests). */
    synchronized boolean prefetchEnded() {
        return prefetched != null && prefetched.isDone();
    }

    @Override
    public synchronized Revision poll() throws SourceException {
        awaitPrefetch();
        return settled(System.nanoTime() + maxWait.toNanos()).revision();
    }

    /**
     * Waits for the prefetch, if one was started, and throws what it threw. Until it ends, it alone reads and keeps
     * {@link #known} and {@link #lastComplete}: a poll interrupted while waiting leaves it to the next.
     */
    private void awaitPrefetch() throws SourceException {
        FutureTask<Snapshot> started = prefetched;
        if (started == null) {
            return;
        }
        try {
            started.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while " + path + " is read");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case SourceException s -> throw s;
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new SourceException("cannot read " + path + ": " + e.getCause(), e.getCause());
            }
        } finally {
            if (started.isDone()) {
                prefetched = null;
            }
        }
    }

    /** Reads until the config is complete ({@link FileSource}): the snapshot, kept as {@link #lastComplete}. */
    private Snapshot settled(long deadline) throws SourceException {
        while (true) {
            boolean quiet = awaitNoWriter(deadline);
            Snapshot first = read();
            if (quiet && first.sameAs(lastComplete)) {
                return first;
            }
            // The second read looks at each file a settle time after the first did at the latest: the first's digest
            // passes part of it (a cold start reads every byte, and waited for the settle time after).
            pause(first.lastLook() + settle.toNanos() - System.nanoTime());
            Snapshot second = read();
            if (quiet && second.sameAs(first) && !isBeingWritten()) {
                lastComplete = second;
                return second;
            }
            if (System.nanoTime() - deadline > 0) {
                String what = second.directory() ? "a config file in " + path : "config file " + path;
                throw new SourceException(what + " is being written: "
                        + (isBeingWritten() ? "a writer has not closed it"
                                : "it changed within " + settle.toMillis() + " ms")
                        + " for the last " + maxWait.toMillis() + " ms; it is read once it is complete");
            }
        }
    }

    private Snapshot read() throws SourceException {
        boolean directory = Files.isDirectory(path);
        List<Path> files = configFiles();
        java.util.Map<Path, FileState> last = known;
        // A file whose size, time and inode vouch for its content keeps its id after a stat, on this thread; the
        // others are digested, on every core when there are several: a cold start reads every byte (issue 9). A poll
        // that finds nothing changed makes no thread. Every file is looked at (a stat) before any is digested: the settle
        // time runs from there for all of them, while they are digested.
        FileState[] states = new FileState[files.size()];
        Look[] looks = new Look[files.size()];
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            looks[i] = Look.at(files.get(i));
            states[i] = unchanged(looks[i], last.get(files.get(i)));
            if (states[i] == null) {
                changed.add(i);
            }
        }
        int[] taken = {0};
        InOrder.forEach(changed, InOrder.cores(), i -> digested(files.get(i), looks[i]),
                state -> states[changed.get(taken[0]++)] = state);
        java.util.Map<Path, FileState> now = new java.util.HashMap<>();
        for (FileState state : states) {
            now.put(state.file(), state);
        }
        known = now;
        String id;
        if (!directory) {
            id = states[0].id();
        } else {
            MessageDigest digest = newDigest();
            for (FileState state : states) {
                digest.update((path.relativize(state.file()) + "\0" + state.id() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            id = HexFormat.of().formatHex(digest.digest());
        }
        return new Snapshot(path, directory, List.of(states), id);
    }

    /**
     * A file's size, modification time and inode (null when it could not be taken: reading it says what is wrong), and
     * when (nanoTime) they were taken.
     */
    private record Look(BasicFileAttributes attributes, long at) {
        static Look at(Path file) {
            long at = System.nanoTime();
            try {
                return new Look(Files.readAttributes(file, BasicFileAttributes.class), at);
            } catch (IOException e) {
                return new Look(null, at);
            }
        }

        /** Whether {@code attributes} are the size, time and inode of this look. */
        boolean sameAs(BasicFileAttributes other) {
            return attributes != null && attributes.size() == other.size()
                    && attributes.lastModifiedTime().equals(other.lastModifiedTime())
                    && java.util.Objects.equals(attributes.fileKey(), other.fileKey());
        }
    }

    /** {@code last}, looked at again, when the look's size, time and inode vouch that nothing changed since; else null. */
    private static FileState unchanged(Look look, FileState last) {
        if (last == null || look.attributes() == null) {
            return null;
        }
        BasicFileAttributes now = look.attributes();
        Instant modified = now.lastModifiedTime().toInstant();
        if (now.isRegularFile() && now.size() == last.size() && modified.equals(last.modified())
                && java.util.Objects.equals(now.fileKey(), last.inode())
                && modified.isBefore(Instant.now().minus(RACY))) {
            return new FileState(last.file(), last.size(), last.modified(), last.inode(), last.id(), look.at());
        }
        return null;
    }

    /**
     * What {@link #digested} reads a file with, one set a thread, reset for each file: a directory's files (257 in a
     * fleet's split config) are digested on every core, and made anew each file cost a split cold start's digest
     * threads 150-300 ms CPU more than one file's (a provider lookup, a decoder and 192 KB of buffers a file; issue 9).
     */
    private static final class Digesting {
        final MessageDigest digest = newDigest();
        final java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(64 * 1024);
        final java.nio.CharBuffer chars = java.nio.CharBuffer.allocate(64 * 1024);
    }

    private static final ThreadLocal<Digesting> DIGESTING = ThreadLocal.withInitial(Digesting::new);

    /**
     * {@code file} read through: its size, time, inode and the SHA-256 of its bytes, which must be UTF-8. It counts as
     * looked at when {@code look} was taken if its size, time and inode are still the look's once opened, else then.
     */
    private static FileState digested(Path file, Look look) throws SourceException {
        // Streamed through the digest and a strict UTF-8 check in small pieces: a fleet's config is not held.
        Digesting tools = DIGESTING.get();
        MessageDigest digest = tools.digest;
        digest.reset();
        java.nio.charset.CharsetDecoder utf8 = tools.utf8.reset();
        java.nio.ByteBuffer bytes = tools.bytes.clear();
        java.nio.CharBuffer chars = tools.chars.clear();
        long size = 0;
        Instant modified;
        Object inode;
        long looked;
        try (java.io.InputStream in = RegularFile.open(file)) { // a FIFO would block forever: refused unopened
            looked = System.nanoTime();
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            looked = look.sameAs(attributes) ? look.at() : looked;
            modified = attributes.lastModifiedTime().toInstant();
            inode = attributes.fileKey();
            boolean end = false;
            while (!end) {
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                end = n < 0;
                if (n > 0) {
                    digest.update(bytes.array(), bytes.position(), n);
                    bytes.position(bytes.position() + n);
                    size += n;
                }
                bytes.flip();
                java.nio.charset.CoderResult result = utf8.decode(bytes, chars, end);
                if (result.isError()) {
                    throw notUtf8(file);
                }
                chars.clear();
                bytes.compact();
            }
            if (utf8.flush(chars).isError()) {
                throw notUtf8(file);
            }
        } catch (NoSuchFileException e) {
            throw new SourceException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new SourceException("cannot read config file " + file + ": " + IoErrors.cause(e), e);
        }
        return new FileState(file, size, modified, inode, HexFormat.of().formatHex(digest.digest()), looked);
    }

    /** Where {@code file} stops being UTF-8 (read again, streamed, to place it: the check above does not say). */
    private static SourceException notUtf8(Path file) {
        try (java.io.InputStream in = RegularFile.open(file)) {
            return new SourceException("config file " + file + " "
                    + Utf8.firstMalformed(in).map(Utf8.Malformed::describe).orElse("is not valid UTF-8"));
        } catch (IOException e) {
            return new SourceException("config file " + file + " is not valid UTF-8");
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether a writer is known to be at work on a config file now (only while watched). */
    boolean isBeingWritten() throws SourceException {
        synchronized (beingWritten) {
            return !beingWritten.isEmpty();
        }
    }

    /** Waits until no writer is at work on a config file (known only while watched); false when the deadline came first. */
    private boolean awaitNoWriter(long deadline) throws SourceException {
        synchronized (beingWritten) {
            while (!beingWritten.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    beingWritten.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SourceException("interrupted while " + path + " is being written");
                }
            }
            return true;
        }
    }

    /** Sleeps {@code nanos} (none when not positive). */
    private static void pause(long nanos) throws SourceException {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos)); // the settle time itself: nothing to wait on but the clock
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while waiting for the config to settle");
        }
    }

    /** The files a poll reads now: the path itself, or the directory's YAML files in path order. */
    List<Path> configFiles() throws SourceException {
        if (!Files.exists(path)) {
            throw new SourceException("config file " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            if (!Files.isRegularFile(path)) {
                throw new SourceException(path + " is neither a regular file nor a directory");
            }
            return List.of(path);
        }
        List<Path> yaml;
        try {
            yaml = ConfigLoader.directory(path).stream().map(ConfigInput::name).toList();
        } catch (ConfigException e) {
            throw new SourceException("cannot list config directory " + path + ": " + String.join("; ", e.lines()), e);
        }
        if (yaml.isEmpty()) {
            throw new SourceException("config directory " + path + " holds no *.yaml or *.yml file");
        }
        return yaml;
    }

    /**
     * Calls {@code onChange} (on a daemon thread named {@code xdprecon-file-watch}) whenever the config file is
     * complete after a change: closed after a write, renamed over, moved away or deleted; for a directory
     * source, whenever a YAML file in it is. A write alone does not call it: until its writer closes the file,
     * {@link #poll()} treats it as being written. Callbacks can be spurious or coalesced: the caller polls and
     * compares {@link Revision#id()}. Stopped by {@link #close()}. A source has at most one watch; a second call
     * replaces the first.
     *
     * @throws SourceException the directory cannot be watched (it does not exist, …)
     */
    public void watch(Runnable onChange) throws SourceException {
        Objects.requireNonNull(onChange, "onChange");
        boolean directory = Files.isDirectory(path);
        Path dir = directory ? path : path.getParent();
        String name = directory ? null : path.getFileName().toString();
        synchronized (watchLock) {
            stopWatch();
            Inotify inotify;
            try {
                inotify = Inotify.watch(dir);
                if (directory) {
                    watchSubdirectories(inotify, dir);
                }
            } catch (RuntimeException e) {
                throw new SourceException("cannot watch directory " + dir + ": " + e.getMessage(), e);
            }
            watching = true;
            watchThread = Thread.ofPlatform().daemon().name("xdprecon-file-watch")
                    .start(() -> watchLoop(inotify, name, onChange));
        }
    }

    private void watchLoop(Inotify inotify, String name, Runnable onChange) {
        try (inotify) {
            while (watching) {
                boolean complete = false;
                for (Inotify.Event event : inotify.next(Duration.ofMillis(200))) {
                    boolean relevant = event.kind() == Inotify.Kind.OVERFLOW || event.kind() == Inotify.Kind.WATCH_GONE
                            || (name == null ? inDirectory(inotify, event) : event.name().equals(name));
                    if (!relevant) {
                        continue;
                    }
                    synchronized (beingWritten) {
                        switch (event.kind()) {
                            case MODIFIED -> beingWritten.add(event.name());
                            case CREATED -> // a writer's first write says it is at work; a new directory is
                                    // watched from now on, and what was written in it before is for a poll to see
                                    complete |= name == null && Files.isDirectory(path.resolve(event.name()));
                            case WRITE_CLOSED, MOVED_IN, MOVED_OUT, DELETED -> {
                                beingWritten.remove(event.name());
                                complete = true;
                            }
                            case OVERFLOW, WATCH_GONE -> {
                                beingWritten.clear();
                                complete = true;
                            }
                        }
                        beingWritten.notifyAll();
                    }
                    if (event.kind() == Inotify.Kind.WATCH_GONE) {
                        watching = false; // the directory is gone
                    }
                }
                if (complete) {
                    onChange.run();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the watch of " + path + " stopped: " + e.getMessage());
        } finally {
            synchronized (beingWritten) {
                beingWritten.clear(); // unwatched, nothing is known to be at work
                beingWritten.notifyAll();
            }
        }
    }

    /** Watches every directory under {@code dir} that may hold config files (none hidden). */
    private static void watchSubdirectories(Inotify inotify, Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !p.equals(dir) && Files.isDirectory(p) && !hidden(dir.relativize(p)))
                    .forEach(inotify::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot watch the directories under " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Whether {@code event} of a directory source concerns its config: a YAML file, or an entry that may be a
     * directory of them (created, moved or deleted: a new directory is watched from now on).
     */
    private boolean inDirectory(Inotify inotify, Inotify.Event event) {
        Path relative = Path.of(event.name());
        if (event.name().isEmpty() || hidden(relative)) {
            return false;
        }
        if (ConfigLoader.isYaml(relative)) {
            return true;
        }
        return switch (event.kind()) {
            case CREATED, MOVED_IN -> {
                Path entry = path.resolve(relative);
                if (!Files.isDirectory(entry)) {
                    yield false;
                }
                inotify.add(entry);
                watchSubdirectories(inotify, entry);
                yield true;
            }
            case MOVED_OUT, DELETED -> true; // a directory of config files may have gone
            default -> false;
        };
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private void stopWatch() {
        watching = false;
        Thread thread = watchThread;
        watchThread = null;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        synchronized (watchLock) {
            stopWatch();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
