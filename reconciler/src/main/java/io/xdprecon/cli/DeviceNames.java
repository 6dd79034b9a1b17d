package io.xdprecon.cli;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.Ipv4;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.HashMap;
import java.util.Map;

/**
 * Interface names for the ifindexes the maps hold, as this network namespace knows them (the JDK asks the kernel,
 * not /sys/class/net), each looked up once; {@code ifN} for an index no device has (a device gone since).
 */
final class DeviceNames {
    private final Map<Integer, String> cache = new HashMap<>();

    String name(int ifindex) {
        return cache.computeIfAbsent(ifindex, i -> {
            try {
                NetworkInterface nic = NetworkInterface.getByIndex(i);
                return nic == null ? "if" + i : nic.getName();
            } catch (SocketException e) {
                return "if" + i;
            }
        });
    }

    /** {@code ens5 192.0.2.45:52311 -> 203.0.113.10:27015}: a key with its device's name. */
    String format(FlowKey key) {
        return name(key.ifindex()) + " " + Ipv4.format(key.srcIp()) + ":" + key.srcPort() + " -> " + Ipv4.format(key.dstIp())
                + ":" + key.dstPort();
    }

    /** A key as JSON: the device's name beside its ifindex. */
    Map<String, Object> json(FlowKey key) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("iface", name(key.ifindex()));
        m.put("ifindex", key.ifindex());
        m.put("src", Ipv4.format(key.srcIp()) + ":" + key.srcPort());
        m.put("dst", Ipv4.format(key.dstIp()) + ":" + key.dstPort());
        return m;
    }
}
