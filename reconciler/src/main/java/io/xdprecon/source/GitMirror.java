package io.xdprecon.source;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.host.FileTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.LargeObjectException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The fetch side of {@link GitSource} (Flux's checkout strategy): a bare mirror of one remote in the state
 * directory, fetched with JGit (no {@code git} binary), read without a working tree.
 *
 * <ul>
 *   <li>The first use initialises a bare repository with the URL as its {@code origin}; a state directory that
 *       holds anything other than a clone of this URL is refused, never deleted.</li>
 *   <li>{@link #fetch} takes all branches and tags ({@code +refs/heads/*}, {@code +refs/tags/*}), pruning deleted
 *       ones; a failed fetch leaves the repository as it was.</li>
 *   <li>{@link #markApplied} keeps the commit the daemon applied last in {@value #APPLIED}: outside the fetched
 *       namespaces, so no fetch moves or prunes it, and its objects stay — what a start with the remote away
 *       serves, and what the next head must descend from.</li>
 * </ul>
 */
final class GitMirror implements AutoCloseable {
    /** The ref that holds the last applied commit. */
    static final String APPLIED = "refs/xdprecon/applied";

    /** A config file of a revision: its path under the configured path ("" for the path itself), and its blob. */
    record ConfigFile(String path, ObjectId blob) {}

    private final String url;
    private final String displayUrl;
    private final Path stateDir;
    private final Duration timeout;
    private final GitTransport transport;
    private Repository repository;

    GitMirror(String url, String displayUrl, Path stateDir, GitCredentials credentials, Duration timeout) {
        this.url = Objects.requireNonNull(url, "url");
        this.displayUrl = displayUrl;
        this.stateDir = stateDir;
        this.timeout = timeout;
        this.transport = new GitTransport(credentials, stateDir);
    }

    /** The bare repository, opened or initialised on first use. */
    Repository repository() throws SourceException {
        if (repository != null) {
            return repository;
        }
        Path dir = stateDir;
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new SourceException("state directory " + dir + " is not a directory");
            }
            boolean empty = !Files.exists(dir) || holdsOnlyTheDaemonsFiles(dir);
            Repository repo;
            if (empty) {
                Files.createDirectories(dir);
                repo = Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch("xdprecon-unused")
                        .call().getRepository();
                StoredConfig cfg = repo.getConfig();
                cfg.setString("remote", "origin", "url", url);
                cfg.setBoolean("gc", null, "autoDetach", false);
                cfg.save();
            } else {
                try {
                    repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
                } catch (RepositoryNotFoundException e) {
                    throw new SourceException("state directory " + dir + " is not empty and holds no Git repository;"
                            + " refusing to use it (empty it or choose another state directory)");
                }
                String origin = repo.getConfig().getString("remote", "origin", "url");
                if (!url.equals(origin)) {
                    repo.close();
                    throw new SourceException("state directory " + dir + " holds a clone of "
                            + (origin == null ? "no remote" : GitSource.displayUrl(origin)) + ", not of " + displayUrl
                            + "; refusing to use it (remove it or choose another state directory)");
                }
            }
            repository = repo;
            return repo;
        } catch (IOException | GitAPIException e) {
            throw new SourceException("cannot prepare the state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code dir} holds nothing but what the daemon keeps beside the clone in its state directory: the admin
     * token (written when the admin endpoint starts, before the first fetch; its temporary file shares the name's
     * start) and the suspension mark ({@code ControlToken.FILE_NAME}, {@code Suspension.FILE_NAME}). Such a
     * directory is a fresh node's, not someone else's.
     */
    private static boolean holdsOnlyTheDaemonsFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && DAEMON_FILES.stream().anyMatch(p.getFileName().toString()::startsWith));
        }
    }

    /** The names (or their start) of the files {@link #holdsOnlyTheDaemonsFiles} lets stand. */
    static final List<String> DAEMON_FILES = List.of("admin-token", "suspended");

    /** Every branch and tag of the remote, as the mirror keeps them. */
    private static final List<RefSpec> BRANCHES_AND_TAGS =
            List.of(new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*"));

    /**
     * Fetches every branch and tag of the remote; on failure the repository is as it was.
     *
     * <p>The pack asked for is not thin: a server (git's own, whose {@code core.bigFileThreshold} is 512 MB) sends an
     * edited big file as a delta against the version the mirror holds, and JGit resolves such a delta with the base
     * and the result whole in the heap — a 57 MB config is then 114 MB, past the unit's {@code -Xmx144m} ("Out of
     * memory loading unknown object"). Without thin packs the server sends the file whole and JGit streams it; what
     * it costs is the changed files' bytes (compressed) instead of their deltas.
     */
    void fetch() throws SourceException {
        FetchCommand fetch = Git.wrap(repository()).fetch()
                .setRemote("origin")
                .setRefSpecs(BRANCHES_AND_TAGS)
                .setTagOpt(TagOpt.NO_TAGS)
                .setThin(false)
                .setRemoveDeletedRefs(true)
                .setTimeout(timeoutSeconds());
        transport.configure(fetch);
        try {
            fetch.call();
        } catch (OutOfMemoryError e) {
            // Only here, where JGit holds a delta's base and result whole: once the fetch unwinds they are garbage and
            // the heap is as before (GitSourceBigHistoryTest runs on in the same JVM). The daemon catches no other.
            throw new HeapExceeded(displayUrl, e);
        } catch (GitAPIException | RuntimeException e) {
            if (causedBy(e, LargeObjectException.OutOfMemory.class)) {
                throw new HeapExceeded(displayUrl, e); // JGit's own mapping of the same failure
            }
            throw cannotFetch(e);
        }
    }

    /** A failed fetch or ls-remote, said once with the URL (JGit starts its message with the URL too). */
    private SourceException cannotFetch(Exception e) {
        String message = rootMessage(e);
        for (String prefix : List.of(url + ": ", displayUrl + ": ")) {
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
        }
        return new SourceException("cannot fetch " + displayUrl + ": " + message, e);
    }

    /**
     * The branches and tags the remote advertises (an ls-remote: the refs, no object), by name — what {@link #fetch}
     * would make the mirror's. Annotated tags by their tag object, as a fetch stores them. Fails as a fetch does.
     */
    Map<String, ObjectId> advertised() throws SourceException {
        var ls = Git.wrap(repository()).lsRemote().setRemote("origin").setHeads(true).setTags(true)
                .setTimeout(timeoutSeconds());
        transport.configure(ls);
        try {
            return byName(ls.call());
        } catch (GitAPIException | RuntimeException e) {
            throw cannotFetch(e);
        }
    }

    /** The mirror's branches and tags, by name: what it fetched last, as {@link #advertised} names them. */
    Map<String, ObjectId> fetched() throws SourceException, IOException {
        return byName(repository().getRefDatabase().getRefsByPrefix(Constants.R_HEADS, Constants.R_TAGS));
    }

    private static Map<String, ObjectId> byName(java.util.Collection<Ref> refs) {
        Map<String, ObjectId> byName = new TreeMap<>();
        for (Ref r : refs) {
            if (r.getObjectId() != null && !r.getName().endsWith("^{}")) {
                byName.put(r.getName(), r.getObjectId());
            }
        }
        return byName;
    }

    /**
     * A fetch that brought a file too big to resolve within this JVM's heap: JGit applies a delta (one revision of
     * the file against another, as the host packed them) with the base and the result whole in the heap — twice the
     * file, and the serial collector needs each array in one piece of its old generation. Nothing was written.
     */
    static final class HeapExceeded extends SourceException {
        HeapExceeded(String displayUrl, Throwable cause) {
            super("cannot fetch " + displayUrl + ": a file in its history does not fit this JVM's heap (-Xmx"
                    + heapMb() + "m; JGit resolves a revision of a big file against another whole in the heap: twice"
                    + " the file)", cause);
        }

        /** The heap's size as {@code -Xmx} gave it, in MB ({@link Runtime#maxMemory()} leaves a survivor space out). */
        static long heapMb() {
            try {
                var vm = java.lang.management.ManagementFactory
                        .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
                return Long.parseLong(vm.getVMOption("MaxHeapSize").getValue()) >> 20;
            } catch (RuntimeException e) {
                return Runtime.getRuntime().maxMemory() >> 20;
            }
        }
    }

    /** The fetch timeout as JGit counts it: whole seconds, at least one. */
    private int timeoutSeconds() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The size of the config at {@code path} at the remote's {@code ref} (its biggest file when a directory), told
     * after {@link HeapExceeded}: a depth-1 fetch into a scratch repository in the state directory, deleted after —
     * that brings each file of the head once, whole (no delta: 22 MB of heap for a 57 MB file). The mirror is not
     * touched, so its history (and the rollback checks on it) stays whole. Empty when it cannot tell.
     */
    Optional<ConfigFileSize> biggestAtRemote(String ref, String path) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory(stateDir, "xdprecon-size-probe");
            try (Git git = Git.init().setBare(true).setDirectory(scratch.toFile()).call()) {
                StoredConfig cfg = git.getRepository().getConfig();
                cfg.setString("remote", "origin", "url", url);
                cfg.setBoolean("gc", null, "autoDetach", false); // no gc task may outlive the scratch, deleted below
                cfg.save();
                FetchCommand fetch = git.fetch().setRemote("origin")
                        .setRefSpecs(BRANCHES_AND_TAGS).setTagOpt(TagOpt.NO_TAGS).setThin(false).setDepth(1)
                        .setTimeout(timeoutSeconds());
                transport.configure(fetch);
                fetch.call();
                Repository repo = git.getRepository();
                RevCommit head;
                try (RevWalk walk = new RevWalk(repo)) {
                    head = walk.parseCommit(repo.exactRef(resolveRef(repo, ref)).getObjectId());
                }
                ConfigFileSize biggest = null;
                try (ObjectReader reader = repo.newObjectReader()) {
                    for (ConfigFile f : read(repo, head, path, ref)) {
                        long size = reader.getObjectSize(f.blob(), Constants.OBJ_BLOB);
                        if (biggest == null || size > biggest.size()) {
                            String name = f.path().isEmpty() ? path : path + "/" + f.path();
                            biggest = new ConfigFileSize(name, f.blob(), size);
                        }
                    }
                }
                return Optional.ofNullable(biggest);
            }
        } catch (IOException | GitAPIException | SourceException | RuntimeException | OutOfMemoryError e) {
            return Optional.empty(); // what is said without it is still true
        } finally {
            if (scratch != null) {
                // a scratch left behind is harmless to the next probe (it makes another), but takes room: said, not thrown
                FileTree.deleteOrWarn(scratch, System.getLogger("xdprecon.source"));
            }
        }
    }

    /** A file of the config by its path in the repository, its blob and its size in bytes. */
    record ConfigFileSize(String path, ObjectId blob, long size) {}

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    /**
     * The full name of {@code ref} as fetched: {@code refs/...} as given, or the one branch or tag a short name
     * names.
     */
    String resolveRef(String ref) throws SourceException, IOException {
        return resolveRef(repository(), ref);
    }

    /** {@link #resolveRef(String)} in {@code repo} (the mirror, or the size probe's scratch). */
    private String resolveRef(Repository repo, String ref) throws SourceException, IOException {
        if (ref.startsWith("refs/")) {
            if (repo.exactRef(ref) == null) {
                throw new SourceException("ref " + ref + " does not exist in " + displayUrl);
            }
            return ref;
        }
        boolean branch = repo.exactRef(Constants.R_HEADS + ref) != null;
        boolean tag = repo.exactRef(Constants.R_TAGS + ref) != null;
        if (branch && tag) {
            throw new SourceException("ref " + ref + " is ambiguous in " + displayUrl + ": both refs/heads/" + ref
                    + " and refs/tags/" + ref + " exist; name one in full");
        }
        if (!branch && !tag) {
            throw new SourceException("ref " + ref + " does not exist in " + displayUrl + " (neither a branch nor a tag)");
        }
        return (branch ? Constants.R_HEADS : Constants.R_TAGS) + ref;
    }

    /** The commit {@code refName} points at (an annotated tag peeled). */
    RevCommit commit(String refName) throws SourceException, IOException {
        Repository repo = repository();
        Ref ref = repo.exactRef(refName);
        try (RevWalk walk = new RevWalk(repo)) {
            return walk.parseCommit(ref.getObjectId());
        }
    }

    /** The commit last {@link #markApplied applied}, if any and still in the repository. */
    Optional<RevCommit> applied() throws SourceException, IOException {
        Repository repo = repository();
        Ref ref = repo.exactRef(APPLIED);
        if (ref == null) {
            return Optional.empty();
        }
        try (RevWalk walk = new RevWalk(repo)) {
            return Optional.of(walk.parseCommit(ref.getObjectId()));
        }
    }

    /** Records {@code commit} as the one applied: kept across restarts and fetches. */
    void markApplied(ObjectId commit) throws SourceException, IOException {
        RefUpdate update = repository().updateRef(APPLIED);
        update.setNewObjectId(commit);
        update.setForceUpdate(true);
        RefUpdate.Result result = update.update();
        switch (result) {
            case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> { }
            default -> throw new SourceException("cannot record the applied commit " + commit.name() + " in "
                    + stateDir + ": " + result);
        }
    }

    /** Whether {@code ancestor} is {@code descendant} or one of its ancestors. */
    boolean isAncestor(ObjectId ancestor, ObjectId descendant) throws SourceException, IOException {
        try (RevWalk walk = new RevWalk(repository())) {
            return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(descendant));
        }
    }

    /**
     * The config at {@code path} in {@code commit}'s tree: the file there, or the YAML files of the directory there
     * (in its subdirectories too, hidden ones left out, as {@code ConfigLoader.isYaml} says), in path order — each
     * by its blob id, opened when read: no text is held.
     */
    List<ConfigFile> read(RevCommit commit, String path, String ref) throws SourceException, IOException {
        return read(repository(), commit, path, ref);
    }

    /** {@link #read(RevCommit, String, String)} in {@code repo} (the mirror, or the size probe's scratch). */
    private List<ConfigFile> read(Repository repo, RevCommit commit, String path, String ref)
            throws SourceException, IOException {
        String shortId = commit.name().substring(0, 12);
        try (TreeWalk tw = TreeWalk.forPath(repo, path, commit.getTree())) {
            if (tw == null) {
                throw new SourceException("path " + path + " does not exist in " + displayUrl + " at " + ref
                        + " (commit " + shortId + ")");
            }
            FileMode mode = tw.getFileMode(0);
            if (mode == FileMode.TREE) {
                List<ConfigFile> files = yamlFiles(repo, tw.getObjectId(0));
                if (files.isEmpty()) {
                    throw new SourceException("directory " + path + " in " + displayUrl + " at commit " + shortId
                            + " holds no *.yaml or *.yml file");
                }
                return files;
            }
            if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
                throw new SourceException("path " + path + " in " + displayUrl + " at commit " + shortId
                        + " is not a regular file (a symbolic link or a submodule)");
            }
            return List.of(new ConfigFile("", tw.getObjectId(0)));
        }
    }

    /** The YAML files under {@code tree}, by their path under it, in path order (as a config directory's). */
    private static List<ConfigFile> yamlFiles(Repository repo, ObjectId tree) throws IOException {
        List<ConfigFile> yaml = new ArrayList<>();
        try (TreeWalk tw = new TreeWalk(repo)) {
            tw.addTree(tree);
            tw.setRecursive(true);
            while (tw.next()) {
                FileMode m = tw.getFileMode(0);
                if ((m == FileMode.REGULAR_FILE || m == FileMode.EXECUTABLE_FILE)
                        && ConfigLoader.isYaml(Path.of(tw.getPathString()))) {
                    yaml.add(new ConfigFile(tw.getPathString(), tw.getObjectId(0)));
                }
            }
        }
        yaml.sort(java.util.Comparator.comparing(ConfigFile::path));
        return yaml;
    }

    /** A blob's bytes, streamed from the clone. */
    java.io.InputStream open(ObjectId blob) throws IOException {
        try {
            return repository().open(blob, Constants.OBJ_BLOB).openStream();
        } catch (SourceException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (repository != null) {
            repository.close();
            repository = null;
        }
        transport.close();
    }
}
