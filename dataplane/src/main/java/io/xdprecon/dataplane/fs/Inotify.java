package io.xdprecon.dataplane.fs;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An inotify(7) watch on one directory, read by one thread. Unlike {@code WatchService} it reports
 * {@link Kind#WRITE_CLOSED} ({@code IN_CLOSE_WRITE}): a file opened for writing was closed, so a writer
 * that rewrites a file in place ({@code cp}, {@code >}, scp) has finished with it.
 *
 * <p>Events as read, one {@code struct inotify_event} after another:
 * <pre>
 *   0       4       8       12      16
 *   ┌───────┬───────┬───────┬───────┬──────────────────────────┐
 *   │ wd    │ mask  │cookie │ len   │ name[len] (NUL-padded)   │
 *   └───────┴───────┴───────┴───────┴──────────────────────────┘
 * </pre>
 */
public final class Inotify implements AutoCloseable {
    private static final int IN_NONBLOCK = 0x800;
    private static final int IN_CLOEXEC = 0x80000;
    private static final int IN_MODIFY = 0x2;
    private static final int IN_CLOSE_WRITE = 0x8;
    private static final int IN_MOVED_FROM = 0x40;
    private static final int IN_MOVED_TO = 0x80;
    private static final int IN_CREATE = 0x100;
    private static final int IN_DELETE = 0x200;
    private static final int IN_DELETE_SELF = 0x400;
    private static final int IN_MOVE_SELF = 0x800;
    private static final int IN_Q_OVERFLOW = 0x4000;
    private static final int IN_IGNORED = 0x8000;
    private static final int MASK = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
            | IN_DELETE_SELF | IN_MOVE_SELF;
    private static final short POLLIN = 1;
    private static final int EVENT_HEADER = 16;
    private static final int BUFFER = 64 * 1024;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    private static final MethodHandle INIT = Native.libcWithErrno("inotify_init1",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT));
    private static final MethodHandle ADD_WATCH = Native.libcWithErrno("inotify_add_watch",
            FunctionDescriptor.of(Native.C_INT, Native.C_INT, Native.POINTER, Native.C_INT));
    private static final MethodHandle POLL = Native.libcWithErrno("poll",
            FunctionDescriptor.of(Native.C_INT, Native.POINTER, Native.C_LONG, Native.C_INT));
    private static final MethodHandle READ = Native.libcWithErrno("read",
            FunctionDescriptor.of(Native.C_LONG, Native.C_INT, Native.POINTER, Native.C_LONG));
    private static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(Native.C_INT, Native.C_INT));

    /** What happened to an entry of the directory (or, for {@link #WATCH_GONE}, to the directory). */
    public enum Kind {
        /** Written to or truncated: a writer is at work. */
        MODIFIED,
        /** A file opened for writing was closed. */
        WRITE_CLOSED,
        CREATED,
        DELETED,
        /** Renamed into the directory (an atomic replace ends so). */
        MOVED_IN,
        MOVED_OUT,
        /** The kernel's queue overflowed: events were lost, look at everything again. */
        OVERFLOW,
        /** The directory itself was deleted or moved: nothing more will come. */
        WATCH_GONE
    }

    /** One event; {@code name} is the entry's name in the directory, empty for the directory itself. */
    public record Event(Kind kind, String name) {}

    private final Path directory;
    /** The watched directories by watch descriptor: "" for {@link #directory}, else its path under it and a '/'. */
    private final java.util.Map<Integer, String> prefixes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER, 8);
    private final MemorySegment pollFd = arena.allocate(8, 4);
    private final MemorySegment callState = Native.callState(arena);
    private int fd;

    private Inotify(Path directory, int fd, int wd) {
        this.directory = directory;
        this.fd = fd;
        prefixes.put(wd, "");
    }

    /**
     * Watches {@code subdirectory} (a directory under the watched one) too: its entries' events name them by their
     * path under the watched directory ({@code flows/a.yaml}), and its deletion is a {@link Kind#DELETED} of its
     * path. Adding a directory watched already changes nothing.
     */
    public void add(Path subdirectory) {
        String prefix = directory.relativize(subdirectory).toString();
        if (prefix.isEmpty() || prefix.startsWith("..")) {
            throw new IllegalArgumentException(subdirectory + " is not under " + directory);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Native.callState(call);
            int wd = (int) ADD_WATCH.invokeExact(state, fd, call.allocateFrom(subdirectory.toString()), MASK);
            if (wd < 0) {
                throw BpfException.of("watch directory", subdirectory.toString(), Native.errno(state));
            }
            prefixes.put(wd, prefix + "/");
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Watches {@code directory}'s entries (not its subdirectories'). */
    public static Inotify watch(Path directory) {
        int fd;
        int wd;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Native.callState(call);
            fd = (int) INIT.invokeExact(state, IN_NONBLOCK | IN_CLOEXEC);
            if (fd < 0) {
                throw BpfException.of("inotify_init1", directory.toString(), Native.errno(state));
            }
            wd = (int) ADD_WATCH.invokeExact(state, fd, call.allocateFrom(directory.toString()), MASK);
            if (wd < 0) {
                int errno = Native.errno(state);
                int ignored = (int) CLOSE.invokeExact(fd);
                throw BpfException.of("watch directory", directory.toString(), errno);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return new Inotify(directory, fd, wd);
    }

    /** The events that arrive within {@code timeout}; empty when none did. Call from one thread only. */
    public List<Event> next(Duration timeout) {
        if (fd < 0) {
            throw new IllegalStateException("the watch of " + directory + " is closed");
        }
        try {
            pollFd.set(ValueLayout.JAVA_INT, 0, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollFd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int ready = (int) POLL.invokeExact(callState, pollFd, 1L, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            if (ready < 0) {
                int errno = Native.errno(callState);
                if (errno == EINTR) {
                    return List.of();
                }
                throw BpfException.of("poll inotify", directory.toString(), errno);
            }
            if (ready == 0) {
                return List.of();
            }
            long n = (long) READ.invokeExact(callState, fd, buffer, (long) BUFFER);
            if (n < 0) {
                int errno = Native.errno(callState);
                if (errno == EAGAIN || errno == EINTR) {
                    return List.of();
                }
                throw BpfException.of("read inotify", directory.toString(), errno);
            }
            return parse(buffer, n, prefixes);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    static List<Event> parse(MemorySegment events, long length) {
        return parse(events, length, java.util.Map.of());
    }

    /** The events in {@code events}, named under the directory of their watch ({@code prefixes}; "" when unknown). */
    static List<Event> parse(MemorySegment events, long length, java.util.Map<Integer, String> prefixes) {
        List<Event> out = new ArrayList<>();
        long offset = 0;
        while (offset + EVENT_HEADER <= length) {
            int wd = events.get(ValueLayout.JAVA_INT, offset);
            int mask = events.get(ValueLayout.JAVA_INT, offset + 4);
            int nameLength = events.get(ValueLayout.JAVA_INT, offset + 12);
            String name = nameLength == 0 ? "" : cString(events.asSlice(offset + EVENT_HEADER, nameLength));
            offset += EVENT_HEADER + nameLength;
            Kind kind = kindOf(mask);
            String prefix = prefixes.isEmpty() || kind == Kind.OVERFLOW ? "" : prefixes.get(wd);
            if (prefix == null) {
                continue; // a subdirectory's watch ended already (IN_IGNORED after its deletion)
            }
            if (kind == Kind.WATCH_GONE && !prefix.isEmpty()) {
                // A subdirectory went: its entries did. Only the watched directory's end ends the watch.
                prefixes.remove(wd);
                out.add(new Event(Kind.DELETED, prefix.substring(0, prefix.length() - 1)));
            } else if (kind != null) {
                out.add(new Event(kind, prefix + name));
            }
        }
        return out;
    }

    private static Kind kindOf(int mask) {
        if ((mask & IN_Q_OVERFLOW) != 0) return Kind.OVERFLOW;
        if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) return Kind.WATCH_GONE;
        if ((mask & IN_CLOSE_WRITE) != 0) return Kind.WRITE_CLOSED;
        if ((mask & IN_MODIFY) != 0) return Kind.MODIFIED;
        if ((mask & IN_MOVED_TO) != 0) return Kind.MOVED_IN;
        if ((mask & IN_MOVED_FROM) != 0) return Kind.MOVED_OUT;
        if ((mask & IN_CREATE) != 0) return Kind.CREATED;
        if ((mask & IN_DELETE) != 0) return Kind.DELETED;
        return null;
    }

    private static String cString(MemorySegment name) {
        byte[] bytes = name.toArray(ValueLayout.JAVA_BYTE);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) end++;
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** Closes the watch; call from the thread that reads it, or once it no longer reads. */
    @Override
    public void close() {
        if (fd >= 0) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            } finally {
                fd = -1;
                arena.close();
            }
        }
    }
}
