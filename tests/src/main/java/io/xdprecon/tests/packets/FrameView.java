package io.xdprecon.tests.packets;

import io.xdprecon.dataplane.maps.Ipv4;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the fields of an Ethernet/IPv4/UDP frame, and says in words how two frames differ. Field
 * accessors read at fixed offsets (the IPv4 header at 14, UDP after {@code ihl * 4} bytes) and throw
 * {@link IndexOutOfBoundsException} on a frame too short to hold them.
 */
public final class FrameView {
    private static final int IP = FrameBuilder.ETH_HLEN;

    private final byte[] bytes;

    public FrameView(byte[] bytes) {
        this.bytes = bytes;
    }

    public int length() { return bytes.length; }
    public Mac dstMac() { return Mac.read(bytes, 0); }
    public Mac srcMac() { return Mac.read(bytes, 6); }
    public int etherType() { return u16(12); }
    public int version() { return u8(IP) >>> 4; }
    public int ihl() { return u8(IP) & 0xf; }
    public int tos() { return u8(IP + 1); }
    public int totLen() { return u16(IP + 2); }
    public int id() { return u16(IP + 4); }
    public int fragOff() { return u16(IP + 6); }
    public int ttl() { return u8(IP + 8); }
    public int protocol() { return u8(IP + 9); }
    public int ipChecksum() { return u16(IP + 10); }
    public int srcIp() { return s32(IP + 12); }
    public int dstIp() { return s32(IP + 16); }
    public int l4Offset() { return IP + ihl() * 4; }
    public int srcPort() { return u16(l4Offset()); }
    public int dstPort() { return u16(l4Offset() + 2); }
    public int udpLen() { return u16(l4Offset() + 4); }
    public int udpChecksum() { return u16(l4Offset() + 6); }

    /** True when the frame is long enough for an Ethernet header and a 20-byte IPv4 header, and says it is IPv4. */
    public boolean hasIpv4Header() {
        return bytes.length >= IP + FrameBuilder.IPV4_HLEN && etherType() == Frames.ETH_P_IP;
    }

    /** The header checksum verifies: the header's words, checksum included, sum to ones' complement zero. */
    public boolean ipChecksumValid() {
        return Checksums.isZero(Checksums.sum(bytes, IP, ihl() * 4));
    }

    /** The UDP checksum is absent (0) or verifies over udp len bytes and the pseudo-header. */
    public boolean udpChecksumValid() {
        if (udpChecksum() == 0) {
            return true;
        }
        int withoutField = Checksums.udpSum(srcIp(), dstIp(), bytes, l4Offset(), udpLen());
        return Checksums.isZero(Checksums.add(withoutField, udpChecksum()));
    }

    /** One line describing the frame, as far as it goes. */
    public String summary() {
        if (bytes.length < IP) {
            return bytes.length + "-byte runt " + HexFormat.of().formatHex(bytes);
        }
        StringBuilder text = new StringBuilder();
        text.append(bytes.length).append("B ").append(srcMac()).append(" > ").append(dstMac())
                .append(String.format(" type 0x%04x", etherType()));
        if (!hasIpv4Header()) {
            return text.toString();
        }
        text.append(String.format(" | IPv4 v%d ihl %d tos 0x%02x len %d id %d frag 0x%04x ttl %d proto %d csum 0x%04x %s > %s",
                version(), ihl(), tos(), totLen(), id(), fragOff(), ttl(), protocol(), ipChecksum(),
                Ipv4.format(srcIp()), Ipv4.format(dstIp())));
        if (protocol() == 17 && ihl() >= 5 && bytes.length >= l4Offset() + FrameBuilder.UDP_HLEN) {
            text.append(String.format(" | UDP %d > %d len %d csum 0x%04x", srcPort(), dstPort(), udpLen(), udpChecksum()));
        }
        return text.toString();
    }

