package io.xdprecon.tests.packets;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Frames other than plain IPv4/UDP, and cutting or padding any frame. */
public final class Frames {
    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_ARP = 0x0806;
    public static final int ETH_P_8021Q = 0x8100;
    public static final int ETH_P_8021AD = 0x88a8;
    public static final int ETH_P_IPV6 = 0x86dd;
    /** Shortest Ethernet frame without FCS; shorter payloads are padded by the sender. */
    public static final int ETH_ZLEN = 60;

    private Frames() {}

    /** Inserts an 802.1Q (or 802.1ad) tag after the MAC addresses; the original ethertype becomes the inner one. */
    public static byte[] vlanTagged(byte[] untagged, int tpid, int vlanId) {
        ByteBuffer tagged = ByteBuffer.allocate(untagged.length + 4);
        tagged.put(untagged, 0, 12);
        tagged.putShort((short) tpid);
        tagged.putShort((short) (vlanId & 0x0fff));
        tagged.put(untagged, 12, untagged.length - 12);
        return tagged.array();
    }

    /** Ethernet + IPv6 + UDP with a correct UDP checksum; addresses are 16 bytes each. */
    public static byte[] ipv6Udp(Mac dst, Mac src, byte[] srcIp, byte[] dstIp, int srcPort, int dstPort, int hopLimit, byte[] payload) {
        int udpLength = FrameBuilder.UDP_HLEN + payload.length;
        ByteBuffer frame = ByteBuffer.allocate(FrameBuilder.ETH_HLEN + 40 + udpLength);
        byte[] bytes = frame.array();
        dst.write(bytes, 0);
        src.write(bytes, 6);
        frame.position(12);
        frame.putShort((short) ETH_P_IPV6);
        frame.putInt(6 << 28);
        frame.putShort((short) udpLength);
        frame.put((byte) 17);
        frame.put((byte) hopLimit);
        frame.put(srcIp, 0, 16);
        frame.put(dstIp, 0, 16);
        int udpOffset = frame.position();
        frame.putShort((short) srcPort);
        frame.putShort((short) dstPort);
        frame.putShort((short) udpLength);
        frame.putShort((short) 0);
        frame.put(payload);
        frame.putShort(udpOffset + 6, (short) Checksums.udpIpv6(srcIp, dstIp, bytes, udpOffset, udpLength));
        return bytes;
    }

    /** An ARP request (opcode 1) or reply (2) for IPv4 over Ethernet, padded to the Ethernet minimum. */
    public static byte[] arp(Mac sender, int senderIp, Mac target, int targetIp, boolean request) {
        ByteBuffer frame = ByteBuffer.allocate(ETH_ZLEN);
        byte[] bytes = frame.array();
        (request ? Mac.BROADCAST : target).write(bytes, 0);
        sender.write(bytes, 6);
        frame.position(12);
        frame.putShort((short) ETH_P_ARP);
        frame.putShort((short) 1); // hardware: Ethernet
        frame.putShort((short) ETH_P_IP);
        frame.put((byte) 6).put((byte) 4);
        frame.putShort((short) (request ? 1 : 2));
        sender.write(bytes, frame.position());
        frame.position(frame.position() + 6);
        frame.putInt(senderIp);
        (request ? Mac.ZERO : target).write(bytes, frame.position());
        frame.position(frame.position() + 6);
        frame.putInt(targetIp);
        return bytes;
    }

    /** The first {@code length} bytes of a frame. */
    public static byte[] truncate(byte[] frame, int length) {
        if (length < 0 || length > frame.length) {
            throw new IllegalArgumentException("cannot cut a " + frame.length + "-byte frame to " + length);
        }
        return Arrays.copyOf(frame, length);
    }

    /** The frame with zero bytes appended up to {@code length} (unchanged if already that long). */
    public static byte[] padTo(byte[] frame, int length) {
        return frame.length >= length ? frame.clone() : Arrays.copyOf(frame, length);
    }
}
