package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shortcuts a large config takes must say exactly what the general way says: the flow shape check
 * versus the schema validator, the scalar pre-check versus the YAML 1.2 core schema patterns, the fast
 * address parsing versus the general one.
 */
class LoadShortcutsTest {
    static Stream<Path> configs() throws Exception {
        Path invalid = Path.of(LoadShortcutsTest.class.getResource("/config/invalid").toURI());
        Path examples = Path.of("..", "examples");
        try (Stream<Path> a = Files.list(invalid); Stream<Path> b = Files.walk(examples)) {
            return Stream.concat(a.toList().stream(), b.filter(p -> p.toString().matches(".*\\.ya?ml")).toList().stream());
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void schemaShortcutAgreesWithTheWholeValidation(Path file) throws IOException {
        YamlReader.Result yaml = YamlReader.read(Files.readString(file));
        if (yaml.root().isEmpty()) {
            return;
        }
        JsonNode root = yaml.root().get();
        SchemaCheck.Result fast = SchemaCheck.check(root);
        SchemaCheck.Result whole = SchemaCheck.checkWhole(root);
        assertEquals(new HashSet<>(whole.problems()), new HashSet<>(fast.problems()));
        assertEquals(whole.rejected(), fast.rejected());
    }

    @Test
    void flowsAreLeftOutOnlyWhenEveryOneIsCertainlyValid() {
        String valid = "  - { name: f0, client: 10.0.0.1:1000, listen: { interface: pub, address: 10.0.0.2, port: 1 },"
                + " egress: { interface: priv, address: 10.0.0.3, port: 65535 }, server: 10.0.0.4:5004 }\n";
        JsonNode good = YamlReader.read("apiVersion: xdprecon.io/v1\nflows:\n" + valid + valid).root().orElseThrow();
        assertNotSame(good, SchemaCheck.withoutValidFlows(good));
        assertTrue(SchemaCheck.withoutValidFlows(good).get("flows").isEmpty());
        for (String bad : List.of(valid.replace("port: 1 ", "port: 0 "), valid.replace("port: 65535", "port: 65536"),
                valid.replace("f0", "-f0"), valid.replace("f0", "f\u00e9"), valid.replace("port: 1 ", "port: 1.0 "),
                valid.replace("10.0.0.1:1000", "'10.0.0.1:'"), valid.replace(" }\n", ", extra: 1 }\n"),
                valid.replace("name: f0, ", ""), valid.replace("pub,", "'pub\\n',"), valid.replace("name: f0", "name: 12"))) {
            JsonNode root = YamlReader.read("apiVersion: xdprecon.io/v1\nflows:\n" + valid + bad).root().orElseThrow();
            assertSame(root, SchemaCheck.withoutValidFlows(root), bad);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f0", "10.0.0.1", "10.0.0.1:80", "1.5", "1.", ".5", "1e3", "0x1F", "0o17", "-3", "+3", "007",
            "true", "False", "TRUE", "tRue", "null", "~", "Null", "nUll", ".inf", "-.Inf", ".nan", ".NaN", "<<", "abc1",
            "1.2.3", "1..2", "..", ".", "+", "e3", "1e", "0x", "x1", "yes", "on", "1_000", "12:30", "b1", "cafe", "1a"})
    void scalarPrecheckResolvesAsThePatterns(String scalar) {
        JsonNode value = YamlReader.read("v: " + scalar + "\n").root().orElseThrow().get("v");
        String core = scalar.matches("(?:true|True|TRUE|false|False|FALSE)") ? "BOOLEAN"
                : scalar.matches("(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)") ? "NUMBER"
                : scalar.matches("(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))")
                        ? (scalar.contains("nan") || scalar.contains("NaN") || scalar.contains("NAN") ? "STRING" : "NUMBER")
                : scalar.matches("(?:~|null|Null|NULL)") ? "NULL"
                : scalar.equals("<<") ? "MERGE" : "STRING";
        if (!core.equals("MERGE")) {
            assertEquals(core, value.getNodeType().name(), scalar);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4",
            "1234.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "", ".1.2.3"})
    void fastAddressesAgreeWithTheGeneralParse(String text) {
        Values.Parsed<Integer> parsed = Values.ipv4(text);
        String[] parts = text.split("\\.", -1);
        boolean ok = parts.length == 4;
        long address = 0;
        for (String part : parts) {
            ok &= part.matches("[0-9]{1,3}") && Integer.parseInt(part) <= 255;
            address = ok ? address << 8 | Integer.parseInt(part) : 0;
        }
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
