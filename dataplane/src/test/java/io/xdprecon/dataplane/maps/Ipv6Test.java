package io.xdprecon.dataplane.maps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** IPv6 text: every RFC 4291 form parses, and the one RFC 5952 form is written. */
class Ipv6Test {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::1
            2001:DB8::1                             | 2001:db8::1
            2001:db8:0:0:1:0:0:1                    | 2001:db8::1:0:0:1
            2001:0:0:1:0:0:0:1                      | 2001:0:0:1::1
            2001:db8:0:1:1:1:1:1                    | 2001:db8:0:1:1:1:1:1
            2001:db8::0:1                           | 2001:db8::1
            0:0:0:0:0:0:0:0                         | ::
            ::0                                     | ::
            0::1                                    | ::1
            1::                                     | 1::
            1:0:0:0:0:0:0:0                         | 1::
            fe80::1:2:3:4                           | fe80::1:2:3:4
            1:2:3:4:5:6:7::                         | 1:2:3:4:5:6:7:0
            ::2:3:4:5:6:7:8                         | 0:2:3:4:5:6:7:8
            64:ff9b::192.0.2.33                     | 64:ff9b::c000:221
            ::ffff:192.0.2.1                        | ::ffff:192.0.2.1
            ::ffff:c000:201                         | ::ffff:192.0.2.1
            ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
            """)
    void parsesEveryFormAndWritesTheCanonicalOne(String text, String canonical) throws Exception {
        long[] parsed = Ipv6.parse(text);
        assertEquals(canonical, Ipv6.format(parsed[0], parsed[1]), text);
        // the JDK's reading of the same text: same 128 bits (it makes an IPv4-mapped one an IPv4 address)
        ByteBuffer jdk = ByteBuffer.wrap(InetAddress.getByName(text).getAddress());
        if (jdk.capacity() == 16) {
            assertEquals(jdk.getLong(0), parsed[0], text);
            assertEquals(jdk.getLong(8), parsed[1], text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
            "g::1", "1:2:3:4:5:6:7:8::", "::1:", ":1::", "1.2.3.4", "::1.2.3", "::1.2.3.04", "::256.1.1.1",
            "1:2:3:4:5:6:7:1.2.3.4", "[::1]", "::1%eth0", "::1/128", " ::1", "::1 ", "\u0661::1", "１::1",
            "1:2:3:4:5:6:1.2.3.4:8", "::1.2.3.4.5"})
    void refusesWhatIsNotAnAddress(String text) {
        assertNull(Ipv6.parse(text), text);
    }

    /**
     * Random addresses with zero runs of every length and place: the canonical text parses back to the same
     * bits, the JDK reads it as the same bits, it is the shortest text of the address with '::' replacing the
     * longest (first) run of two or more zero groups, and the full uncompressed text parses to the same bits.
     */
    @Test
    void randomAddressesRoundTrip() throws Exception {
        Random random = new Random(5952);
        for (int i = 0; i < 20_000; i++) {
            int[] groups = new int[8];
            for (int g = 0; g < 8; g++) {
                groups[g] = random.nextInt(4) == 0 ? 0 : random.nextInt(3) == 0 ? random.nextInt(16) : random.nextInt(65536);
            }
            long high = 0;
            long low = 0;
            StringBuilder full = new StringBuilder();
            for (int g = 0; g < 8; g++) {
                if (g < 4) {
                    high = high << 16 | groups[g];
                } else {
                    low = low << 16 | groups[g];
                }
                full.append(g == 0 ? "" : ":").append(String.format("%04X", groups[g]));
            }
            if (high == 0 && low >>> 32 == 0xffffL) {
                continue; // IPv4-mapped: its own form, checked above
            }
            String canonical = Ipv6.format(high, low);
            assertArrayEquals(new long[] {high, low}, Ipv6.parse(canonical), canonical);
            assertArrayEquals(new long[] {high, low}, Ipv6.parse(full.toString()), full.toString());
            ByteBuffer jdk = ByteBuffer.wrap(InetAddress.getByName(canonical).getAddress());
            assertEquals(high, jdk.getLong(0), canonical);
            assertEquals(low, jdk.getLong(8), canonical);
            assertEquals(canonical.toLowerCase(), canonical);
            assertEquals(expectedCompression(groups), canonical.contains("::") ? canonical.indexOf("::") : -1, canonical);
        }
    }

    /** Where '::' must stand in the canonical text (its character index), or -1: the first longest zero run of 2+. */
    private static int expectedCompression(int[] groups) {
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        if (bestStart < 0) {
            return -1;
        }
        int index = 0;
        for (int g = 0; g < bestStart; g++) {
            index += Integer.toHexString(groups[g]).length() + 1;
        }
        return bestStart == 0 ? 0 : index - 1;
    }
}
