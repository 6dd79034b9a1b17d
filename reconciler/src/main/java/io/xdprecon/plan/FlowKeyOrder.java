package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import java.util.Comparator;

/** The one order of keys everywhere in a plan: ifindex, then addresses unsigned, then ports. */
enum FlowKeyOrder implements Comparator<FlowKey> {
    INSTANCE;

    @Override
    public int compare(FlowKey a, FlowKey b) {
        int c = Integer.compare(a.ifindex(), b.ifindex());
        if (c == 0) c = Integer.compareUnsigned(a.srcIp(), b.srcIp());
        if (c == 0) c = Integer.compareUnsigned(a.dstIp(), b.dstIp());
        if (c == 0) c = Integer.compare(a.srcPort(), b.srcPort());
        if (c == 0) c = Integer.compare(a.dstPort(), b.dstPort());
        return c;
    }
}
