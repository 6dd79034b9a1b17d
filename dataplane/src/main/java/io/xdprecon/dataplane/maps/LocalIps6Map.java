package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Typed view of {@code xdp_local_ips6}: IPv6 destinations whose unmatched UDP (and ICMPv6 echo requests) go to
 * AF_XDP, as {@link LocalIpsMap} for IPv4. Not thread-safe.
 */
public final class LocalIps6Map {
    private static final Comparator<IpAddress.V6> BY_ADDRESS =
            Comparator.<IpAddress.V6>comparingLong(a -> a.high() ^ Long.MIN_VALUE).thenComparingLong(a -> a.low() ^ Long.MIN_VALUE);

    private final BpfMap map;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment key = arena.allocate(Abi.IP6_ADDR);
    private final MemorySegment value = arena.allocate(Abi.IP_COUNTER);

    public LocalIps6Map(BpfMap map) {
        this.map = map;
    }

    /** Adds {@code ip}; an address already present keeps its counter. Returns false if it was there. */
    public boolean add(IpAddress.V6 ip) {
        Abi.writeIp6(key, 0, ip);
        value.fill((byte) 0);
        try {
            map.update(key, value, UpdateMode.CREATE);
            return true;
        } catch (BpfException.AlreadyExists e) {
            return false;
        }
    }

    public boolean remove(IpAddress.V6 ip) {
        Abi.writeIp6(key, 0, ip);
        return map.delete(key);
    }

    /** Every local IPv6 address with the packets steered toward AF_XDP for it, ordered by address. */
    public Map<IpAddress.V6, Long> readAll() {
        int page = 256;
        MemorySegment keys = arena.allocate((long) page * Abi.IP6_SIZE, 8);
        MemorySegment values = arena.allocate((long) page * Abi.IP_COUNTER_SIZE, 8);
        Map<IpAddress.V6, Long> all = new TreeMap<>(BY_ADDRESS);
        map.forEach(keys, values, (k, v, n) -> {
            for (int i = 0; i < n; i++) {
                all.put(Abi.readIp6(k, (long) i * Abi.IP6_SIZE), Abi.readU64(v, (long) i * Abi.IP_COUNTER_SIZE));
            }
        });
        return all;
    }

    public int capacity() {
        return map.maxEntries();
    }
}