    /**
     * The differences between two frames, named by field ("ttl: expected 63, actual 64"), or the
     * empty string when the bytes are equal. Fields are laid out as the expected frame describes them.
     */
    public static String diff(byte[] expected, byte[] actual) {
        List<String> differences = new ArrayList<>();
        if (expected.length != actual.length) {
            differences.add("length: expected " + expected.length + ", actual " + actual.length);
        }
        int common = Math.min(expected.length, actual.length);
        boolean[] explained = new boolean[common];
        for (Field field : layout(expected)) {
            int end = Math.min(field.offset + field.length, common);
            boolean differs = false;
            for (int i = field.offset; i < end; i++) {
                differs |= expected[i] != actual[i];
                explained[i] = true;
            }
            if (differs) {
                differences.add(field.name + ": expected " + field.format(expected, end) + ", actual " + field.format(actual, end));
            }
        }
        int firstOther = -1;
        int otherCount = 0;
        for (int i = 0; i < common; i++) {
            if (!explained[i] && expected[i] != actual[i]) {
                firstOther = firstOther < 0 ? i : firstOther;
                otherCount++;
            }
        }
        if (otherCount > 0) {
            differences.add(otherCount + " payload byte(s) differ, first at offset " + firstOther
                    + String.format(" (expected 0x%02x, actual 0x%02x)", expected[firstOther], actual[firstOther]));
        }
        return String.join("; ", differences);
    }

    private enum Format { MAC, IPV4, HEX, DECIMAL }

    private record Field(String name, int offset, int length, Format format) {
        String format(byte[] frame, int end) {
            if (end - offset < length) {
                return HexFormat.of().formatHex(frame, offset, end) + " (cut)";
            }
            FrameView view = new FrameView(frame);
            return switch (format) {
                case MAC -> Mac.read(frame, offset).toString();
                case IPV4 -> Ipv4.format(view.s32(offset));
                case HEX -> "0x" + HexFormat.of().formatHex(frame, offset, offset + length);
                case DECIMAL -> Long.toString(length == 1 ? view.u8(offset) : view.u16(offset));
            };
        }
    }

    private static List<Field> layout(byte[] frame) {
        FrameView view = new FrameView(frame);
        List<Field> fields = new ArrayList<>(List.of(
                new Field("dst mac", 0, 6, Format.MAC),
                new Field("src mac", 6, 6, Format.MAC),
                new Field("ethertype", 12, 2, Format.HEX)));
        if (frame.length <= IP || view.etherType() != Frames.ETH_P_IP) {
            return fields;
        }
        fields.addAll(List.of(
                new Field("version/ihl", IP, 1, Format.HEX),
                new Field("tos", IP + 1, 1, Format.HEX),
                new Field("tot_len", IP + 2, 2, Format.DECIMAL),
                new Field("id", IP + 4, 2, Format.DECIMAL),
                new Field("frag_off", IP + 6, 2, Format.HEX),
                new Field("ttl", IP + 8, 1, Format.DECIMAL),
                new Field("protocol", IP + 9, 1, Format.DECIMAL),
                new Field("ip checksum", IP + 10, 2, Format.HEX),
                new Field("src ip", IP + 12, 4, Format.IPV4),
                new Field("dst ip", IP + 16, 4, Format.IPV4)));
        int ihl = view.ihl();
        if (ihl > 5) {
            fields.add(new Field("ip options", IP + 20, ihl * 4 - 20, Format.HEX));
        }
        if (frame.length > IP + 9 && view.protocol() == 17 && ihl >= 5) {
            int udp = IP + ihl * 4;
            fields.addAll(List.of(
                    new Field("udp src port", udp, 2, Format.DECIMAL),
                    new Field("udp dst port", udp + 2, 2, Format.DECIMAL),
                    new Field("udp len", udp + 4, 2, Format.DECIMAL),
                    new Field("udp checksum", udp + 6, 2, Format.HEX)));
        }
        return fields;
    }

    private int u8(int offset) {
        return bytes[offset] & 0xff;
    }

    private int u16(int offset) {
        return (u8(offset) << 8) | u8(offset + 1);
    }

    private int s32(int offset) {
        return (u16(offset) << 16) | u16(offset + 2);
    }
}
