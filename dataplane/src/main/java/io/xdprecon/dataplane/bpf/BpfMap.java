package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Errno;
import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A BPF map by file descriptor, with element and batch operations on caller-owned segments. The
 * batch calls fall back to element calls where a map type or kernel has no batch support, and never
 * allocate per element: callers reuse their key and value segments across calls.
 *
 * <p>Not thread-safe (a small scratch area is reused); give each thread its own instance.
 *
 * <p>Value sizes follow the syscall: for per-CPU maps a value is {@link #possibleCpus()} slots of
 * {@link #slotSize()} bytes, see {@link #valueSize()}.
 */
public final class BpfMap implements AutoCloseable {
    private static final long OPTS_SIZE = 24; // struct bpf_map_batch_opts

    private final int fd;
    private final boolean ownsFd;
    private final String name;
    private final MapType type;
    private final int id;
    private final int keySize;
    private final int declaredValueSize;
    private final int maxEntries;
    private final int flags;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment batchOpts = arena.allocate(OPTS_SIZE, 8);
    private final MemorySegment inToken;
    private final MemorySegment outToken;
    private boolean batchUnsupported;

    private BpfMap(int fd, boolean ownsFd, String fallbackName) {
        this.fd = fd;
        this.ownsFd = ownsFd;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment info = scratch.allocate(88, 8);
            MemorySegment len = scratch.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) info.byteSize());
            int rc = call(() -> (int) Libbpf.OBJ_GET_INFO_BY_FD.invokeExact(fd, info, len));
            BpfException.check(rc, "read map info of", fallbackName);
            type = MapType.ofCode(info.get(ValueLayout.JAVA_INT, 0));
            id = info.get(ValueLayout.JAVA_INT, 4);
            keySize = info.get(ValueLayout.JAVA_INT, 8);
            declaredValueSize = info.get(ValueLayout.JAVA_INT, 12);
            maxEntries = info.get(ValueLayout.JAVA_INT, 16);
            flags = info.get(ValueLayout.JAVA_INT, 20);
            String kernelName = info.asSlice(24, 16).getString(0);
            name = kernelName.isEmpty() ? fallbackName : kernelName;
        }
        // Hash maps page through buckets with a u32 token; other types use a key-sized one.
        long tokenSize = Math.max(8, keySize);
        inToken = arena.allocate(tokenSize, 8);
        outToken = arena.allocate(tokenSize, 8);
        batchOpts.set(ValueLayout.JAVA_LONG, 0, OPTS_SIZE);
    }

    /** Opens a map pinned on a bpffs; the path names the map in errors. */
    public static BpfMap openPinned(Path pin) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment path = scratch.allocateFrom(pin.toString());
            int fd = call(() -> (int) Libbpf.OBJ_GET.invokeExact(path));
            BpfException.check(fd, "open pinned map", pin.toString());
            return new BpfMap(fd, true, pin.getFileName().toString());
        }
    }

    /**
     * Opens the map the kernel knows by {@code id} (e.g. one of {@link BpfProgram.Info#mapIds() a running program's}),
     * pinned or not; {@link BpfException.NotFound} when no such map exists any more.
     */
    public static BpfMap openById(int id) {
        int fd = call(() -> (int) Libbpf.MAP_GET_FD_BY_ID.invokeExact(id));
        BpfException.check(fd, "open map", "id " + id);
        return new BpfMap(fd, true, "map id " + id);
    }

    /** Wraps a descriptor someone else owns (a loaded object's map): {@link #close()} leaves it open. */
    static BpfMap borrow(int fd, String name) {
        return new BpfMap(fd, false, name);
    }

    public String name() {
        return name;
    }

    public MapType type() {
        return type;
    }

    public int id() {
        return id;
    }

    public int fd() {
        return fd;
    }

    public int keySize() {
        return keySize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /** What the map is, as the kernel describes it: libbpf reuses a pinned map only when this matches its definition. */
    public MapDefinition definition() {
        return new MapDefinition(type, keySize, declaredValueSize, maxEntries, flags);
    }

    /** Pins the map at {@code pin} (a second name for it, when it is pinned already). */
    public void pin(Path pin) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment path = scratch.allocateFrom(pin.toString());
            int rc = call(() -> (int) Libbpf.OBJ_PIN.invokeExact(fd, path));
            BpfException.check(rc, "pin map " + name + " at", pin.toString());
        }
    }

    public static int possibleCpus() {
        return Libbpf.POSSIBLE_CPUS;
    }

    /** Bytes of one CPU's value in a per-CPU map (the declared size rounded up to 8). */
    public int slotSize() {
        return type.perCpu() ? (declaredValueSize + 7) & ~7 : declaredValueSize;
    }

    /** Bytes of one element's value as the syscall reads and writes it. */
    public int valueSize() {
        return type.perCpu() ? slotSize() * possibleCpus() : declaredValueSize;
    }

    /** Reads {@code key}'s value into {@code value}; false when the key is absent. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_LOOKUP_ELEM.invokeExact(fd, key, value);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc == -Errno.ENOENT) {
            return false;
        }
        BpfException.check(rc, "lookup in map", name);
        return true;
    }

    public void update(MemorySegment key, MemorySegment value, UpdateMode mode) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_UPDATE_ELEM.invokeExact(fd, key, value, mode.flags);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        BpfException.check(rc, "update map", name);
    }

    /**
     * {@link #lookup(MemorySegment, MemorySegment)} on byte arrays, for tools and tests (it copies through native
     * memory at every call: not for hot paths). {@code value} must be {@link #valueSize()} long.
     */
    public boolean lookup(byte[] key, byte[] value) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment k = copyIn(scratch, key, keySize, "key");
            MemorySegment v = scratch.allocate(checkedLength(value, valueSize(), "value"), 8);
            if (!lookup(k, v)) {
                return false;
            }
            MemorySegment.copy(v, ValueLayout.JAVA_BYTE, 0, value, 0, value.length);
            return true;
        }
    }

    /** {@link #update(MemorySegment, MemorySegment, UpdateMode)} on byte arrays, for tools and tests (not hot paths). */
    public void update(byte[] key, byte[] value, UpdateMode mode) {
        try (Arena scratch = Arena.ofConfined()) {
            update(copyIn(scratch, key, keySize, "key"), copyIn(scratch, value, valueSize(), "value"), mode);
        }
    }

    /** How many elements the map holds now (a walk of it: for tools and tests, not hot paths). */
    public int countEntries() {
        int[] entries = {0};
        try (Arena scratch = Arena.ofConfined()) {
            forEach(scratch.allocate(64L * keySize, 8), scratch.allocate(64L * valueSize(), 8), (k, v, n) -> entries[0] += n);
        }
        return entries[0];
    }

    private MemorySegment copyIn(Arena scratch, byte[] bytes, int size, String what) {
        MemorySegment segment = scratch.allocate(checkedLength(bytes, size, what), 8);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return segment;
    }

    private int checkedLength(byte[] bytes, int size, String what) {
        if (bytes.length != size) {
            throw new IllegalArgumentException("a " + what + " of " + bytes.length + " bytes for map " + name
                    + ", whose " + what + "s are " + size);
        }
        return size;
    }

    /** Deletes {@code key}; false when it was already absent. */
    public boolean delete(MemorySegment key) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_DELETE_ELEM.invokeExact(fd, key);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc == -Errno.ENOENT) {
            return false;
        }
        BpfException.check(rc, "delete from map", name);
        return true;
    }

    /** Reads {@code key}'s value into {@code value} and deletes the key in one step; false when it was absent. */
    public boolean lookupAndDelete(MemorySegment key, MemorySegment value) {
        int rc = call(() -> (int) Libbpf.MAP_LOOKUP_AND_DELETE_ELEM.invokeExact(fd, key, value));
        if (rc == -Errno.ENOENT) {
            return false;
        }
        BpfException.check(rc, "lookup and delete in map", name);
        return true;
    }

    /**
     * The values of a {@code BPF_F_MMAPABLE} array, mapped shared and writable into this process: what
     * another process writes there is seen here at once. Unmapped when {@code arena} closes.
     */
    public MemorySegment mmap(Arena arena) {
        long size = (long) declaredValueSize * maxEntries;
        long pages = (size + 4095) & ~4095L;
        MemorySegment address;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment state = Native.callState(scratch);
            address = (MemorySegment) Libbpf.MMAP.invokeExact(state, MemorySegment.NULL, pages,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (address.address() == -1L) {
                throw BpfException.of("mmap map", name, Native.errno(state));
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return address.reinterpret(size, arena, mapped -> {
            try {
                int ignored = (int) Libbpf.MUNMAP.invokeExact(MemorySegment.ofAddress(mapped.address()), pages);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        });
    }

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;

    /**
     * Writes the key after {@code key} (the first key when {@code key} is null) into {@code next};
     * false at the end of the map.
     */
    public boolean nextKey(MemorySegment key, MemorySegment next) {
        MemorySegment previous = key == null ? MemorySegment.NULL : key;
        int rc = call(() -> (int) Libbpf.MAP_GET_NEXT_KEY.invokeExact(fd, previous, next));
        if (rc == -Errno.ENOENT) {
            return false;
        }
        BpfException.check(rc, "iterate map", name);
        return true;
    }

    /** Receives pages of a {@link #forEach} walk: {@code n} keys and values packed in the segments. */
    @FunctionalInterface
    public interface PageConsumer {
        void accept(MemorySegment keys, MemorySegment values, int n);
    }

    /**
     * Walks every element, a page of up to {@code keys.byteSize() / keySize()} elements at a time,
     * with {@code bpf_map_lookup_batch} (or key iteration where unsupported). The segments are reused
     * for every page. A concurrent writer may make the walk miss or repeat keys it touches meanwhile,
     * as with any iteration of a live hash map.
     */
    public void forEach(MemorySegment keys, MemorySegment values, PageConsumer consumer) {
        int capacity = pageCapacity(keys, values);
        if (!batchUnsupported && type != MapType.XSKMAP) {
            MemorySegment in = MemorySegment.NULL;
            while (true) {
                count.set(ValueLayout.JAVA_INT, 0, capacity);
                MemorySegment from = in;
                int rc = call(() -> (int) Libbpf.MAP_LOOKUP_BATCH.invokeExact(
                        fd, from, outToken, keys, values, count, batchOpts));
                int n = count.get(ValueLayout.JAVA_INT, 0);
                if (rc == 0 || rc == -Errno.ENOENT) {
                    if (n > 0) {
                        consumer.accept(keys, values, n);
                    }
                    if (rc == -Errno.ENOENT) {
                        return;
                    }
                    MemorySegment.copy(outToken, 0, inToken, 0, inToken.byteSize());
                    in = inToken;
                } else if (in == MemorySegment.NULL && unsupported(rc)) {
                    batchUnsupported = true;
                    break;
                } else {
                    BpfException.check(rc, "batch lookup in map", name);
                }
            }
        }
        forEachByKey(keys, values, capacity, consumer);
    }

    private void forEachByKey(MemorySegment keys, MemorySegment values, int capacity, PageConsumer consumer) {
        int n = 0;
        MemorySegment previous = null;
        MemorySegment cursor = arena.allocate(keySize); // once per walk, not per element
        while (nextKey(previous, cursor)) {
            MemorySegment keySlot = keys.asSlice((long) n * keySize, keySize);
            MemorySegment.copy(cursor, 0, keySlot, 0, keySize);
            if (lookup(keySlot, values.asSlice((long) n * valueSize(), valueSize()))) {
                n++;
            }
            if (n == capacity) {
                consumer.accept(keys, values, n);
                n = 0;
            }
            previous = cursor;
        }
        if (n > 0) {
            consumer.accept(keys, values, n);
        }
    }

    /**
     * Writes the first {@code n} keys and values of the segments. Returns when all landed; on a
     * failure throws after the elements before the failing one have landed, and
     * {@link #lastBatchDone()} tells how many that was.
     */
    public void updateBatch(MemorySegment keys, MemorySegment values, int n, UpdateMode mode) {
        lastDone = 0;
        if (!batchUnsupported) {
            count.set(ValueLayout.JAVA_INT, 0, n);
            batchOpts.set(ValueLayout.JAVA_LONG, 8, mode.flags);
            int rc;
            try {
                rc = (int) Libbpf.MAP_UPDATE_BATCH.invokeExact(fd, keys, values, count, batchOpts);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            batchOpts.set(ValueLayout.JAVA_LONG, 8, 0L);
            int done = count.get(ValueLayout.JAVA_INT, 0);
            if (rc == 0) {
                lastDone = n;
                return;
            }
            if (!(done == 0 && unsupported(rc))) {
                lastDone = done;
                BpfException.check(rc, "batch update of map", name);
            }
            batchUnsupported = true;
        }
        int ks = keySize;
        int vs = valueSize();
        for (int i = 0; i < n; i++) {
            update(keys.asSlice((long) i * ks, ks), values.asSlice((long) i * vs, vs), mode);
            lastDone = i + 1;
        }
    }

    /**
     * Deletes the first {@code n} keys; keys already absent are skipped. Returns how many were
     * deleted. On a failure, {@link #lastBatchDone()} tells how many keys were processed.
     */
    public int deleteBatch(MemorySegment keys, int n) {
        lastDone = 0;
        int deleted = 0;
        int start = 0;
        int ks = keySize;
        while (start < n && !batchUnsupported) {
            count.set(ValueLayout.JAVA_INT, 0, n - start);
            MemorySegment from = keys.asSlice((long) start * ks);
            int rc = call(() -> (int) Libbpf.MAP_DELETE_BATCH.invokeExact(fd, from, count, batchOpts));
            int done = count.get(ValueLayout.JAVA_INT, 0);
            deleted += done;
            start += done;
            lastDone = start;
            if (rc == 0) {
                return deleted;
            }
            if (rc == -Errno.ENOENT) {
                start++; // that key was gone already: skip it
                lastDone = start;
            } else if (done == 0 && unsupported(rc)) {
                batchUnsupported = true;
            } else {
                BpfException.check(rc, "batch delete from map", name);
            }
        }
        for (int i = start; i < n; i++) {
            if (delete(keys.asSlice((long) i * ks, ks))) {
                deleted++;
            }
            lastDone = i + 1;
        }
        return deleted;
    }

    private int lastDone;

    /** Elements the last {@link #updateBatch} or {@link #deleteBatch} processed before it returned or failed. */
    public int lastBatchDone() {
        return lastDone;
    }

    /** For benchmarks and tests: forces the element-by-element fallback path. */
    public BpfMap withoutBatchOps() {
        batchUnsupported = true;
        return this;
    }

    private int pageCapacity(MemorySegment keys, MemorySegment values) {
        int capacity = (int) Math.min(keys.byteSize() / keySize, values.byteSize() / valueSize());
        if (capacity < 1) {
            throw new IllegalArgumentException("page segments hold no element of map " + name);
        }
        return capacity;
    }

    private static boolean unsupported(int rc) {
        return rc == -Errno.EINVAL || rc == -Errno.ENOTSUPP || rc == -Errno.EOPNOTSUPP;
    }

    @Override
    public void close() {
        if (ownsFd) {
            Libbpf.closeFd(fd);
        }
        arena.close();
    }

    @FunctionalInterface
    interface IntCall {
        int call() throws Throwable;
    }

    static int call(IntCall call) {
        try {
            return call.call();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + " " + type + " id=" + id + " fd=" + fd + "]";
    }
}
