package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Native;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A BPF ELF object opened with libbpf: maps declared {@code LIBBPF_PIN_BY_NAME} are pinned under
 * (or, when already pinned there, reused from) the pin root on {@link #load()}, which is how a
 * restart adopts live state. Closing the object closes its descriptors; pinned maps and attached
 * programs live on in the kernel.
 */
public final class BpfObject implements AutoCloseable {
    private static final long OPEN_OPTS_SIZE = 80; // struct bpf_object_open_opts, libbpf 1.1
    private static final long OPEN_OPTS_OBJECT_NAME = 8;
    private static final long OPEN_OPTS_PIN_ROOT = 24;

    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment object;
    private final List<BpfMap> borrowedMaps = new ArrayList<>();
    private boolean loaded;

    private BpfObject(String name, byte[] elf, Path pinRoot) {
        this.name = name;
        // libbpf parses the ELF image in place until load: the buffer lives as long as the object.
        MemorySegment image = arena.allocate(elf.length, 8);
        MemorySegment.copy(elf, 0, image, ValueLayout.JAVA_BYTE, 0, elf.length);
        MemorySegment opts = arena.allocate(OPEN_OPTS_SIZE, 8);
        opts.set(ValueLayout.JAVA_LONG, 0, OPEN_OPTS_SIZE);
        opts.set(ValueLayout.ADDRESS, OPEN_OPTS_OBJECT_NAME, arena.allocateFrom(name));
        if (pinRoot != null) {
            opts.set(ValueLayout.ADDRESS, OPEN_OPTS_PIN_ROOT, arena.allocateFrom(pinRoot.toString()));
        }
        MemorySegment state = Native.callState(arena);
        MemorySegment opened;
        try {
            opened = (MemorySegment) Libbpf.OBJECT_OPEN_MEM.invokeExact(state, image, (long) elf.length, opts);
        } catch (Throwable t) {
            arena.close();
            throw Native.rethrow(t);
        }
        if (opened.equals(MemorySegment.NULL)) {
            int errno = Native.errno(state);
            arena.close();
            throw BpfException.of("open BPF object", name, errno);
        }
        object = opened;
    }

    /** Opens an ELF image; {@code pinRoot} null means libbpf's default, {@code /sys/fs/bpf}. */
    public static BpfObject open(String name, byte[] elf, Path pinRoot) {
        return new BpfObject(name, elf, pinRoot);
    }

    /** Opens one of the objects the build compiled from {@code bpf/*.c}, e.g. {@code "xdp_fwd"}. */
    public static BpfObject openBundled(String objectName, Path pinRoot) {
        return open(objectName, bundledElf(objectName), pinRoot);
    }

    /** The bytes of a compiled object shipped on the class path by the bpf module. */
    public static byte[] bundledElf(String objectName) {
        String resource = "/io/xdprecon/bpf/" + objectName + ".o";
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("BPF object " + resource + " is not on the class path: build the bpf module");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets a map's capacity; only before {@link #load()}. */
    public BpfObject maxEntries(String mapName, int entries) {
        requireLoaded(false);
        MemorySegment map = findMap(mapName);
        int rc = BpfMap.call(() -> (int) Libbpf.MAP_SET_MAX_ENTRIES.invokeExact(map, entries));
        BpfException.check(rc, "set max_entries=" + entries + " of map", mapName);
        return this;
    }

    /** A map's capacity as the object declares it (or as {@link #maxEntries(String, int)} set it). */
    public int maxEntries(String mapName) {
        MemorySegment map = findMap(mapName);
        return BpfMap.call(() -> (int) Libbpf.MAP_MAX_ENTRIES.invokeExact(map));
    }

    /**
     * Makes the object's map {@code mapName} the existing map {@code existing} instead of creating one (libbpf
     * takes a descriptor of its own); only before {@link #load()}, and the definitions must agree.
     */
    public BpfObject reuseMap(String mapName, BpfMap existing) {
        requireLoaded(false);
        MemorySegment map = findMap(mapName);
        int rc = BpfMap.call(() -> (int) Libbpf.MAP_REUSE_FD.invokeExact(map, existing.fd()));
        BpfException.check(rc, "reuse " + existing + " as map", mapName);
        return this;
    }

    /** How the object declares map {@code mapName} (after any {@link #maxEntries} change). */
    public MapDefinition mapDefinition(String mapName) {
        MemorySegment map = findMap(mapName);
        return new MapDefinition(MapType.ofCode(BpfMap.call(() -> (int) Libbpf.MAP_TYPE.invokeExact(map))),
                BpfMap.call(() -> (int) Libbpf.MAP_KEY_SIZE.invokeExact(map)),
                BpfMap.call(() -> (int) Libbpf.MAP_VALUE_SIZE.invokeExact(map)),
                maxEntries(mapName),
                BpfMap.call(() -> (int) Libbpf.MAP_FLAGS.invokeExact(map)));
    }

    /** Verifies and loads every program, creating or reusing pinned maps. */
    public BpfObject load() {
        requireLoaded(false);
        int rc = BpfMap.call(() -> (int) Libbpf.OBJECT_LOAD.invokeExact(object));
        BpfException.check(rc, "load BPF object", name + " (libbpf printed the verifier log above)");
        loaded = true;
        return this;
    }

    public BpfProgram program(String programName) {
        requireLoaded(true);
        MemorySegment prog;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment cName = scratch.allocateFrom(programName);
            prog = (MemorySegment) Libbpf.OBJECT_FIND_PROGRAM.invokeExact(object, cName);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (prog.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("BPF object " + name + " has no program " + programName);
        }
        int fd = BpfMap.call(() -> (int) Libbpf.PROGRAM_FD.invokeExact(prog));
        BpfException.check(fd, "get descriptor of program", programName);
        return new BpfProgram(programName, fd);
    }

    /** A view of one of the object's maps, valid while the object is open. */
    public BpfMap map(String mapName) {
        requireLoaded(true);
        MemorySegment map = findMap(mapName);
        int fd = BpfMap.call(() -> (int) Libbpf.MAP_FD.invokeExact(map));
        BpfException.check(fd, "get descriptor of map", mapName);
        BpfMap view = BpfMap.borrow(fd, mapName);
        borrowedMaps.add(view);
        return view;
    }

    /** The object's BTF, valid while the object is open. */
    public Btf btf() {
        MemorySegment btf;
        try {
            btf = (MemorySegment) Libbpf.OBJECT_BTF.invokeExact(object);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (btf.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("BPF object " + name + " carries no BTF (compile with -g)");
        }
        return new Btf(btf, name);
    }

    private MemorySegment findMap(String mapName) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment cName = scratch.allocateFrom(mapName);
            MemorySegment map = (MemorySegment) Libbpf.OBJECT_FIND_MAP.invokeExact(object, cName);
            if (map.equals(MemorySegment.NULL)) {
                throw new IllegalArgumentException("BPF object " + name + " has no map " + mapName);
            }
            return map;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private void requireLoaded(boolean expected) {
        if (loaded != expected) {
            throw new IllegalStateException("BPF object " + name + (expected ? " is not loaded yet" : " is already loaded"));
        }
    }

    @Override
    public void close() {
        borrowedMaps.forEach(BpfMap::close);
        try {
            Libbpf.OBJECT_CLOSE.invokeExact(object);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            arena.close();
        }
    }
}
