package io.xdprecon.sessions;

import io.xdprecon.config.PortRange;
import io.xdprecon.dataplane.maps.IpAddress;
import java.util.BitSet;

/**
 * The source ports of one egress address that sessions may use: allocate, release, reserve (adoption).
 * Next-fit from the last allocation, so a port just released is not handed out again at once (late
 * packets of the old session would reach the new one). Exhaustion is reported with {@link #NONE} and
 * counted, never hidden. An address of either family: the table keeps a pool per (egress address, backend), so
 * an IPv4 and an IPv6 service never share one. Not thread-safe: owned by the session loop.
 */
public final class PortPool {
    /** What {@link #allocate()} returns when every port is in use. */
    public static final int NONE = -1;

    private final IpAddress address;
    private final PortRange range;
    private final BitSet used;
    private int next;
    private int inUse;
    private long exhausted;

    public PortPool(IpAddress address, PortRange range) {
        this.address = java.util.Objects.requireNonNull(address, "address");
        this.range = range;
        this.used = new BitSet(range.size());
    }

    /** An IPv4 address's pool. */
    public PortPool(int address, PortRange range) {
        this(new IpAddress.V4(address), range);
    }

    public IpAddress address() {
        return address;
    }

    public PortRange range() {
        return range;
    }

    /** A free port, or {@link #NONE} (counted in {@link #exhaustions()}) when the pool is empty. */
    public int allocate() {
        int size = range.size();
        if (inUse == size) {
            exhausted++;
            return NONE;
        }
        int i = used.nextClearBit(next);
        if (i >= size) {
            i = used.nextClearBit(0);
        }
        used.set(i);
        inUse++;
        next = i + 1 == size ? 0 : i + 1;
        return range.first() + i;
    }

    /** Marks a port used that a session adopted from the maps holds; false when outside the pool or taken. */
    public boolean reserve(int port) {
        if (!range.contains(port) || used.get(port - range.first())) {
            return false;
        }
        used.set(port - range.first());
        inUse++;
        return true;
    }

    /** Returns a port to the pool; false when it was not in use (a double release is a bug, and reported). */
    public boolean release(int port) {
        if (!range.contains(port) || !used.get(port - range.first())) {
            return false;
        }
        used.clear(port - range.first());
        inUse--;
        return true;
    }

    public boolean isUsed(int port) {
        return range.contains(port) && used.get(port - range.first());
    }

    public int inUse() {
        return inUse;
    }

    public int free() {
        return range.size() - inUse;
    }

    /** How many allocations found the pool empty. */
    public long exhaustions() {
        return exhausted;
    }
}
