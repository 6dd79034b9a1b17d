package io.xdprecon.source;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A config on the local file system: either a file, or a directory that holds exactly one {@code *.yaml} (or
 * {@code *.yml}) file.
 *
 * <p>A revision's id is the SHA-256 of the file's bytes (so touching a file without changing it is not a
 * change), its name the file's path and its summary the file's modification time.
 *
 * <p>{@link #watch(Runnable)} reports changes as they happen. It watches the <em>directory</em> (the file's
 * parent, or the configured directory) and filters by name, because editors and config-management tools
 * replace files atomically (write a temporary file, rename it over the old one), which a watch on the file
 * itself would lose.
 */
public final class FileSource implements Source {

    private final Path path;
    private final Object watchLock = new Object();
    private WatchService watcher;
    private Thread watchThread;

    /** @param path a config file, or a directory holding exactly one {@code *.yaml} config */
    public FileSource(Path path) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
    }

    /** The configured path (absolute). */
    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return (Files.isDirectory(path) ? "directory " : "file ") + path;
    }

    @Override
    public synchronized Revision poll() throws SourceException {
        Path file = configFile();
        byte[] bytes;
        Instant modified;
        try {
            modified = Files.getLastModifiedTime(file).toInstant();
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SourceException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new SourceException("cannot read config file " + file + ": " + e, e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SourceException("config file " + file + " is not valid UTF-8");
        }
        return new Revision(sha256(bytes), file.toString(), text, Optional.of("modified " + modified));
    }

    /** The file a poll reads now: the path itself, or the single YAML file in the directory. */
    Path configFile() throws SourceException {
        if (!Files.exists(path)) {
            throw new SourceException("config file " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            if (!Files.isRegularFile(path)) {
                throw new SourceException(path + " is neither a regular file nor a directory");
            }
            return path;
        }
        List<Path> yaml = new ArrayList<>();
        try (Stream<Path> entries = Files.list(path)) {
            entries.filter(p -> isYamlName(p.getFileName().toString()) && Files.isRegularFile(p))
                    .sorted()
                    .forEach(yaml::add);
        } catch (IOException e) {
            throw new SourceException("cannot list config directory " + path + ": " + e, e);
        }
        if (yaml.isEmpty()) {
            throw new SourceException("config directory " + path + " holds no *.yaml file; it must hold exactly one");
        }
        if (yaml.size() > 1) {
            throw new SourceException("config directory " + path + " holds " + yaml.size() + " YAML files ("
                    + String.join(", ", yaml.stream().map(p -> p.getFileName().toString()).toList())
                    + "); it must hold exactly one");
        }
        return yaml.getFirst();
    }

    static boolean isYamlName(String name) {
        return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml"));
    }

    /**
     * Calls {@code onChange} (on a daemon thread named {@code xdprecon-file-watch}) whenever the config file
     * is created, modified, replaced or deleted; for a directory source, whenever a YAML file in it is.
     * Callbacks can be spurious or coalesced: the caller polls and compares {@link Revision#id()}. Stopped by
     * {@link #close()}. A source has at most one watch; a second call replaces the first.
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
            WatchService ws;
            try {
                ws = dir.getFileSystem().newWatchService();
                dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            } catch (IOException e) {
                throw new SourceException("cannot watch directory " + dir + ": " + e, e);
            }
            watcher = ws;
            watchThread = Thread.ofPlatform().daemon().name("xdprecon-file-watch")
                    .start(() -> watchLoop(ws, name, onChange));
        }
    }

    private static void watchLoop(WatchService ws, String name, Runnable onChange) {
        try {
            while (true) {
                WatchKey key = ws.take();
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        relevant = true;
                        continue;
                    }
                    String changed = ((Path) event.context()).getFileName().toString();
                    relevant |= name == null ? isYamlName(changed) : changed.equals(name);
                }
                if (relevant) {
                    onChange.run();
                }
                if (!key.reset()) {
                    return; // the directory is gone
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    private void stopWatch() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // nothing to do
            }
            watcher = null;
        }
        if (watchThread != null) {
            watchThread.interrupt();
            watchThread = null;
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
