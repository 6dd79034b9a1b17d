package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.Ipv4;
import java.util.Map;
import java.util.TreeMap;

/** Shows keys with the config's interface names, falling back to {@code ifN} for an unknown index. */
final class InterfaceNames {
    private final Map<Integer, String> byIndex = new TreeMap<>();

    /** @param byName kernel name → ifindex, as the config resolves them */
    InterfaceNames(Map<String, Integer> byName) {
        // Two names for one index cannot both be current; pick the first by name so output is stable.
        new TreeMap<>(byName).forEach((name, index) -> byIndex.putIfAbsent(index, name));
    }

    String name(int ifindex) {
        return byIndex.getOrDefault(ifindex, "if" + ifindex);
    }

    /** {@code ens3 [2001:db8::20]:40000 -> [2001:db8::10]:30000}: RFC 5952 addresses in brackets. */
    String format(FlowKey6 key) {
        return name(key.ifindex()) + " " + key.srcIp().withPort(key.srcPort()) + " -> " + key.dstIp().withPort(key.dstPort());
    }

    /** {@code ens3 198.51.100.20:40000 -> 203.0.113.10:30000} */
    String format(FlowKey key) {
        return name(key.ifindex()) + " " + Ipv4.format(key.srcIp()) + ":" + key.srcPort() + " -> "
                + Ipv4.format(key.dstIp()) + ":" + key.dstPort();
    }
}
