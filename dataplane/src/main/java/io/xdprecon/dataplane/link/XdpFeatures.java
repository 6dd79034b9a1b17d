package io.xdprecon.dataplane.link;

import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.ffm.Errno;
import io.xdprecon.dataplane.ffm.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a device's driver says it can do with XDP, as the kernel reports it through the generic netlink family
 * {@code netdev} ({@code NETDEV_CMD_DEV_GET}, attribute {@code NETDEV_A_DEV_XDP_FEATURES}; kernel 6.3 and
 * later). Asked in the calling thread's network namespace; nothing is changed. Older kernels have no such
 * family: {@link #of} is then empty, and only attaching a program would tell.
 *
 * <pre>
 * request:  nlmsghdr (16: len, type = family id, flags = REQUEST, seq, pid)
 *           genlmsghdr (4: cmd, version, reserved)
 *           nlattr (4: len, type) + payload, padded to 4 bytes
 * </pre>
 */
public final class XdpFeatures {
    /** The bits of {@code enum netdev_xdp_act} (include/uapi/linux/netdev.h). */
    public enum Feature {
        /** XDP_PASS, XDP_DROP, XDP_ABORTED, XDP_TX: a native XDP program runs at all. */
        BASIC(1),
        /** XDP_REDIRECT out of this device's program. */
        REDIRECT(1 << 1),
        /** This device takes frames redirected to it (ndo_xdp_xmit): a redirect target. */
        NDO_XMIT(1 << 2),
        XSK_ZEROCOPY(1 << 3),
        HW_OFFLOAD(1 << 4),
        RX_SG(1 << 5),
        NDO_XMIT_SG(1 << 6);

        final long bit;

        Feature(long bit) {
            this.bit = bit;
        }
    }

    private static final int NETLINK_GENERIC = 16;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLMSG_ERROR = 2;
    private static final short GENL_ID_CTRL = 0x10;
    private static final byte CTRL_CMD_GETFAMILY = 3;
    private static final short CTRL_ATTR_FAMILY_ID = 1;
    private static final short CTRL_ATTR_FAMILY_NAME = 2;
    private static final byte NETDEV_CMD_DEV_GET = 1;
    private static final short NETDEV_A_DEV_IFINDEX = 1;
    private static final short NETDEV_A_DEV_XDP_FEATURES = 3;
    private static final int HEADERS = 16 + 4;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;


    private XdpFeatures() {}

    /**
     * The XDP features of device {@code ifindex}; empty when the kernel has no {@code netdev} family.
     *
     * @throws BpfException when the kernel refuses the question (no such device: ENODEV)
     */
    public static Optional<Set<Feature>> of(int ifindex) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            int fd = NetlinkCalls.open(state, NETLINK_GENERIC);
            if (fd < 0) {
                throw BpfException.of("open a generic netlink socket", "netdev", Native.errno(state));
            }
            try {
                MemorySegment buffer = arena.allocate(16384);
                byte[] name = "netdev\0".getBytes(StandardCharsets.US_ASCII);
                MemorySegment family = arena.allocate(name.length);
                family.copyFrom(MemorySegment.ofArray(name));
                Reply reply = ask(fd, state, buffer, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, CTRL_ATTR_FAMILY_NAME, family);
                if (reply.error() == -Errno.ENOENT) {
                    return Optional.empty();
                }
                reply.check("look up the generic netlink family", "netdev");
                short familyId = reply.attribute(CTRL_ATTR_FAMILY_ID).map(a -> a.get(SHORT, 0)).orElseThrow(
                        () -> new IllegalStateException("the kernel's answer for family netdev carries no id"));
                MemorySegment index = arena.allocate(4);
                index.set(INT, 0, ifindex);
                reply = ask(fd, state, buffer, familyId, NETDEV_CMD_DEV_GET, 2, NETDEV_A_DEV_IFINDEX, index);
                reply.check("read the XDP features of", "ifindex " + ifindex);
                long bits = reply.attribute(NETDEV_A_DEV_XDP_FEATURES).map(a -> a.get(LONG, 0)).orElse(0L);
                Set<Feature> features = EnumSet.noneOf(Feature.class);
                for (Feature feature : Feature.values()) {
                    if ((bits & feature.bit) != 0) {
                        features.add(feature);
                    }
                }
                return Optional.of(features);
            } finally {
                int ignored = (int) NetlinkCalls.CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Sends one request with one attribute and reads the one answer into {@code buffer}. */
    private static Reply ask(int fd, MemorySegment state, MemorySegment buffer, short type, byte command, int sequence,
            short attribute, MemorySegment payload) throws Throwable {
        int attributeLength = 4 + (int) payload.byteSize();
        int length = HEADERS + align(attributeLength);
        buffer.asSlice(0, length).fill((byte) 0);
        buffer.set(INT, 0, length);
        buffer.set(SHORT, 4, type);
        buffer.set(SHORT, 6, NLM_F_REQUEST);
        buffer.set(INT, 8, sequence);
        buffer.set(ValueLayout.JAVA_BYTE, 16, command);
        buffer.set(ValueLayout.JAVA_BYTE, 17, (byte) 1);
        buffer.set(SHORT, HEADERS, (short) attributeLength);
        buffer.set(SHORT, HEADERS + 2, attribute);
        buffer.asSlice(HEADERS + 4, payload.byteSize()).copyFrom(payload);
        long sent = (long) NetlinkCalls.SEND.invokeExact(state, fd, buffer, (long) length, 0);
        if (sent != length) {
            throw BpfException.of("send a generic netlink request", "netdev", Native.errno(state));
        }
        long received = (long) NetlinkCalls.RECV.invokeExact(state, fd, buffer, buffer.byteSize(), 0);
        if (received < 16) {
            throw BpfException.of("read a generic netlink answer", "netdev", Native.errno(state));
        }
        return new Reply(buffer.asSlice(0, Math.min(received, Integer.toUnsignedLong(buffer.get(INT, 0)))));
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }

    /** One netlink message: an error (negative errno, 0 for an acknowledgement) or attributes after the genl header. */
    private record Reply(MemorySegment message) {
        int error() {
            return message.get(SHORT, 4) == NLMSG_ERROR ? message.get(INT, 16) : 0;
        }

        void check(String action, String what) {
            if (error() < 0) {
                throw BpfException.of(action, what, -error());
            }
        }

        Optional<MemorySegment> attribute(short type) {
            long offset = HEADERS;
            while (offset + 4 <= message.byteSize()) {
                int length = Short.toUnsignedInt(message.get(SHORT, offset));
                if (length < 4 || offset + length > message.byteSize()) {
                    break;
                }
                if ((message.get(SHORT, offset + 2) & 0x3fff) == type) {
                    return Optional.of(message.asSlice(offset + 4, length - 4));
                }
                offset += align(length);
            }
            return Optional.empty();
        }
    }
}
