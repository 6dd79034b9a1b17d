package io.xdprecon.dataplane.maps;

/**
 * A rule's next-hop cache as the datapath left it (mirrors {@code struct next_hop}): the FIB answer it reuses during
 * one clock tick, and the lookup inputs it is valid for. Read-only here: only the datapath writes it, and every
 * write of the rule by the control plane empties it. For diagnostics and tests.
 *
 * @param jiffies the tick of the answer (0: empty)
 * @param dmac    destination MAC, the first byte in the top of the 48 bits (as written on the wire)
 * @param smac    source MAC, likewise
 */
public record NextHop(long jiffies, int ingress, int srcIp, int dstIp, int totLen, int tos, int ifindex, long dmac, long smac) {
    public static final NextHop EMPTY = new NextHop(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public boolean isEmpty() {
        return jiffies == 0;
    }
}
