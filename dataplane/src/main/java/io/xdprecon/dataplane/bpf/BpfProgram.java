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
            MemorySegment info = scratch.allocate(232, 8); // struct bpf_prog_info
            MemorySegment len = scratch.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) info.byteSize());
            int rc = BpfMap.call(() -> (int) Libbpf.OBJ_GET_INFO_BY_FD.invokeExact(fd, info, len));
            BpfException.check(rc, "read program info of", name);
            return info.get(ValueLayout.JAVA_INT, 4);
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
