package io.xdprecon.daemon.dpdk;

import io.xdprecon.dataplane.dpdk.SlowPathLoop;
import io.xdprecon.dataplane.maps.Ipv4;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The kernel's IPv4 neighbour table of this network namespace ({@code /proc/net/arp}), as the slow path
 * needs it: next-hop IP → MAC for a rewritten packet DPDK sends itself. Refreshed by the loop's thread
 * between bursts; looked up per packet without allocation (a linear scan: a relay talks to few neighbours).
 * Only complete entries count (flags 0x2: reachable, stale or permanent).
 */
public final class Neighbours {
    public static final Path PROC_ARP = Path.of("/proc/net/arp");
    private static final int ATF_COM = 0x2;

    private final Path source;
    private int[] ips = new int[0];
    private long[] macs = new long[0];

    public Neighbours(Path source) {
        this.source = source;
    }

    /** Re-reads the table; when it cannot be read the last one stays and the exception says why. */
    public void refresh() throws IOException {
        List<String> lines = Files.readAllLines(source);
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
        ips = Arrays.copyOf(newIps, n);
        macs = Arrays.copyOf(newMacs, n);
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

    public int size() {
        return ips.length;
    }
}
