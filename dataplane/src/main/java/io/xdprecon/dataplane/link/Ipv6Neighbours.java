package io.xdprecon.dataplane.link;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Native;
import io.xdprecon.dataplane.maps.IpAddress;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's IPv6 neighbour table of the calling thread's network namespace, read through rtnetlink
 * ({@code RTM_GETNEIGH} dump, family {@code AF_INET6}): what {@code ip -6 neigh} shows. IPv4 has
 * {@code /proc/net/arp}; IPv6 has no such file. Only entries with a link-layer address the kernel would send to
 * count (reachable, stale, delay, probe, permanent, noarp); incomplete and failed ones do not.
 *
 * <pre>
 * request:  nlmsghdr (16: len, type = RTM_GETNEIGH, flags = REQUEST | DUMP, seq, pid)
 *           ndmsg (12: family, pad, pad, ifindex, state u16, flags u8, type u8)
 * answer:   RTM_NEWNEIGH messages (nlmsghdr, ndmsg, attributes NDA_DST 16 bytes, NDA_LLADDR 6), then NLMSG_DONE
 * </pre>
 */
public final class Ipv6Neighbours {
    /** A neighbour: its address and its MAC as a 48-bit value. */
    public record Entry(IpAddress.V6 ip, long mac) {}

    private static final int NETLINK_ROUTE = 0;
    private static final short RTM_NEWNEIGH = 28;
    private static final short RTM_GETNEIGH = 30;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_DUMP = 0x300;
    private static final short NLMSG_ERROR = 2;
    private static final short NLMSG_DONE = 3;
    private static final byte AF_INET6 = 10;
    private static final short NDA_DST = 1;
    private static final short NDA_LLADDR = 2;
    /** NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_NOARP | NUD_PERMANENT. */
    private static final int NUD_USABLE = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
    private static final int HEADERS = 16 + 12;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong LONG_NET = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);


    private Ipv6Neighbours() {}

    /** Every usable IPv6 neighbour of this network namespace, on any interface. */
    public static List<Entry> read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int fd = NetlinkCalls.open(state, NETLINK_ROUTE);
            if (fd < 0) {
                throw BpfException.of("open a netlink socket", "IPv6 neighbours", Native.errno(state));
            }
            try {
                MemorySegment buffer = arena.allocate(65536);
                buffer.asSlice(0, HEADERS).fill((byte) 0);
                buffer.set(INT, 0, HEADERS);
                buffer.set(SHORT, 4, RTM_GETNEIGH);
                buffer.set(SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
                buffer.set(INT, 8, 1);
                buffer.set(ValueLayout.JAVA_BYTE, 16, AF_INET6);
                long sent = (long) NetlinkCalls.SEND.invokeExact(state, fd, buffer, (long) HEADERS, 0);
                if (sent != HEADERS) {
                    throw BpfException.of("ask the kernel for", "IPv6 neighbours", Native.errno(state));
                }
                List<Entry> entries = new ArrayList<>();
                while (true) {
                    long received = (long) NetlinkCalls.RECV.invokeExact(state, fd, buffer, buffer.byteSize(), 0);
                    if (received < 0) {
                        throw BpfException.of("read", "IPv6 neighbours", Native.errno(state));
                    }
                    if (!parse(buffer.asSlice(0, received), entries)) {
                        return entries;
                    }
                }
            } finally {
                int ignored = (int) NetlinkCalls.CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Adds the usable neighbours of one datagram of the dump; false when it ended the dump. */
    static boolean parse(MemorySegment datagram, List<Entry> into) {
        long offset = 0;
        while (offset + 16 <= datagram.byteSize()) {
            int length = datagram.get(INT, offset);
            short type = datagram.get(SHORT, offset + 4);
            if (length < 16 || offset + length > datagram.byteSize()) {
                throw new IllegalStateException("a netlink message of " + length + " bytes in a datagram of "
                        + datagram.byteSize());
            }
            if (type == NLMSG_DONE) {
                return false;
            }
            if (type == NLMSG_ERROR) {
                throw BpfException.of("dump", "IPv6 neighbours", -datagram.get(INT, offset + 16));
            }
            if (type == RTM_NEWNEIGH && length >= HEADERS
                    && datagram.get(ValueLayout.JAVA_BYTE, offset + 16) == AF_INET6
                    && (Short.toUnsignedInt(datagram.get(SHORT, offset + 24)) & NUD_USABLE) != 0) {
                entry(datagram.asSlice(offset + HEADERS, length - HEADERS), into);
            }
            offset += (length + 3) & ~3;
        }
        return true;
    }

    private static void entry(MemorySegment attributes, List<Entry> into) {
        IpAddress.V6 ip = null;
        long mac = -1;
        long offset = 0;
        while (offset + 4 <= attributes.byteSize()) {
            int length = Short.toUnsignedInt(attributes.get(SHORT, offset));
            if (length < 4 || offset + length > attributes.byteSize()) {
                break;
            }
            short type = (short) (attributes.get(SHORT, offset + 2) & 0x3fff);
            if (type == NDA_DST && length == 4 + 16) {
                ip = new IpAddress.V6(attributes.get(LONG_NET, offset + 4), attributes.get(LONG_NET, offset + 12));
            } else if (type == NDA_LLADDR && length == 4 + 6) {
                mac = 0;
                for (int i = 0; i < 6; i++) {
                    mac = mac << 8 | Byte.toUnsignedInt(attributes.get(ValueLayout.JAVA_BYTE, offset + 4 + i));
                }
            }
            offset += (length + 3) & ~3;
        }
        if (ip != null && mac >= 0) {
            into.add(new Entry(ip, mac));
        }
    }
}
