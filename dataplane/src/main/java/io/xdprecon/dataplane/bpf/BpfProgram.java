package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** A loaded program; its descriptor belongs to the {@link BpfObject} (or pin) it came from. */
public record BpfProgram(String name, int fd) {

    /** The kernel's id of this program, as {@code bpftool prog} and XDP queries show it. */
    public int id() {
        try (Arena scratch = Arena.ofConfined()) {
            return info(scratch).get(ValueLayout.JAVA_INT, 4);
        }
    }

    /** A descriptor of a loaded program that this process opened by id, held until {@link #close()}. */
    public record Held(BpfProgram program) implements AutoCloseable {
        @Override
        public void close() {
            Libbpf.closeFd(program.fd());
        }
    }

    /**
     * Opens the loaded program {@code id} (e.g. the one attached to a device), so that it can be attached again
     * after it was replaced; {@link BpfException.NotFound} when no such program is loaded.
     */
    public static Held hold(int id) {
        int fd = BpfMap.call(() -> (int) Libbpf.PROG_GET_FD_BY_ID.invokeExact(id));
        BpfException.check(fd, "open program", "id " + id);
        return new Held(new BpfProgram(describeFd(fd, id), fd));
    }

    private static String describeFd(int fd, int id) {
        try (Arena scratch = Arena.ofConfined()) {
            return new BpfProgram("id " + id, fd).info(scratch).asSlice(64, 16).getString(0);
        }
    }

    /** What the kernel says about a loaded program it knows by id (e.g. the one attached to a device). */
    public record Info(int id, String name, String tag, java.util.List<Integer> mapIds) {}

    /** The kernel's description of program {@code id}; empty when no such program is loaded any more. */
    public static java.util.Optional<Info> describe(int id) {
        int fd = BpfMap.call(() -> (int) Libbpf.PROG_GET_FD_BY_ID.invokeExact(id));
        if (fd == -io.xdprecon.dataplane.ffm.Errno.ENOENT) {
            return java.util.Optional.empty();
        }
        BpfException.check(fd, "open program", "id " + id);
        try (Arena scratch = Arena.ofConfined()) {
            BpfProgram program = new BpfProgram("id " + id, fd);
            MemorySegment info = program.info(scratch);
            // A second read with room for the ids of the maps the program uses.
            int maps = info.get(ValueLayout.JAVA_INT, 52);
            MemorySegment ids = scratch.allocate(ValueLayout.JAVA_INT, Math.max(1, maps));
            MemorySegment withMaps = program.info(scratch, maps, ids);
            int filled = Math.min(maps, withMaps.get(ValueLayout.JAVA_INT, 52));
            java.util.List<Integer> mapIds = java.util.Arrays.stream(ids.asSlice(0, 4L * filled).toArray(ValueLayout.JAVA_INT))
                    .boxed().toList();
            return java.util.Optional.of(new Info(id, info.asSlice(64, 16).getString(0), tagOf(info), mapIds));
        } finally {
            Libbpf.closeFd(fd);
        }
    }

    /**
     * The kernel's tag of this program: a hash of its instructions, equal for two loads of the same
     * build whatever their map descriptors; how a restart tells "same program" from "new build".
     */
    public String tag() {
        try (Arena scratch = Arena.ofConfined()) {
            return tagOf(info(scratch));
        }
    }

    private static String tagOf(MemorySegment info) {
        return java.util.HexFormat.of().formatHex(info.asSlice(8, 8).toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * struct bpf_prog_info: id @4, tag[8] @8, nr_map_ids @52, map_ids (u64 pointer) @56, name[16] @64,
     * run_time_ns @192, run_cnt @200; 232 bytes in this kernel's UAPI.
     */
    private MemorySegment info(Arena scratch) {
        return info(scratch, 0, MemorySegment.NULL);
    }

    private MemorySegment info(Arena scratch, int mapIdCapacity, MemorySegment mapIds) {
        MemorySegment info = scratch.allocate(232, 8);
        info.set(ValueLayout.JAVA_INT, 52, mapIdCapacity);
        info.set(ValueLayout.JAVA_LONG, 56, mapIds.address());
        MemorySegment len = scratch.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, (int) info.byteSize());
        int rc = BpfMap.call(() -> (int) Libbpf.OBJ_GET_INFO_BY_FD.invokeExact(fd, info, len));
        BpfException.check(rc, "read program info of", name);
        return info;
    }

    /** Cumulative run time and run count, which the kernel keeps while {@code kernel.bpf_stats_enabled=1}. */
    public record RunStats(long runTimeNs, long runCount) {
        public RunStats minus(RunStats earlier) {
            return new RunStats(runTimeNs - earlier.runTimeNs, runCount - earlier.runCount);
        }

        /** Average nanoseconds per run, NaN without runs. */
        public double nsPerRun() {
            return runCount == 0 ? Double.NaN : (double) runTimeNs / runCount;
        }
    }

    public RunStats runStats() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment info = info(scratch);
            return new RunStats(info.get(ValueLayout.JAVA_LONG, 192), info.get(ValueLayout.JAVA_LONG, 200));
        }
    }

    /** Pins the program so another process (or a restart) can find it. */
    public void pin(Path path) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment cPath = scratch.allocateFrom(path.toString());
            int rc = BpfMap.call(() -> (int) Libbpf.OBJ_PIN.invokeExact(fd, cPath));
            BpfException.check(rc, "pin program " + name + " at", path.toString());
        }
    }
}
