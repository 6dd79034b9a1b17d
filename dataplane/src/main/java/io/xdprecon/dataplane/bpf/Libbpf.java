package io.xdprecon.dataplane.bpf;

import static io.xdprecon.dataplane.ffm.Native.C_INT;
import static io.xdprecon.dataplane.ffm.Native.C_LONG;
import static io.xdprecon.dataplane.ffm.Native.POINTER;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * Raw libbpf 1.x bindings, prototype for prototype ({@code bpf/bpf.h}, {@code bpf/libbpf.h},
 * {@code bpf/btf.h}). Package-private: everything else sees typed wrappers. Integer results are
 * {@code -errno} on failure; the pointer-returning ones take a call-state segment first.
 */
final class Libbpf {
    private Libbpf() {}

    static final MethodHandle OBJ_GET = Native.libbpf("bpf_obj_get", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle OBJ_PIN = Native.libbpf("bpf_obj_pin", FunctionDescriptor.of(C_INT, C_INT, POINTER));
    static final MethodHandle OBJ_GET_INFO_BY_FD =
            Native.libbpf("bpf_obj_get_info_by_fd", FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER));
    static final MethodHandle PROG_GET_FD_BY_ID =
            Native.libbpf("bpf_prog_get_fd_by_id", FunctionDescriptor.of(C_INT, C_INT));
    static final MethodHandle MAP_GET_FD_BY_ID =
            Native.libbpf("bpf_map_get_fd_by_id", FunctionDescriptor.of(C_INT, C_INT));

