package io.xdprecon.dataplane.maps;

import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.ffm.BpfException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

/** Typed view of {@code xdp_local_ips}: destinations whose unmatched packets go to AF_XDP. Not thread-safe. */
public final class LocalIpsMap {
    private final BpfMap map;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment key = arena.allocate(Abi.IP_SIZE, 4);
    private final MemorySegment value = arena.allocate(Abi.IP_COUNTER);

    public LocalIpsMap(BpfMap map) {
        this.map = map;
    }

    /** Adds {@code ip}; an address already present keeps its counter. Returns false if it was there. */
    public boolean add(int ip) {
        Abi.writeIp(key, 0, ip);
        value.fill((byte) 0);
        try {
            map.update(key, value, UpdateMode.CREATE);
            return true;
        } catch (BpfException.AlreadyExists e) {
            return false;
        }
    }

    public boolean remove(int ip) {
        Abi.writeIp(key, 0, ip);
        return map.delete(key);
    }

    /** Every local IP with the packets steered toward AF_XDP for it, ordered by address. */
    public Map<Integer, Long> readAll() {
        int page = 256;
        MemorySegment keys = arena.allocate((long) page * Abi.IP_SIZE, 8);
        MemorySegment values = arena.allocate((long) page * Abi.IP_COUNTER_SIZE, 8);
        Map<Integer, Long> all = new TreeMap<>(Integer::compareUnsigned);
        map.forEach(keys, values, (k, v, n) -> {
            for (int i = 0; i < n; i++) {
                all.put(Abi.readIp(k, (long) i * Abi.IP_SIZE), Abi.readU64(v, (long) i * Abi.IP_COUNTER_SIZE));
            }
        });
        return all;
    }

    public int capacity() {
        return map.maxEntries();
    }
}
