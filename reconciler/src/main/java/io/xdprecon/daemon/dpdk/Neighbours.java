package io.xdprecon.daemon.dpdk;

import io.xdprecon.dataplane.dpdk.SlowPathLoop;
import io.xdprecon.dataplane.link.Ipv6Neighbours;
import io.xdprecon.dataplane.maps.Ipv4;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * The kernel's neighbour tables of this network namespace, as the slow path needs them: next-hop IP → MAC for a
 * rewritten packet DPDK sends itself. IPv4 from {@code /proc/net/arp} (only complete entries, flags 0x2:
 * reachable, stale or permanent); IPv6 from rtnetlink ({@link Ipv6Neighbours}: there is no such file for IPv6).
 * Refreshed by the loop's thread between bursts; looked up per packet without allocation (a linear scan: a relay
 * talks to few neighbours).
 */
public final class Neighbours {
    public static final Path PROC_ARP = Path.of("/proc/net/arp");
    private static final int ATF_COM = 0x2;

    private final Path source;
    private final Supplier<List<Ipv6Neighbours.Entry>> source6;
    private int[] ips = new int[0];
    private long[] macs = new long[0];
    /** IPv6 neighbours: address i is {@code ips6[2i], ips6[2i+1]}, its MAC {@code macs6[i]}. */
    private long[] ips6 = new long[0];
    private long[] macs6 = new long[0];

    /** The tables of this network namespace: {@code arp} for IPv4, rtnetlink for IPv6. */
    public Neighbours(Path arp) {
        this(arp, Ipv6Neighbours::read);
    }

    public Neighbours(Path arp, Supplier<List<Ipv6Neighbours.Entry>> ipv6) {
        this.source = arp;
        this.source6 = ipv6;
    }

    /** Re-reads both tables; when one cannot be read the last ones stay and the exception says why. */
    public void refresh() throws IOException {
        List<String> lines = Files.readAllLines(source);
        List<Ipv6Neighbours.Entry> entries6 = source6.get();
        int[] newIps = new int[lines.size()];
        long[] newMacs = new long[lines.size()];
        int n = 0;
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || (Integer.decode(f[2]) & ATF_COM) == 0) {
                continue;
            }
            newIps[n] = Ipv4.parse(f[0]);
            newMacs[n] = SlowPathLoop.mac(HexFormat.ofDelimiter(":").parseHex(f[3]));
            n++;
        }
        long[] newIps6 = new long[2 * entries6.size()];
        long[] newMacs6 = new long[entries6.size()];
        for (int i = 0; i < entries6.size(); i++) {
            newIps6[2 * i] = entries6.get(i).ip().high();
            newIps6[2 * i + 1] = entries6.get(i).ip().low();
            newMacs6[i] = entries6.get(i).mac();
        }
        ips = Arrays.copyOf(newIps, n);
        macs = Arrays.copyOf(newMacs, n);
        ips6 = newIps6;
        macs6 = newMacs6;
    }

    /** The MAC of {@code ip} as a 48-bit value, or -1 when the kernel has no complete entry for it. */
    public long mac(int ip) {
        int[] a = ips;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == ip) {
                return macs[i];
            }
        }
        return -1;
    }

    /** The MAC of IPv6 address {@code [high low]}, or -1 when the kernel has no usable entry for it. */
    public long mac6(long high, long low) {
        long[] a = ips6;
        long[] m = macs6;
        for (int i = 0; i < m.length; i++) {
            if (a[2 * i] == high && a[2 * i + 1] == low) {
                return m[i];
            }
        }
        return -1;
    }

    /** IPv4 neighbours with a MAC. */
    public int size() {
        return ips.length;
    }

    /** IPv6 neighbours with a MAC. */
    public int size6() {
        return macs6.length;
    }
}
