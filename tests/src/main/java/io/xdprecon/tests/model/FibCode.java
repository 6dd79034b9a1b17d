package io.xdprecon.tests.model;

/**
 * What {@code bpf_fib_lookup} returns for an IPv4 forwarding lookup ({@code BPF_FIB_LKUP_RET_*}), in
 * the order the kernel ({@code bpf_ipv4_fib_lookup}, net/core/filter.c) tests for them.
 */
public enum FibCode {
    /** A unicast route with a resolved neighbour: egress ifindex, source and destination MAC are filled. */
    SUCCESS(0),
    /** The route is {@code blackhole}: the kernel would drop silently. */
    BLACKHOLE(1),
    /** The route is {@code unreachable}: the kernel would drop and answer ICMP host unreachable. */
    UNREACHABLE(2),
    /** The route is {@code prohibit}: the kernel would drop and answer ICMP administratively prohibited. */
    PROHIBIT(3),
    /** Not a forwarding case: no route at all, or a route that is not unicast (local, broadcast, multicast...). */
    NOT_FWDED(4),
    /** IPv4 forwarding is off on the ingress interface ({@code net.ipv4.conf.<dev>.forwarding=0}); checked first. */
    FWD_DISABLED(5),
    /** The route has a lightweight-tunnel encapsulation (MPLS, seg6, BPF...), which the helper does not do. */
    UNSUPP_LWT(6),
    /** The route is fine but the next hop has no (valid) neighbour entry yet: the kernel must resolve it. */
    NO_NEIGH(7),
    /** tot_len exceeds the route's MTU (checked before the neighbour): the kernel must fragment or answer ICMP. */
    FRAG_NEEDED(8);

    private final int code;

    FibCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static FibCode ofCode(int code) {
        for (FibCode fibCode : values()) {
            if (fibCode.code == code) {
                return fibCode;
            }
        }
        throw new IllegalArgumentException("not a BPF_FIB_LKUP_RET code: " + code);
    }
}
