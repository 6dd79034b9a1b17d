package io.xdprecon.dataplane.bpf;

/** The {@code BPF_ANY / BPF_NOEXIST / BPF_EXIST} flags of a map update. */
public enum UpdateMode {
    /** Create or replace. */
    ANY(0),
    /** Create only; an existing key fails with {@code EEXIST}. */
    CREATE(1),
    /** Replace only; a missing key fails with {@code ENOENT}. */
    REPLACE(2);

    final long flags;

    UpdateMode(long flags) {
        this.flags = flags;
    }
}
