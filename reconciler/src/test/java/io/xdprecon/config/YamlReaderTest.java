package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** YAML to a tree with positions: where each value is, and YAML 1.2 scalars. */
class YamlReaderTest {
    @Test
    void everyValueAndKeyHasItsPosition() {
        YamlReader.Result r = YamlReader.read("""
                a:
                  b: [1, { c: x }]
                "odd key/with ~": 2
                """);
        assertEquals(List.of(), r.problems());
        SourceMap map = r.sourceMap();
        assertEquals(new SourceMap.Position(2, 6), map.valueAt("/a/b"));
        assertEquals(new SourceMap.Position(2, 3), map.keyAt("/a/b"));
        assertEquals(new SourceMap.Position(2, 7), map.valueAt("/a/b/0"));
        assertEquals(new SourceMap.Position(2, 15), map.valueAt("/a/b/1/c"));
        assertEquals(new SourceMap.Position(3, 19), map.valueAt("/odd key~1with ~0"));
        assertEquals("a.b[1].c", map.path("/a/b/1/c"));
        assertEquals("[\"odd key/with ~\"]", map.path("/odd key~1with ~0"));
        // a value that is not there is placed at its nearest ancestor
        assertEquals(new SourceMap.Position(2, 10), map.valueAt("/a/b/1/missing"));
    }

    @Test
    void plainScalarsResolveByYaml12NotYaml11() {
        JsonNode root = YamlReader.read("""
                yes: yes
                on: off
                sexagesimal: 1:30
                octal: 0o17
                hex: 0x10
                int: 65535
                big: 99999999999
                float: 1.5
                bool: true
                empty:
                tilde: ~
                quoted: "80"
                address: 10.0.0.1:80
                """).root().orElseThrow();
        assertEquals("yes", root.get("yes").textValue());
        assertEquals("off", root.get("on").textValue());
        assertEquals("1:30", root.get("sexagesimal").textValue());
        assertEquals(15, root.get("octal").intValue());
        assertEquals(16, root.get("hex").intValue());
        assertEquals(65535, root.get("int").intValue());
        assertEquals(99999999999L, root.get("big").longValue());
        assertEquals(1.5, root.get("float").doubleValue());
        assertTrue(root.get("bool").booleanValue());
        assertTrue(root.get("empty").isNull());
        assertTrue(root.get("tilde").isNull());
        assertEquals("80", root.get("quoted").textValue());
        assertEquals("10.0.0.1:80", root.get("address").textValue());
    }

    @Test
    void anAliasIsExpandedWithinBounds() {
        YamlReader.Result r = YamlReader.read("""
                base: &b { x: 1 }
                copy: *b
                """);
        assertEquals(List.of(), r.problems());
        assertEquals(1, r.root().orElseThrow().at("/copy/x").intValue());
    }
}
