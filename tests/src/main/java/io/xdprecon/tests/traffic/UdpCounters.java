package io.xdprecon.tests.traffic;

import io.xdprecon.dataplane.netns.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's UDP counters of one network namespace, read at one moment: the "Udp:" name and value lines of
 * {@code /proc/net/snmp}. Tests tell datapath loss from a receiver's overflow (RcvbufErrors) and a wrong
 * checksum (InCsumErrors) with them. {@link #toString} is the whole file, for failure messages.
 */
public record UdpCounters(String snmp) {
    /** Reads {@code ns}'s counters (through /proc/thread-self, which follows the reading thread's namespace). */
    public static UdpCounters of(String ns) {
        return new UdpCounters(NetNs.call(ns, () -> Files.readString(Path.of("/proc/thread-self/net/snmp"))));
    }

    /** The counter {@code name} (e.g. InCsumErrors, RcvbufErrors). */
    public long get(String name) {
        List<String> udp = snmp.lines().filter(l -> l.startsWith("Udp:")).toList();
        if (udp.size() < 2) {
            throw new IllegalStateException("no Udp lines in /proc/net/snmp:\n" + snmp);
        }
        List<String> names = List.of(udp.get(0).split("\\s+"));
        int at = names.indexOf(name);
        if (at < 0) {
            throw new IllegalStateException("no Udp counter " + name + " in /proc/net/snmp:\n" + snmp);
        }
        return Long.parseLong(udp.get(1).split("\\s+")[at]);
    }

    /** {@code ns}'s IPv6 UDP counter {@code name} (e.g. RcvbufErrors, InCsumErrors): {@code Udp6NAME} of /proc/net/snmp6. */
    public static long ipv6(String ns, String name) {
        String snmp6 = NetNs.call(ns, () -> Files.readString(Path.of("/proc/thread-self/net/snmp6")));
        return snmp6.lines().map(l -> l.split("\\s+")).filter(f -> f[0].equals("Udp6" + name)).mapToLong(f -> Long.parseLong(f[1]))
                .findFirst().orElseThrow(() -> new IllegalStateException("no Udp6" + name + " in /proc/net/snmp6:\n" + snmp6));
    }

    @Override
    public String toString() {
        return snmp;
    }
}
