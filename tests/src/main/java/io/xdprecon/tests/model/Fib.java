package io.xdprecon.tests.model;

/**
 * The kernel FIB as the datapath asks it: {@code bpf_fib_lookup(ctx, &params, sizeof(params), 0)}
 * with family AF_INET, protocol UDP, the ingress ifindex, the rewritten addresses, tot_len and tos.
 * Addresses are {@link io.xdprecon.dataplane.maps.Ipv4} ints.
 */
@FunctionalInterface
public interface Fib {
    FibResult lookup(int ingressIfindex, int srcIp, int dstIp, int totLen, int tos);
}
