package io.xdprecon.tests.packets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.Ipv4;

import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class ChecksumsTest {
    /**
     * A DNS query for example.com/A from 192.168.1.10:53000 to 8.8.8.8:53 (id 0xbeef, DF, TTL 64),
     * IPv4 header and UDP, laid out by hand; both checksums were computed by a separate script
     * (struct.pack and a plain 16-bit sum), not by this code.
     */
    private static final byte[] DNS_QUERY = HexFormat.of().parseHex(
            "45000039beef40004011aa02c0a8010a08080808"
                    + "cf08003500257d02"
                    + "123401000001000000000000076578616d706c6503636f6d0000010001");

    @Test
    void rfc1071Example() {
        byte[] words = HexFormat.of().parseHex("0001f203f4f5f6f7");
        assertEquals(0xddf2, Checksums.sum(words, 0, words.length));
        assertEquals(0x220d, Checksums.internetChecksum(words, 0, words.length));
    }

    @Test
    void ipv4HeaderExample() {
        byte[] header = HexFormat.of().parseHex("45000073000040004011b861c0a80001c0a800c7");
        assertEquals(0xb861, Checksums.ipv4Header(header, 0, 20), "the checksum field itself is not summed");
        assertTrue(Checksums.isZero(Checksums.sum(header, 0, 20)), "a correct header sums to zero");
    }

    @Test
    void dnsQueryChecksums() {
        assertEquals(0xaa02, Checksums.ipv4Header(DNS_QUERY, 0, 20));
        assertEquals(0x7d02, Checksums.udp(Ipv4.parse("192.168.1.10"), Ipv4.parse("8.8.8.8"), DNS_QUERY, 20, 37));
    }

    @Test
    void frameBuilderWritesTheDnsQueryByteForByte() {
        byte[] frame = FrameBuilder.udp(Ipv4.parse("192.168.1.10"), 53000, Ipv4.parse("8.8.8.8"), 53)
                .id(0xbeef).fragOff(FrameBuilder.IP_DF).ttl(64)
                .payload(Arrays.copyOfRange(DNS_QUERY, 28, DNS_QUERY.length))
                .build();
        assertEquals(HexFormat.of().formatHex(DNS_QUERY), HexFormat.of().formatHex(frame, 14, frame.length));
    }

    @Test
    void oddLengthIsPaddedWithZero() {
        byte[] odd = {(byte) 0xab, (byte) 0xcd, (byte) 0xef};
        assertEquals(0xabcd + 0xef00 - 0xffff, Checksums.sum(odd, 0, 3), "0xabcd + 0xef00 with the carry wrapped around");
    }

    @Test
    void udpChecksumComputingToZeroIsSentAsAllOnes() {
        byte[] frame = FrameBuilder.udp(Ipv4.parse("10.0.0.1"), 1000, Ipv4.parse("10.0.0.2"), 2000).payload(new byte[4]).build();
        int src = Ipv4.parse("10.0.0.1");
        int dst = Ipv4.parse("10.0.0.2");
        // A payload word equal to the checksum of the rest brings the sum to 0xffff: the checksum is 0.
        int rest = Checksums.udp(src, dst, frame, 34, 12);
        frame[42] = (byte) (rest >>> 8);
        frame[43] = (byte) rest;
        assertEquals(0xffff, Checksums.udpSum(src, dst, frame, 34, 12));
        assertEquals(0xffff, Checksums.udp(src, dst, frame, 34, 12), "0 means no checksum, so RFC 768 sends 0xffff");
    }

    @Test
    void onesComplementArithmetic() {
        assertEquals(0x0002, Checksums.add(0x8000, 0x8001), "end-around carry");
        assertEquals(0x0002, Checksums.add(0xffff, 0x0002), "0xffff is a zero");
        assertEquals(0xffff, Checksums.add(0x1234, Checksums.negate(0x1234)));
        assertTrue(Checksums.sameValue(0x0000, 0xffff), "two zeros");
        assertFalse(Checksums.sameValue(0x0001, 0xfffe));
    }
}
