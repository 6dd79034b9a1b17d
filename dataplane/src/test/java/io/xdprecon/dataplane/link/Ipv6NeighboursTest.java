package io.xdprecon.dataplane.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.IpAddress;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rtnetlink dump as the kernel writes it, parsed; and a real dump of this namespace, which must not fail. */
class Ipv6NeighboursTest {
    static final IpAddress.V6 ROUTER = new IpAddress.V6(0x20010db8_00020000L, 1);
    static final IpAddress.V6 HOST = new IpAddress.V6(0x20010db8_00020000L, 2);

    /** One RTM_NEWNEIGH (type 28) of {@code family} in {@code state}, with NDA_DST and (when mac ≥ 0) NDA_LLADDR. */
    static void neighbour(ByteBuffer b, int family, int state, IpAddress.V6 ip, long mac) {
        int length = 16 + 12 + 20 + (mac >= 0 ? 12 : 0);
        b.putInt(length).putShort((short) 28).putShort((short) 2).putInt(1).putInt(0);
        b.put((byte) family).put((byte) 0).putShort((short) 0).putInt(3).putShort((short) state).put((byte) 0).put((byte) 1);
        b.putShort((short) 20).putShort((short) 1);
        b.order(ByteOrder.BIG_ENDIAN).putLong(ip.high()).putLong(ip.low()).order(ByteOrder.nativeOrder());
        if (mac >= 0) {
            b.putShort((short) 10).putShort((short) 2);
            for (int i = 5; i >= 0; i--) {
                b.put((byte) (mac >>> (8 * i)));
            }
            b.putShort((short) 0); // padding to 4 bytes
        }
    }

    @Test
    void usableIpv6EntriesWithAMacAreKeptAndTheDumpEndsAtDone() {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
        neighbour(b, 10, 0x02, ROUTER, 0x0a0b0c0d0e0fL);      // reachable
        neighbour(b, 10, 0x01, HOST, -1);                      // incomplete: no MAC yet
        neighbour(b, 10, 0x20, HOST, 0x020000000002L);         // failed
        neighbour(b, 2, 0x02, HOST, 0x020000000003L);          // not IPv6 (the family says so)
        neighbour(b, 10, 0x80, HOST, 0x020000000004L);         // permanent
        List<Ipv6Neighbours.Entry> entries = new ArrayList<>();
        assertTrue(Ipv6Neighbours.parse(MemorySegment.ofArray(java.util.Arrays.copyOf(b.array(), b.position())), entries),
                "no NLMSG_DONE yet: the dump goes on");
        assertEquals(List.of(new Ipv6Neighbours.Entry(ROUTER, 0x0a0b0c0d0e0fL), new Ipv6Neighbours.Entry(HOST, 0x020000000004L)),
                entries);
        ByteBuffer done = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        done.putInt(20).putShort((short) 3).putShort((short) 2).putInt(1).putInt(0).putInt(0);
        assertFalse(Ipv6Neighbours.parse(MemorySegment.ofArray(done.array()), entries));
        assertEquals(2, entries.size());
    }

    @Test
    void theKernelsTableOfThisNamespaceIsRead() {
        for (Ipv6Neighbours.Entry e : Ipv6Neighbours.read()) {
            assertTrue(e.mac() >= 0 && e.mac() < 1L << 48, e.toString());
        }
    }
}
