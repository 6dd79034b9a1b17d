package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The textual values of a config: what parses, and how a bad one is explained. */
class ValuesTest {
    @Test
    void goodValuesParse() {
        assertEquals(Ipv4.parse("10.0.0.1"), ok(Values.ipv4("10.0.0.1")));
        assertEquals(Endpoint.of("10.0.0.20", 5004), ok(Values.endpoint("10.0.0.20:5004")));
        assertEquals(new IpAddress.V4(Ipv4.parse("10.0.0.1")), ok(Values.ip("10.0.0.1")));
        // any RFC 4291 form; shown in the one RFC 5952 form
        assertEquals("2001:db8::1", ok(Values.ip("2001:0DB8:0:0:0:0:0:0001")).toString());
        assertEquals(ok(Values.ip("2001:db8::1")), ok(Values.ip("2001:0DB8:0:0:0:0:0:0001")));
        assertEquals("fd00::20", ok(Values.ip("fd00:0::20")).toString());
        Endpoint v6 = ok(Values.endpoint("[2001:DB8:0::20]:5004"));
        assertEquals("[2001:db8::20]:5004", v6.toString());
        assertEquals(new Endpoint(ok(Values.ip("2001:db8::20")), 5004), v6);
        assertEquals(new PortRange(1, 65535), ok(Values.portRange("1-65535")));
        assertEquals(new PortRange(5000, 5000), ok(Values.portRange("5000-5000")));
        assertEquals(Duration.ofMillis(1500), ok(Values.duration("1500ms")));
        assertEquals(Duration.ofMinutes(5), ok(Values.duration("5m")));
        assertEquals(Duration.ofHours(24), ok(Values.duration("24h")));
        assertEquals(2048, ok(Values.pageSizeKb("2Mi")));
        assertEquals(2048, ok(Values.pageSizeKb("2048Ki")));
        assertEquals(1048576, ok(Values.pageSizeKb("1Gi")));
        byte[] key52 = new byte[52];
        key52[51] = (byte) 0xab;
        assertArrayEquals(key52, ok(Values.rssKey("00:".repeat(51) + "AB")));
        assertEquals(40, ok(Values.rssKey("symmetric")).length);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ipv4      | 10.0.0          | '10.0.0' is not an IPv4 address, like 10.0.0.1
            ipv4      | 10.0.0.256      | '10.0.0.256' is not an IPv4 address (octet 256 > 255)
            ipv4      | 10.0.0.-1       | '10.0.0.-1' is not an IPv4 address, like 10.0.0.1
            endpoint  | 10.0.0.1        | '10.0.0.1' is not address:port, like 10.0.0.20:5004 or [2001:db8::20]:5004
            endpoint  | 10.0.0.1:0      | port 0 of '10.0.0.1:0' is out of range 1..65535
            endpoint  | 10.0.0.1:123456789 | port 123456789 of '10.0.0.1:123456789' is out of range 1..65535
            endpoint  | 1.2.3.999:80    | '1.2.3.999' is not an IPv4 address (octet 999 > 255) in '1.2.3.999:80'
            ip        | 2001:db8::g     | '2001:db8::g' is not an IPv6 address, like 2001:db8::1
            ip        | 2001:db8::1::2  | '2001:db8::1::2' is not an IPv6 address, like 2001:db8::1
            ip        | ::              | '::' is the unspecified address (::), not a host's address
            ip        | 0:0:0:0:0:0:0:1 | '0:0:0:0:0:0:0:1' (::1) is loopback (::1), never on a network interface, not a host's address
            ip        | FF02::1         | 'FF02::1' (ff02::1) is multicast (ff00::/8), not a host's address
            ip        | ::ffff:10.0.0.1 | '::ffff:10.0.0.1' is an IPv4-mapped IPv6 address: write the IPv4 address 10.0.0.1 (a flow is one family end to end)
            ip        | fe80::1%eth0    | 'fe80::1%eth0' has a zone ('%...'); flows use addresses valid on any link, without a zone
            ip        | 2001:db8::/64   | '2001:db8::/64' has a prefix length; write one host's address, like 2001:db8::1
            ip        | [2001:db8::1]   | '[2001:db8::1]' is in brackets; an address alone is written without them, like 2001:db8::1
            ip        | 10.0.0.300      | '10.0.0.300' is not an IPv4 address (octet 300 > 255)
            endpoint  | 2001:db8::1:5004 | '2001:db8::1:5004' has no brackets around its IPv6 address: write it as [2001:db8::1]:5004, so that the port is not read as a group
            endpoint  | [2001:db8::1]5004 | '[2001:db8::1]5004' is not [address]:port, like [2001:db8::20]:5004
            endpoint  | [2001:db8::1]:   | '[2001:db8::1]:' is not [address]:port, like [2001:db8::20]:5004
            endpoint  | [10.0.0.1]:5004 | '[10.0.0.1]:5004' has an IPv4 address in brackets; write it without them, like 10.0.0.20:5004
            endpoint  | [fe80::1]:5004  | 'fe80::1' is link-local (fe80::/10): it names a host on one link only, and needs a zone; use a global or unique local address, not a host's address in '[fe80::1]:5004'
            endpoint  | [2001:db8::1]:65536 | port 65536 of '[2001:db8::1]:65536' is out of range 1..65535
            portRange | 100-99          | '100-99' is empty: its first port is above its last
            portRange | 0-99            | '0-99' is out of range 1..65535
            portRange | 65000-65536     | '65000-65536' is out of range 1..65535
            portRange | 5000            | '5000' is not a port range first-last, like 50000-59999
            duration  | 999ms           | '999ms' is out of range 1s..24h
            duration  | 1441m           | '1441m' is out of range 1s..24h
            duration  | 1d              | '1d' is not a duration like 60s, 5m or 1h
            pageSize  | 4Mi             | '4Mi' is not a huge page size; use 2Mi or 1Gi
            pageSize  | 2M              | '2M' is not a size like 2Mi or 1Gi
            rssKey    | 6d:5a           | '6d:5a' has 2 bytes; an RSS key has 40 or 52
            rssKey    | 6d5a            | '6d5a' is not 'symmetric' nor hex bytes separated by ':'
            """)
    void badValuesAreExplainedQuotingTheText(String kind, String text, String message) {
        Function<String, Values.Parsed<?>> parser = switch (kind) {
            case "ipv4" -> Values::ipv4;
            case "ip" -> Values::ip;
            case "endpoint" -> Values::endpoint;
            case "portRange" -> Values::portRange;
            case "duration" -> Values::duration;
            case "pageSize" -> Values::pageSizeKb;
            case "rssKey" -> Values::rssKey;
            default -> throw new IllegalArgumentException(kind);
        };
        assertEquals(new Values.Parsed.Bad<>(message), parser.apply(text));
    }

    @Test
    void theSymmetricKeyRepeats6d5a() {
        byte[] key = Values.symmetricRssKey();
        for (int i = 0; i < key.length; i++) {
            assertEquals(i % 2 == 0 ? 0x6d : 0x5a, key[i] & 0xff);
        }
    }

    private static <T> T ok(Values.Parsed<T> parsed) {
        return switch (parsed) {
            case Values.Parsed.Ok<T> ok -> ok.value();
            case Values.Parsed.Bad<T> bad -> throw new AssertionError(bad.message());
        };
    }
}
