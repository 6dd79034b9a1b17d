package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code schema/flows.schema.json} is what editors show: every field explained, nothing unknown allowed. */
class SchemaTest {
    static final Path SCHEMA = Path.of("..", "schema", "flows.schema.json");
    private final JsonNode schema = SchemaCheck.schemaNode();

    @Test
    void theLoaderUsesTheRepositorysSchema() throws Exception {
        assertEquals(new ObjectMapper().readTree(SCHEMA.toFile()), schema, "rebuild: the classpath copy is stale");
        assertEquals("http://json-schema.org/draft-07/schema#", schema.path("$schema").asText());
    }

    @Test
    void everyPropertyHasADescription() {
        List<String> undescribed = new ArrayList<>();
        walk(schema, "#", (node, path) -> node.path("properties").properties().forEach(p -> {
            if (!describes(p.getValue())) {
                undescribed.add(path + "/properties/" + p.getKey());
            }
        }));
        assertEquals(List.of(), undescribed);
    }

    @Test
    void everyMappingRejectsUnknownProperties() {
        List<String> open = new ArrayList<>();
        walk(schema, "#", (node, path) -> {
            if (node.has("properties") && !node.path("additionalProperties").isBoolean()) {
                open.add(path);
            }
        });
        assertEquals(List.of(), open);
    }

    @Test
    void everyPatternSaysInWordsWhatItWants() {
        List<String> silent = new ArrayList<>();
        walk(schema, "#", (node, path) -> {
            if (node.has("pattern") && !node.has("patternErrorMessage")) {
                silent.add(path);
            }
        });
        assertEquals(List.of(), silent);
    }

    private boolean describes(JsonNode property) {
        if (property.has("description")) {
            return true;
        }
        JsonNode ref = property.get("$ref");
        return ref != null && schema.at(ref.asText().substring(1)).has("description");
    }

    private interface Visitor {
        void visit(JsonNode node, String path);
    }

    private static void walk(JsonNode node, String path, Visitor visitor) {
        if (node.isObject()) {
            visitor.visit(node, path);
            node.properties().forEach(e -> walk(e.getValue(), path + "/" + e.getKey(), visitor));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "/" + i, visitor);
            }
        }
    }
}
