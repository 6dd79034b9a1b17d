package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Read-only view of an object's BTF: the C layouts as the compiler emitted them, which the layout
 * test compares with the Java codecs.
 *
 * <pre>
 * struct btf_type { u32 name_off; u32 info; u32 size_or_type; }   followed by vlen entries of
 * struct btf_member { u32 name_off; u32 type; u32 offset; }        (STRUCT: bit offset, 24 bits if kflag)
 * struct btf_enum   { u32 name_off; s32 val; }                     (ENUM)
 * info: vlen = bits 0..15, kind = bits 24..28, kflag = bit 31
 * </pre>
 */
public final class Btf {
    private static final int KIND_STRUCT = 4;
    private static final int KIND_ENUM = 6;

    private final MemorySegment btf;
    private final String owner;

    Btf(MemorySegment btf, String owner) {
        this.btf = btf;
        this.owner = owner;
    }

    public record Member(String name, long byteOffset, long byteSize) {}

    public record Struct(String name, long byteSize, List<Member> members) {}

    public Optional<Struct> struct(String name) {
        int id = find(name, KIND_STRUCT);
        if (id < 0) {
            return Optional.empty();
        }
        MemorySegment type = typeById(id);
        int info = type.get(ValueLayout.JAVA_INT, 4);
        int vlen = info & 0xffff;
        boolean kflag = info < 0;
        long size = Integer.toUnsignedLong(type.get(ValueLayout.JAVA_INT, 8));
        List<Member> members = new ArrayList<>(vlen);
        MemorySegment entries = type.reinterpret(12 + 12L * vlen);
        for (int i = 0; i < vlen; i++) {
            long base = 12 + 12L * i;
            String memberName = nameAt(entries.get(ValueLayout.JAVA_INT, base));
            int memberType = entries.get(ValueLayout.JAVA_INT, base + 4);
            int offset = entries.get(ValueLayout.JAVA_INT, base + 8);
            long bitOffset = kflag ? offset & 0xffffff : Integer.toUnsignedLong(offset);
            members.add(new Member(memberName, bitOffset / 8, resolveSize(memberType)));
        }
        return Optional.of(new Struct(name, size, List.copyOf(members)));
    }

    /** The enumerators of {@code enum name}, in declaration order. */
    public Optional<Map<String, Integer>> enumeration(String name) {
        int id = find(name, KIND_ENUM);
        if (id < 0) {
            return Optional.empty();
        }
        MemorySegment type = typeById(id);
        int vlen = type.get(ValueLayout.JAVA_INT, 4) & 0xffff;
        MemorySegment entries = type.reinterpret(12 + 8L * vlen);
        Map<String, Integer> values = new LinkedHashMap<>();
        for (int i = 0; i < vlen; i++) {
            long base = 12 + 8L * i;
            values.put(nameAt(entries.get(ValueLayout.JAVA_INT, base)), entries.get(ValueLayout.JAVA_INT, base + 4));
        }
        return Optional.of(values);
    }

    private int find(String name, int kind) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment cName = scratch.allocateFrom(name);
            return (int) Libbpf.BTF_FIND_BY_NAME_KIND.invokeExact(btf, cName, kind);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private MemorySegment typeById(int id) {
        try {
            MemorySegment type = (MemorySegment) Libbpf.BTF_TYPE_BY_ID.invokeExact(btf, id);
            if (type.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("BTF of " + owner + " has no type id " + id);
            }
            return type.reinterpret(12);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private String nameAt(int offset) {
        try {
            MemorySegment text = (MemorySegment) Libbpf.BTF_NAME_BY_OFFSET.invokeExact(btf, offset);
            return text.equals(MemorySegment.NULL) ? "" : text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private long resolveSize(int typeId) {
        try {
            long size = (long) Libbpf.BTF_RESOLVE_SIZE.invokeExact(btf, typeId);
            if (size < 0) {
                throw new IllegalStateException("BTF of " + owner + ": cannot size type id " + typeId);
            }
            return size;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
