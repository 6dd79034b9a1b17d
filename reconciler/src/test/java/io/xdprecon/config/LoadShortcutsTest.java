package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shortcuts a large config takes must say exactly what the general way says: the scalar pre-check versus
 * the YAML 1.2 core schema patterns, the fast address parsing versus the general one (the flow fast path
 * versus the schema: {@link FlowShapeTest}).
 */
class LoadShortcutsTest {
    @ParameterizedTest
    @ValueSource(strings = {"f0", "10.0.0.1", "10.0.0.1:80", "1.5", "1.", ".5", "1e3", "0x1F", "0o17", "-3", "+3", "007",
            "true", "False", "TRUE", "tRue", "null", "~", "Null", "nUll", ".inf", "-.Inf", ".nan", ".NaN", "<<", "abc1",
            "1.2.3", "1..2", "..", ".", "+", "e3", "1e", "0x", "x1", "yes", "on", "1_000", "12:30", "b1", "cafe", "1a"})
    void scalarPrecheckResolvesAsThePatterns(String scalar) {
        JsonNode value = YamlReader.read("v: " + scalar + "\n").root().orElseThrow().get("v");
        String core = scalar.matches("(?:true|True|TRUE|false|False|FALSE)") ? "BOOLEAN"
                : scalar.matches("(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)") ? "NUMBER"
                : scalar.matches("(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))")
                        ? "NUMBER"
                : scalar.matches("(?:~|null|Null|NULL)") ? "NULL"
                : scalar.equals("<<") ? "MERGE" : "STRING";
        if (!core.equals("MERGE")) {
            assertEquals(core, value.getNodeType().name(), scalar);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4",
            "10.0.0.0", "1.0.0.255", "127.0.0.1", "224.0.0.1", "223.255.255.255", "240.0.0.1", "10.00.0.1", "10.0.0.010",
            "1234.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "", ".1.2.3"})
    void fastAddressesAgreeWithTheGeneralParse(String text) {
        Values.Parsed<Integer> parsed = Values.ipv4(text);
        String[] parts = text.split("\\.", -1);
        boolean ok = parts.length == 4;
        long address = 0;
        for (String part : parts) {
            ok &= part.matches("0|[1-9][0-9]{0,2}") && Integer.parseInt(part) <= 255; // no leading zero
            address = ok ? address << 8 | Integer.parseInt(part) : 0;
        }
        long first = address >>> 24;
        ok &= first != 0 && first != 127 && first < 224; // a host's unicast address
        assertEquals(ok, parsed instanceof Values.Parsed.Ok<Integer>, text);
        if (ok) {
            assertEquals((int) address, ((Values.Parsed.Ok<Integer>) parsed).value());
        }
        for (String port : List.of("1", "80", "65535", "65536", "0", "", "123456", "8a", "00080")) {
            String endpoint = text + ":" + port;
            Values.Parsed<Endpoint> e = Values.endpoint(endpoint);
            boolean eOk = ok && port.matches("[0-9]+") && Long.parseLong(port) >= 1 && Long.parseLong(port) <= 65535;
            assertEquals(eOk, e instanceof Values.Parsed.Ok<Endpoint>, endpoint);
            if (eOk) {
                assertEquals(new Endpoint((int) address, Integer.parseInt(port)), ((Values.Parsed.Ok<Endpoint>) e).value());
            }
        }
    }
}
