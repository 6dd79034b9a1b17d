package io.xdprecon.dataplane.bpf;

import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The libbpf this process loaded, as {@code libbpf_version_string()} says it ({@code "v1.1"}). */
public final class LibbpfVersion {
    private static final MethodHandle VERSION_STRING =
            Native.libbpf("libbpf_version_string", FunctionDescriptor.of(Native.POINTER));

    private LibbpfVersion() {}

    /** {@code "1.1"}: the major and minor version, without the leading v. */
    public static String current() {
        try {
            MemorySegment text = (MemorySegment) VERSION_STRING.invokeExact();
            String version = text.reinterpret(64).getString(0);
            return version.startsWith("v") ? version.substring(1) : version;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
