package io.xdprecon.cli;

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

    /** {@code ens5 192.0.2.45:52311 -> 203.0.113.10:27015} or {@code ens5 [2001:db8::2]:5004 -> …}: with its device's name. */
    String format(FlowEnds key) {
        return name(key.ifindex()) + " " + key.ends();
    }

    /** A key as JSON: the device's name beside its ifindex, {@code src} and {@code dst} as {@link #format} writes them. */
    Map<String, Object> json(FlowEnds key) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("iface", name(key.ifindex()));
        m.put("ifindex", key.ifindex());
        m.put("src", key.src().withPort(key.srcPort()));
        m.put("dst", key.dst().withPort(key.dstPort()));
        return m;
    }
}
