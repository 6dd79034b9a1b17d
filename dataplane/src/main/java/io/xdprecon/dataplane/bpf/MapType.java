package io.xdprecon.dataplane.bpf;

/** The kernel's {@code enum bpf_map_type} values this project meets. */
public enum MapType {
    HASH(1),
    ARRAY(2),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    LRU_HASH(9),
    LRU_PERCPU_HASH(10),
    DEVMAP(14),
    XSKMAP(17),
    OTHER(-1);

    private final int code;

    MapType(int code) {
        this.code = code;
    }

    public static MapType ofCode(int code) {
        for (MapType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return OTHER;
    }

    /** Per-CPU maps carry one value per possible CPU, each padded to 8 bytes. */
    public boolean perCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH;
    }
}
