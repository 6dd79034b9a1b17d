package io.xdprecon.tests.packets;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds an Ethernet II + IPv4 + UDP frame. Every header field can be set, including to values that
 * lie; lengths and checksums default to the correct value for the bytes actually written, so a test
 * names only what it breaks.
 *
 * <p>Layout: 14 bytes of Ethernet, 20 bytes of IPv4 header, the option bytes, then the UDP header and
 * payload (or {@link #l4 raw bytes} for other protocols), then a {@link #trailer} after the IP packet
 * (Ethernet padding). The {@code ihl} field defaults to the header actually written, but may lie.
 */
public final class FrameBuilder {
    public static final int ETH_HLEN = 14;
    public static final int IPV4_HLEN = 20;
    public static final int UDP_HLEN = 8;
    public static final int IP_RF = 0x8000;
    public static final int IP_DF = 0x4000;
    public static final int IP_MF = 0x2000;
    public static final int IP_OFFSET_MASK = 0x1fff;

    /** How a checksum field is filled: the correct value, a fixed value, or the correct value plus an error. */
    private sealed interface Checksum {
        record Correct() implements Checksum {}

        record Fixed(int value) implements Checksum {}

        record OffBy(int error) implements Checksum {}
    }

    private Mac dstMac = Mac.parse("02:00:00:00:00:02");
    private Mac srcMac = Mac.parse("02:00:00:00:00:01");
    private int etherType = Frames.ETH_P_IP;
    private int version = 4;
    private Integer ihl;
    private byte[] options = {};
    private int tos;
    private Integer totLen;
    private int id;
    private int fragOff;
    private int ttl = 64;
    private int protocol = 17;
    private Checksum ipChecksum = new Checksum.Correct();
    private int srcIp;
    private int dstIp;
    private int srcPort;
    private int dstPort;
    private Integer udpLen;
    private Checksum udpChecksum = new Checksum.Correct();
    private byte[] payload = {};
    private byte[] l4;
    private byte[] trailer = {};

    public static FrameBuilder udp(int srcIp, int srcPort, int dstIp, int dstPort) {
        return new FrameBuilder().srcIp(srcIp).srcPort(srcPort).dstIp(dstIp).dstPort(dstPort);
    }

    public FrameBuilder copy() {
        FrameBuilder copy = new FrameBuilder();
        copy.dstMac = dstMac;
        copy.srcMac = srcMac;
        copy.etherType = etherType;
        copy.version = version;
        copy.ihl = ihl;
        copy.options = options.clone();
        copy.tos = tos;
        copy.totLen = totLen;
        copy.id = id;
        copy.fragOff = fragOff;
        copy.ttl = ttl;
        copy.protocol = protocol;
        copy.ipChecksum = ipChecksum;
        copy.srcIp = srcIp;
        copy.dstIp = dstIp;
        copy.srcPort = srcPort;
        copy.dstPort = dstPort;
        copy.udpLen = udpLen;
        copy.udpChecksum = udpChecksum;
        copy.payload = payload.clone();
        copy.l4 = l4 == null ? null : l4.clone();
        copy.trailer = trailer.clone();
        return copy;
    }

    public FrameBuilder dstMac(Mac mac) { dstMac = mac; return this; }
    public FrameBuilder srcMac(Mac mac) { srcMac = mac; return this; }
    public FrameBuilder etherType(int value) { etherType = bits(value, 16, "ethertype"); return this; }
    public FrameBuilder version(int value) { version = bits(value, 4, "version"); return this; }
    /** Overrides the header length field; by default it describes the option bytes actually written. */
    public FrameBuilder ihl(int value) { ihl = bits(value, 4, "ihl"); return this; }
    public FrameBuilder tos(int value) { tos = bits(value, 8, "tos"); return this; }
    public FrameBuilder totLen(int value) { totLen = bits(value, 16, "tot_len"); return this; }
    public FrameBuilder id(int value) { id = bits(value, 16, "id"); return this; }
    /** Flags ({@link #IP_RF}, {@link #IP_DF}, {@link #IP_MF}) and the 13-bit fragment offset, as on the wire. */
    public FrameBuilder fragOff(int value) { fragOff = bits(value, 16, "frag_off"); return this; }
    public FrameBuilder ttl(int value) { ttl = bits(value, 8, "ttl"); return this; }
    public FrameBuilder protocol(int value) { protocol = bits(value, 8, "protocol"); return this; }
    public FrameBuilder srcIp(int address) { srcIp = address; return this; }
    public FrameBuilder dstIp(int address) { dstIp = address; return this; }
    public FrameBuilder srcPort(int port) { srcPort = bits(port, 16, "source port"); return this; }
    public FrameBuilder dstPort(int port) { dstPort = bits(port, 16, "destination port"); return this; }
    public FrameBuilder udpLen(int value) { udpLen = bits(value, 16, "udp len"); return this; }
    public FrameBuilder payload(byte[] bytes) { payload = bytes.clone(); return this; }
    /** Replaces the UDP header and payload by these bytes (an ICMP or TCP header, say). */
    public FrameBuilder l4(byte[] bytes) { l4 = bytes.clone(); return this; }
    /** Bytes after the IP packet, not counted in tot_len: Ethernet padding, or trailing garbage. */
    public FrameBuilder trailer(byte[] bytes) { trailer = bytes.clone(); return this; }

    /** IP option bytes, written after the 20-byte header; a length that is not a multiple of 4 makes ihl round down. */
    public FrameBuilder options(byte[] bytes) {
        if (bytes.length > 40) {
            throw new IllegalArgumentException("at most 40 option bytes fit in an IPv4 header: " + bytes.length);
        }
        options = bytes.clone();
        return this;
    }

    public FrameBuilder ipChecksum(int value) { ipChecksum = new Checksum.Fixed(bits(value, 16, "ip checksum")); return this; }
    /** The correct IP checksum plus {@code error} in ones' complement: a deliberately wrong checksum. */
    public FrameBuilder ipChecksumError(int error) { ipChecksum = new Checksum.OffBy(nonZeroError(error)); return this; }
    /** A fixed UDP checksum; 0 means the sender computed none. */
    public FrameBuilder udpChecksum(int value) { udpChecksum = new Checksum.Fixed(bits(value, 16, "udp checksum")); return this; }
    public FrameBuilder noUdpChecksum() { return udpChecksum(0); }
    /** The correct UDP checksum plus {@code error} (written as 0xffff if that gives 0, which would mean "none"). */
    public FrameBuilder udpChecksumError(int error) { udpChecksum = new Checksum.OffBy(nonZeroError(error)); return this; }

    public int srcIp() { return srcIp; }
    public int dstIp() { return dstIp; }
    public int srcPort() { return srcPort; }
    public int dstPort() { return dstPort; }
    public int ttl() { return ttl; }

    /** Length of the frame {@link #build} makes. */
    public int frameLength() {
        return ETH_HLEN + IPV4_HLEN + options.length + l4Length() + trailer.length;
    }

    public byte[] build() {
        int ipHeaderLength = IPV4_HLEN + options.length;
        int udpOffset = ETH_HLEN + ipHeaderLength;
        int udpLength = udpLen != null ? udpLen : UDP_HLEN + payload.length;
        ByteBuffer frame = ByteBuffer.allocate(frameLength());
        byte[] bytes = frame.array();
        dstMac.write(bytes, 0);
        srcMac.write(bytes, 6);
        frame.position(12);
        frame.putShort((short) etherType);

        frame.put((byte) (version << 4 | (ihl != null ? ihl : ipHeaderLength / 4)));
        frame.put((byte) tos);
        frame.putShort((short) (totLen != null ? totLen : ipHeaderLength + l4Length()));
        frame.putShort((short) id);
        frame.putShort((short) fragOff);
        frame.put((byte) ttl);
        frame.put((byte) protocol);
        frame.putShort((short) 0); // header checksum, filled last
        frame.putInt(srcIp);
        frame.putInt(dstIp);
        frame.put(options);
        if (l4 != null) {
            frame.put(l4);
        } else {
            frame.putShort((short) srcPort);
            frame.putShort((short) dstPort);
            frame.putShort((short) udpLength);
            frame.putShort((short) 0); // checksum, filled below
            frame.put(payload);
        }
        frame.put(trailer);

        if (l4 == null) {
            // A udp len that lies beyond the frame cannot be summed; the bytes that exist are.
            int covered = Math.min(udpLength, bytes.length - udpOffset);
            int correct = Checksums.udp(srcIp, dstIp, bytes, udpOffset, covered);
            int written = switch (udpChecksum) {
                case Checksum.Correct() -> correct;
                case Checksum.Fixed(int value) -> value;
                case Checksum.OffBy(int error) -> {
                    int wrong = Checksums.add(correct, error);
                    yield wrong == 0 ? 0xffff : wrong;
                }
            };
            frame.putShort(udpOffset + Checksums.UDP_CHECKSUM_OFFSET, (short) written);
        }
        int correct = Checksums.ipv4Header(bytes, ETH_HLEN, ipHeaderLength);
        int written = switch (ipChecksum) {
            case Checksum.Correct() -> correct;
            case Checksum.Fixed(int value) -> value;
            case Checksum.OffBy(int error) -> Checksums.add(correct, error);
        };
        frame.putShort(ETH_HLEN + Checksums.IPV4_CHECKSUM_OFFSET, (short) written);
        return bytes;
    }

    private int l4Length() {
        return l4 != null ? l4.length : UDP_HLEN + payload.length;
    }

    private static int nonZeroError(int error) {
        if (Checksums.isZero(bits(error, 16, "checksum error"))) {
            throw new IllegalArgumentException("a checksum error must not be ones' complement zero: 0x" + Integer.toHexString(error));
        }
        return error;
    }

    private static int bits(int value, int width, String field) {
        if (value < 0 || value >= 1 << width) {
            throw new IllegalArgumentException(field + " does not fit in " + width + " bits: " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return new FrameView(build()).summary() + (trailer.length > 0 ? " + " + trailer.length + " trailer bytes" : "")
                + (options.length > 0 ? " options " + Arrays.toString(options) : "");
    }
}
