package io.xdprecon.dataplane.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Rewrites the capacity that a BPF ELF object declares for its BTF-defined maps, in the object's bytes: for a
 * loader we cannot hand {@code bpf_map__set_max_entries} to — DPDK's AF_XDP PMD opens {@code xdp_prog=} with
 * libbpf's defaults, and libbpf reuses a pinned map only when its declared {@code max_entries} equals the pin's.
 *
 * <p>A map {@code __uint(max_entries, N)} is declared in BTF as a member {@code max_entries} of type
 * {@code int (*)[N]} of the struct of its variable in the {@code .maps} section: N is the {@code nelems} of that
 * array type, which is all this rewrites. Each map's array must be its own (as it is when the capacities differ).
 *
 * <pre>
 *  ELF64 LE ── section ".BTF" ── btf_header { magic 0xeB9F, hdr_len, type_off, type_len, str_off, str_len }
 *                                 types: btf_type { name_off u32, info u32 (kind bits 24..28, vlen 0..15),
 *                                 size|type u32 } + kind data; ARRAY data: { type, index_type, nelems } u32 each
 * </pre>
 */
public final class BtfMaxEntries {
    private static final int KIND_INT = 1, KIND_PTR = 2, KIND_ARRAY = 3, KIND_STRUCT = 4, KIND_UNION = 5, KIND_ENUM = 6,
            KIND_TYPEDEF = 8, KIND_VOLATILE = 9, KIND_CONST = 10, KIND_RESTRICT = 11, KIND_FUNC_PROTO = 13, KIND_VAR = 14,
            KIND_DATASEC = 15, KIND_DECL_TAG = 17, KIND_TYPE_TAG = 18, KIND_ENUM64 = 19;

    private BtfMaxEntries() {}

    /** A copy of {@code elf} in which each map of {@code capacities} (by name) declares that many entries. */
    public static byte[] rewrite(byte[] elf, Map<String, Integer> capacities) {
        byte[] out = elf.clone();
        ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        if (out.length < 64 || buf.getInt(0) != 0x464c457f || out[4] != 2 || out[5] != 1) {
            throw new IllegalArgumentException("not a 64-bit little-endian ELF object");
        }
        int btf = btfSection(buf);
        if ((buf.getShort(btf) & 0xffff) != 0xeb9f) {
            throw new IllegalArgumentException("section .BTF does not start with BTF's magic");
        }
        int hdrLen = buf.getInt(btf + 4);
        int types = btf + hdrLen + buf.getInt(btf + 8);
        int typesEnd = types + buf.getInt(btf + 12);
        int strings = btf + hdrLen + buf.getInt(btf + 16);

        // type id → offset of its btf_type (ids start at 1)
        Map<Integer, Integer> offsets = new HashMap<>();
        int id = 1;
        for (int at = types; at < typesEnd; id++) {
            offsets.put(id, at);
            at += 12 + kindDataSize(kind(buf, at), vlen(buf, at));
        }
        Map<Integer, String> arrayOwner = new HashMap<>();
        Map<String, Integer> left = new HashMap<>(capacities);
        for (Map.Entry<Integer, Integer> type : offsets.entrySet()) {
            int at = type.getValue();
            String name = string(buf, strings, buf.getInt(at));
            if (kind(buf, at) != KIND_VAR || !left.containsKey(name)) {
                continue;
            }
            int struct = offsets.get(resolve(buf, offsets, buf.getInt(at + 8)));
            if (kind(buf, struct) != KIND_STRUCT) {
                throw new IllegalArgumentException("map " + name + " is not a BTF-defined map (its variable is no struct)");
            }
            int array = -1;
            for (int m = 0; m < vlen(buf, struct); m++) {
                int member = struct + 12 + 12 * m;
                if (string(buf, strings, buf.getInt(member)).equals("max_entries")) {
                    int ptr = offsets.get(buf.getInt(member + 4));
                    if (kind(buf, ptr) != KIND_PTR || kind(buf, offsets.get(buf.getInt(ptr + 8))) != KIND_ARRAY) {
                        throw new IllegalArgumentException("max_entries of map " + name + " is not declared by __uint()");
                    }
                    array = buf.getInt(ptr + 8);
                }
            }
            if (array < 0) {
                throw new IllegalArgumentException("map " + name + " declares no max_entries");
            }
            String other = arrayOwner.putIfAbsent(array, name);
            if (other != null) {
                throw new IllegalArgumentException("maps " + other + " and " + name + " share their max_entries type: cannot size them apart");
            }
            buf.putInt(offsets.get(array) + 12 + 8, left.remove(name));
        }
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("no BTF-defined map named " + left.keySet() + " in the object");
        }
        return out;
    }

    private static int btfSection(ByteBuffer buf) {
        long shoff = buf.getLong(0x28);
        int shentsize = buf.getShort(0x3a) & 0xffff;
        int shnum = buf.getShort(0x3c) & 0xffff;
        int shstrndx = buf.getShort(0x3e) & 0xffff;
        int names = (int) buf.getLong((int) (shoff + (long) shstrndx * shentsize + 24));
        for (int i = 0; i < shnum; i++) {
            int header = (int) (shoff + (long) i * shentsize);
            if (string(buf, names, buf.getInt(header)).equals(".BTF")) {
                return (int) buf.getLong(header + 24);
            }
        }
        throw new IllegalArgumentException("the object has no .BTF section (compile it with -g)");
    }

    /** Skips typedefs and qualifiers. */
    private static int resolve(ByteBuffer buf, Map<Integer, Integer> offsets, int id) {
        int kind = kind(buf, offsets.get(id));
        while (kind == KIND_TYPEDEF || kind == KIND_VOLATILE || kind == KIND_CONST || kind == KIND_RESTRICT || kind == KIND_TYPE_TAG) {
            id = buf.getInt(offsets.get(id) + 8);
            kind = kind(buf, offsets.get(id));
        }
        return id;
    }

    private static int kind(ByteBuffer buf, int type) {
        return (buf.getInt(type + 4) >>> 24) & 0x1f;
    }

    private static int vlen(ByteBuffer buf, int type) {
        return buf.getInt(type + 4) & 0xffff;
    }

    private static int kindDataSize(int kind, int vlen) {
        return switch (kind) {
            case KIND_INT, KIND_VAR, KIND_DECL_TAG -> 4;
            case KIND_ARRAY -> 12;
            case KIND_STRUCT, KIND_UNION, KIND_DATASEC, KIND_ENUM64 -> 12 * vlen;
            case KIND_ENUM, KIND_FUNC_PROTO -> 8 * vlen;
            default -> 0; // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
        };
    }

    private static String string(ByteBuffer buf, int table, int offset) {
        int start = table + offset;
        int end = start;
        while (buf.get(end) != 0) {
            end++;
        }
        return new String(buf.array(), start, end - start, StandardCharsets.US_ASCII);
    }
}