    static final MethodHandle MAP_LOOKUP_ELEM =
            Native.libbpf("bpf_map_lookup_elem", FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER));
    static final MethodHandle MAP_UPDATE_ELEM =
            Native.libbpf("bpf_map_update_elem", FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER, C_LONG));
    static final MethodHandle MAP_DELETE_ELEM =
            Native.libbpf("bpf_map_delete_elem", FunctionDescriptor.of(C_INT, C_INT, POINTER));
    static final MethodHandle MAP_LOOKUP_AND_DELETE_ELEM =
            Native.libbpf("bpf_map_lookup_and_delete_elem", FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER));
    static final MethodHandle MMAP = Native.libcWithErrno("mmap",
            FunctionDescriptor.of(POINTER, POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG));
    static final MethodHandle MUNMAP = Native.libc("munmap", FunctionDescriptor.of(C_INT, POINTER, C_LONG));
    static final MethodHandle MAP_GET_NEXT_KEY =
            Native.libbpf("bpf_map_get_next_key", FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER));
    static final MethodHandle MAP_LOOKUP_BATCH = Native.libbpf("bpf_map_lookup_batch",
            FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER));
    static final MethodHandle MAP_UPDATE_BATCH = Native.libbpf("bpf_map_update_batch",
            FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER, POINTER, POINTER));
    static final MethodHandle MAP_DELETE_BATCH = Native.libbpf("bpf_map_delete_batch",
            FunctionDescriptor.of(C_INT, C_INT, POINTER, POINTER, POINTER));
    static final MethodHandle NUM_POSSIBLE_CPUS =
            Native.libbpf("libbpf_num_possible_cpus", FunctionDescriptor.of(C_INT));

    static final MethodHandle OBJECT_OPEN_MEM = Native.libbpfWithErrno("bpf_object__open_mem",
            FunctionDescriptor.of(POINTER, POINTER, C_LONG, POINTER));
    static final MethodHandle OBJECT_LOAD = Native.libbpf("bpf_object__load", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle OBJECT_CLOSE = Native.libbpf("bpf_object__close", FunctionDescriptor.ofVoid(POINTER));
    static final MethodHandle OBJECT_FIND_PROGRAM = Native.libbpf("bpf_object__find_program_by_name",
            FunctionDescriptor.of(POINTER, POINTER, POINTER));
    static final MethodHandle OBJECT_FIND_MAP = Native.libbpf("bpf_object__find_map_by_name",
            FunctionDescriptor.of(POINTER, POINTER, POINTER));
    static final MethodHandle OBJECT_BTF = Native.libbpf("bpf_object__btf", FunctionDescriptor.of(POINTER, POINTER));
    static final MethodHandle PROGRAM_FD = Native.libbpf("bpf_program__fd", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle MAP_FD = Native.libbpf("bpf_map__fd", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle MAP_SET_MAX_ENTRIES =
            Native.libbpf("bpf_map__set_max_entries", FunctionDescriptor.of(C_INT, POINTER, C_INT));
    static final MethodHandle MAP_REUSE_FD = Native.libbpf("bpf_map__reuse_fd", FunctionDescriptor.of(C_INT, POINTER, C_INT));
    static final MethodHandle MAP_TYPE = Native.libbpf("bpf_map__type", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle MAP_KEY_SIZE = Native.libbpf("bpf_map__key_size", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle MAP_VALUE_SIZE = Native.libbpf("bpf_map__value_size", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle MAP_MAX_ENTRIES = Native.libbpf("bpf_map__max_entries", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle MAP_FLAGS = Native.libbpf("bpf_map__map_flags", FunctionDescriptor.of(C_INT, POINTER));

    static final MethodHandle XDP_ATTACH =
            Native.libbpf("bpf_xdp_attach", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, POINTER));
    static final MethodHandle XDP_DETACH =
            Native.libbpf("bpf_xdp_detach", FunctionDescriptor.of(C_INT, C_INT, C_INT, POINTER));
    static final MethodHandle XDP_QUERY =
            Native.libbpf("bpf_xdp_query", FunctionDescriptor.of(C_INT, C_INT, C_INT, POINTER));
    static final MethodHandle TC_HOOK_CREATE =
            Native.libbpf("bpf_tc_hook_create", FunctionDescriptor.of(C_INT, POINTER));
    static final MethodHandle TC_ATTACH =
            Native.libbpf("bpf_tc_attach", FunctionDescriptor.of(C_INT, POINTER, POINTER));
    static final MethodHandle TC_DETACH =
            Native.libbpf("bpf_tc_detach", FunctionDescriptor.of(C_INT, POINTER, POINTER));
    static final MethodHandle TC_QUERY =
            Native.libbpf("bpf_tc_query", FunctionDescriptor.of(C_INT, POINTER, POINTER));
    static final MethodHandle PROG_TEST_RUN_OPTS =
            Native.libbpf("bpf_prog_test_run_opts", FunctionDescriptor.of(C_INT, C_INT, POINTER));

    static final MethodHandle BTF_FIND_BY_NAME_KIND =
            Native.libbpf("btf__find_by_name_kind", FunctionDescriptor.of(C_INT, POINTER, POINTER, C_INT));
    static final MethodHandle BTF_TYPE_BY_ID =
            Native.libbpf("btf__type_by_id", FunctionDescriptor.of(POINTER, POINTER, C_INT));
    static final MethodHandle BTF_NAME_BY_OFFSET =
            Native.libbpf("btf__name_by_offset", FunctionDescriptor.of(POINTER, POINTER, C_INT));
    static final MethodHandle BTF_RESOLVE_SIZE =
            Native.libbpf("btf__resolve_size", FunctionDescriptor.of(C_LONG, POINTER, C_INT));

    static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(C_INT, C_INT));
    static final MethodHandle DUP = Native.libcWithErrno("fcntl", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    static final int F_DUPFD_CLOEXEC = 1030;

    /** Number of possible CPUs: the stride of per-CPU map values. */
    static final int POSSIBLE_CPUS = possibleCpus();

    private static int possibleCpus() {
        try {
            int n = (int) NUM_POSSIBLE_CPUS.invokeExact();
            if (n <= 0) {
                throw new IllegalStateException("libbpf_num_possible_cpus failed: " + n);
            }
            return n;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    static void closeFd(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
