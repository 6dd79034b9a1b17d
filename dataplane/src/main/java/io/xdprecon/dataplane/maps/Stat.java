package io.xdprecon.dataplane.maps;

/** Indexes of the per-CPU {@code xdp_counters} array, in the order of {@code enum xdp_stat}. */
public enum Stat {
    REWRITE_HIT("Rewrite hits"),
    REWRITE_MISS("Rewrite misses"),
    FIB_DROP("FIB drops"),
    HAIRPIN_TX("Hairpin TX"),
    REDIRECT_OUT("Redirect out"),
    AFXDP_REDIRECT("AF_XDP -> DPDK"),
    PASS_TO_KERNEL("Pass to kernel"),
    AFXDP_FALLBACK("AF_XDP fallback"),
    FIB_PASS("FIB -> kernel"),
    TTL_EXPIRED("TTL expired"),
    SLOW_PATH("Slow path"),
    NOT_IPV4("Not IPv4"),
    MALFORMED("Malformed");

    private final String label;

    Stat(String label) {
        this.label = label;
    }

    /** The dashboard label. */
    public String label() {
        return label;
    }
}
