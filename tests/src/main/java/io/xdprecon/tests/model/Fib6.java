package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.IpAddress;

/**
 * The kernel FIB as the datapath asks it for IPv6: {@code bpf_fib_lookup} with family AF_INET6, protocol
 * UDP, the ingress ifindex, the rewritten addresses, tot_len (the IPv6 header and its payload) and the flow
 * information word (traffic class and flow label).
 */
@FunctionalInterface
public interface Fib6 {
    FibResult lookup(int ingressIfindex, IpAddress.V6 srcIp, IpAddress.V6 dstIp, int totLen, int flowinfo);
}
