package io.xdprecon.tests.packets;

import io.xdprecon.dataplane.maps.IpAddress;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Ethernet + IPv6 frames, right or wrong on purpose: every field can be set, and lengths and the UDP checksum are
 * computed unless fixed. Extension headers go between the fixed header and the upper layer, chained by their
 * next header fields.
 */
public final class Frame6Builder {
    public static final int ETH_P_IPV6 = 0x86dd;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ICMPV6 = 58;

    private Mac dstMac = Mac.parse("02:00:00:00:00:02");
    private Mac srcMac = Mac.parse("02:00:00:00:aa:01");
    private int etherType = ETH_P_IPV6;
    private int version = 6;
    private int trafficClass;
    private int flowLabel;
    private Integer payloadLen;
    private int upperProtocol = IPPROTO_UDP;
    private int hopLimit = 64;
    private IpAddress.V6 src;
    private IpAddress.V6 dst;
    private final List<byte[]> extensions = new ArrayList<>();
    private final List<Integer> extensionTypes = new ArrayList<>();
    private int srcPort;
    private int dstPort;
    private Integer udpLen;
    private Integer udpChecksum;
    private int udpChecksumError;
    private byte[] payload = new byte[0];
    private byte[] l4;
    private byte[] trailer = new byte[0];

    private Frame6Builder() {}

    public static Frame6Builder udp(IpAddress.V6 src, int srcPort, IpAddress.V6 dst, int dstPort) {
        Frame6Builder b = new Frame6Builder();
        b.src = src;
        b.dst = dst;
        b.srcPort = srcPort;
        b.dstPort = dstPort;
        return b;
    }

    public Frame6Builder dstMac(Mac mac) { dstMac = mac; return this; }
    public Frame6Builder srcMac(Mac mac) { srcMac = mac; return this; }
    public Frame6Builder etherType(int value) { etherType = value; return this; }
    public Frame6Builder version(int value) { version = value; return this; }
    public Frame6Builder trafficClass(int value) { trafficClass = value & 0xff; return this; }
    public Frame6Builder flowLabel(int value) { flowLabel = value & 0xfffff; return this; }
    public Frame6Builder payloadLen(int value) { payloadLen = value & 0xffff; return this; }
    public Frame6Builder hopLimit(int value) { hopLimit = value & 0xff; return this; }
    public Frame6Builder udpLen(int value) { udpLen = value & 0xffff; return this; }
    public Frame6Builder udpChecksum(int value) { udpChecksum = value & 0xffff; return this; }
    /** The right checksum plus {@code error} (ones' complement): what a corrupted datagram carries. */
    public Frame6Builder udpChecksumError(int error) { udpChecksumError = error & 0xffff; return this; }
    public Frame6Builder payload(byte[] bytes) { payload = bytes.clone(); return this; }
    public Frame6Builder trailer(byte[] bytes) { trailer = bytes.clone(); return this; }

    /** Another upper-layer protocol (ICMPv6, TCP, ...) whose bytes are {@code bytes}, as they are. */
    public Frame6Builder upper(int protocol, byte[] bytes) {
        upperProtocol = protocol;
        l4 = bytes.clone();
        return this;
    }

    /** An extension header of {@code type}; {@code body} is padded so that the header is a multiple of 8 bytes. */
    public Frame6Builder extension(int type, byte[] body) {
        int length = Math.max(8, (2 + body.length + 7) / 8 * 8);
        byte[] header = new byte[length];
        System.arraycopy(body, 0, header, 2, body.length);
        header[1] = (byte) (type == 44 ? 0 : length / 8 - 1); // a fragment header's second byte is reserved
        extensions.add(header);
        extensionTypes.add(type);
        return this;
    }

    public byte[] build() {
        byte[] upper;
        if (l4 != null) {
            upper = l4.clone();
        } else {
            upper = new byte[8 + payload.length];
            int length = udpLen != null ? udpLen : upper.length;
            putU16(upper, 0, srcPort);
            putU16(upper, 2, dstPort);
            putU16(upper, 4, length);
            System.arraycopy(payload, 0, upper, 8, payload.length);
            int checksum;
            if (udpChecksum != null) {
                checksum = udpChecksum;
            } else {
                int span = Math.min(upper.length, Math.max(8, length));
                checksum = Checksums.udpIpv6(bytes(src), bytes(dst), upper, 0, span);
                if (udpChecksumError != 0) {
                    checksum = Checksums.add(checksum, udpChecksumError);
                }
            }
            putU16(upper, 6, checksum);
        }
        ByteArrayOutputStream chain = new ByteArrayOutputStream();
        for (int i = 0; i < extensions.size(); i++) {
            byte[] header = extensions.get(i).clone();
            header[0] = (byte) (i + 1 < extensions.size() ? extensionTypes.get(i + 1) : upperProtocol);
            chain.writeBytes(header);
        }
        chain.writeBytes(upper);
        byte[] ipPayload = chain.toByteArray();
        int nextHeader = extensions.isEmpty() ? upperProtocol : extensionTypes.getFirst();
        byte[] frame = new byte[14 + 40 + ipPayload.length + trailer.length];
        dstMac.write(frame, 0);
        srcMac.write(frame, 6);
        putU16(frame, 12, etherType);
        int word = version << 28 | trafficClass << 20 | flowLabel;
        putU16(frame, 14, word >>> 16);
        putU16(frame, 16, word & 0xffff);
        putU16(frame, 18, payloadLen != null ? payloadLen : ipPayload.length);
        frame[20] = (byte) nextHeader;
        frame[21] = (byte) hopLimit;
        System.arraycopy(bytes(src), 0, frame, 22, 16);
        System.arraycopy(bytes(dst), 0, frame, 38, 16);
        System.arraycopy(ipPayload, 0, frame, 54, ipPayload.length);
        System.arraycopy(trailer, 0, frame, 54 + ipPayload.length, trailer.length);
        return frame;
    }

    public static byte[] bytes(IpAddress.V6 address) {
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (address.high() >>> (56 - 8 * i));
            out[8 + i] = (byte) (address.low() >>> (56 - 8 * i));
        }
        return out;
    }

    private static void putU16(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) (value >>> 8);
        bytes[offset + 1] = (byte) value;
    }
}
