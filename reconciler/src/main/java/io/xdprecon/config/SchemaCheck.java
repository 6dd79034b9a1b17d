package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates a config tree against {@code schema/flows.schema.json} (JSON Schema draft-07, the newest draft
 * yaml-language-server fully supports, so editors and this check agree) and words each violation as a
 * person would: the offending value quoted, the allowed range or values named. The validator library
 * (networknt) finds the violations; its own messages are generic, so they are rewritten here from the
 * keyword, the instance value and the schema node.
 */
final class SchemaCheck {
    /** Where the build puts {@code schema/flows.schema.json} (see reconciler/pom.xml). */
    static final String RESOURCE = "/io/xdprecon/config/flows.schema.json";

    private static final JsonNode SCHEMA_NODE = readSchema();
    private static final Schema SCHEMA =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(SCHEMA_NODE);

    /** The flow definition as a {@link Shape}; null if it uses a keyword {@link Shape} does not know. */
    private static final Shape FLOW = Shape.of(SCHEMA_NODE.path("properties").path("flows").path("items"));

    private SchemaCheck() {}

    /**
     * A subschema that uses only type, pattern, minimum, maximum, required, properties and
     * {@code additionalProperties: false} (plus local {@code $ref}s and annotations), as a predicate that is
     * true only for values the schema certainly accepts. Conservative where validators may differ: a string
     * with a character outside printable ASCII, an integer beyond a long or a number written as a float is
     * never vouched for.
     */
    private interface Shape {
        Set<String> ANNOTATIONS = Set.of("description", "title", "examples", "patternErrorMessage",
                "markdownDescription", "$comment", "default");

        boolean accepts(JsonNode value);

        static Shape of(JsonNode schema) {
            return of(schema, 0);
        }

        private static Shape of(JsonNode schema, int depth) {
            if (!schema.isObject() || depth > 16) {
                return null;
            }
            List<String> keywords = new ArrayList<>();
            schema.fieldNames().forEachRemaining(k -> {
                if (!ANNOTATIONS.contains(k)) {
                    keywords.add(k);
                }
            });
            if (keywords.contains("$ref")) {
                String ref = schema.get("$ref").asText();
                return keywords.size() == 1 && ref.startsWith("#/definitions/")
                        ? of(SCHEMA_NODE.at(ref.substring(1)), depth + 1) : null;
            }
            JsonNode type = schema.get("type");
            if (type == null || !type.isTextual()) {
                return null;
            }
            return switch (type.asText()) {
                case "string" -> {
                    if (!Set.of("type", "pattern").containsAll(keywords)) {
                        yield null;
                    }
                    java.util.regex.Pattern pattern = schema.has("pattern")
                            ? java.util.regex.Pattern.compile(schema.get("pattern").asText()) : null;
                    yield value -> value.isTextual() && printableAscii(value.textValue())
                            && (pattern == null || pattern.matcher(value.textValue()).find());
                }
                case "integer" -> {
                    if (!Set.of("type", "minimum", "maximum").containsAll(keywords)
                            || schema.has("minimum") && !schema.get("minimum").canConvertToExactIntegral()
                            || schema.has("maximum") && !schema.get("maximum").canConvertToExactIntegral()) {
                        yield null;
                    }
                    long min = schema.has("minimum") ? schema.get("minimum").asLong() : Long.MIN_VALUE;
                    long max = schema.has("maximum") ? schema.get("maximum").asLong() : Long.MAX_VALUE;
                    yield value -> (value.isInt() || value.isLong()) && value.longValue() >= min && value.longValue() <= max;
                }
                case "object" -> {
                    JsonNode additional = schema.get("additionalProperties");
                    if (!Set.of("type", "properties", "required", "additionalProperties").containsAll(keywords)
                            || additional == null || !additional.isBoolean() || additional.booleanValue()) {
                        yield null;
                    }
                    Map<String, Shape> properties = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
                        Shape shape = of(property.getValue(), depth + 1);
                        if (shape == null) {
                            yield null;
                        }
                        properties.put(property.getKey(), shape);
                    }
                    List<String> required = new ArrayList<>();
                    for (JsonNode name : schema.path("required")) {
                        if (!name.isTextual()) {
                            yield null;
                        }
                        required.add(name.textValue());
                    }
                    yield value -> {
                        if (!value.isObject()) {
                            return false;
                        }
                        for (String name : required) {
                            if (!value.has(name)) {
                                return false;
                            }
                        }
                        for (Map.Entry<String, JsonNode> field : value.properties()) {
                            Shape shape = properties.get(field.getKey());
                            if (shape == null || !shape.accepts(field.getValue())) {
                                return false;
                            }
                        }
                        return true;
                    };
                }
                default -> null;
            };
        }

        private static boolean printableAscii(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The schema as JSON, e.g. for tests that check every property is described. */
    static JsonNode schemaNode() {
        return SCHEMA_NODE.deepCopy();
    }

    /**
     * What the schema found.
     *
     * @param rejected  pointers of values that are themselves wrong (type, range, pattern, enum): later checks
     *                  say nothing more about them or what they contain
     */
    record Result(List<Problem> problems, Set<String> rejected) {}

    static Result check(JsonNode document) {
        return check(document, SCHEMA.validate(withoutValidFlows(document)));
    }

    /** As {@link #check}, every flow through the general validator: what the shortcut must agree with. */
    static Result checkWhole(JsonNode document) {
        return check(document, SCHEMA.validate(document));
    }

    /**
     * The document with its {@code flows} emptied when every flow is certainly valid, else the document.
     * Validating a full rules map of flows one by one through the general validator is most of the time a
     * large config takes; {@link #FLOW} decides the common case, a flow the schema accepts, at a fraction of
     * that, and nothing at the root depends on the flows' contents. Any flow it cannot vouch for sends the
     * whole document through the validator, so every message comes from the one validator as before.
     */
    static JsonNode withoutValidFlows(JsonNode document) {
        JsonNode flows = document.get("flows");
        if (FLOW == null || !(document instanceof ObjectNode object) || flows == null || !flows.isArray() || flows.isEmpty()) {
            return document;
        }
        for (JsonNode flow : flows) {
            if (!FLOW.accepts(flow)) {
                return document;
            }
        }
        ObjectNode copy = object.objectNode();
        object.properties().forEach(e -> copy.set(e.getKey(), e.getKey().equals("flows") ? copy.arrayNode() : e.getValue()));
        return copy;
    }

    private static Result check(JsonNode document, List<Error> errors) {
        Set<String> rejected = new HashSet<>();
        Set<Problem> problems = new LinkedHashSet<>(); // if/then/else and $ref can report one violation twice
        Map<String, List<String>> missing = new LinkedHashMap<>(); // one message per mapping, not per property
        for (Error error : errors) {
            if (error.getKeyword() == null || error.getKeyword().equals("if")) {
                continue; // "if" itself never fails: only the then/else branch does, reported on its own
            }
            if (error.getKeyword().equals("required")) {
                missing.computeIfAbsent(pointer(error.getInstanceLocation()), p -> new ArrayList<>()).add(error.getProperty());
                continue;
            }
            Problem problem = problem(error);
            problems.add(problem);
            if (problem instanceof Problem.AtValue || error.getKeyword().equals("propertyNames")) {
                rejected.add(problem.pointerOrNull());
            }
        }
        missing.forEach((pointer, properties) -> problems.add(new Problem.AtValue(pointer, properties.size() == 1
                ? "'" + properties.getFirst() + "' is required"
                : properties.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ")) + " are required")));
        return new Result(new ArrayList<>(problems), rejected);
    }

    private static Problem problem(Error error) {
        String pointer = pointer(error.getInstanceLocation());
        JsonNode value = error.getInstanceNode();
        JsonNode schema = schemaAt(error);
        String keyword = error.getKeyword();
        return switch (keyword) {
            case "additionalProperties" -> {
                String property = error.getProperty();
                yield new Problem.AtKey(Pointer.child(pointer, property),
                        "unknown property '" + property + "'" + suggestion(property, schema) + known(schema));
            }
            case "propertyNames" -> {
                String name = error.getProperty() != null ? error.getProperty() : String.valueOf(error.getArguments()[0]);
                yield new Problem.AtKey(Pointer.child(pointer, name), "'" + name + "' "
                        + patternMessage(deref(schema.path("propertyNames"))));
            }
            case "type" -> new Problem.AtValue(pointer, (value == null || value.isNull() ? "has no value"
                    : value.isContainerNode() ? "is " + typeOf(value) : quote(value) + " is " + typeOf(value))
                    + ", expected " + expectedType(schema.path("type")));
            case "enum" -> new Problem.AtValue(pointer, pointer.equals("/apiVersion")
                    ? quote(value) + " is not a supported apiVersion (supported: " + list(schema.path("enum")) + ")"
                    : quote(value) + " is not one of: " + list(schema.path("enum")));
            case "const" -> new Problem.AtValue(pointer, quote(value) + " must be " + schema.path("const"));
            case "pattern" -> new Problem.AtValue(pointer, quote(value) + " " + patternMessage(schema));
            case "minimum", "maximum" -> new Problem.AtValue(pointer, range(value, schema));
            case "minItems" -> new Problem.AtValue(pointer, "needs at least " + schema.path("minItems").asInt()
                    + (schema.path("minItems").asInt() == 1 ? " item" : " items"));
            case "minProperties" -> new Problem.AtValue(pointer, "needs at least " + schema.path("minProperties").asInt()
                    + " entr" + (schema.path("minProperties").asInt() == 1 ? "y" : "ies"));
            default -> new Problem.AtValue(pointer, error.getMessage().replaceFirst("^\\$[^:]*: ", ""));
        };
    }

    /** The schema object that holds the violated keyword, e.g. the {@code port} definition for a maximum. */
    private static JsonNode schemaAt(Error error) {
        JsonNode node = SCHEMA_NODE;
        NodePath fragment = error.getSchemaLocation().getFragment();
        for (int i = 0; i < fragment.getNameCount() - 1; i++) { // the last name is the keyword itself
            Object element = fragment.getElement(i);
            node = element instanceof Integer index ? node.path(index) : node.path(String.valueOf(element));
        }
        return node;
    }

    static String pointer(NodePath path) {
        String pointer = Pointer.ROOT;
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            pointer = element instanceof Integer index ? Pointer.child(pointer, index) : Pointer.child(pointer, String.valueOf(element));
        }
        return pointer;
    }

    private static String range(JsonNode value, JsonNode schema) {
        boolean min = schema.has("minimum");
        boolean max = schema.has("maximum");
        if (min && max) {
            return quote(value) + " is out of range " + schema.get("minimum").asText() + ".." + schema.get("maximum").asText();
        }
        return min ? quote(value) + " is below the minimum " + schema.get("minimum").asText()
                : quote(value) + " is above the maximum " + schema.get("maximum").asText();
    }

    private static String patternMessage(JsonNode schema) {
        JsonNode message = schema.get("patternErrorMessage");
        return message != null ? message.asText() : "does not match " + schema.path("pattern").asText();
    }

    /** A close known property, for the typo case: 'sever' → did you mean 'server'? */
    private static String suggestion(String property, JsonNode schema) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Iterator<String> names = schema.path("properties").fieldNames(); names.hasNext(); ) {
            String name = names.next();
            int distance = distance(property.toLowerCase(), name.toLowerCase());
            if (distance < bestDistance) {
                best = name;
                bestDistance = distance;
            }
        }
        return best != null && bestDistance <= Math.max(1, property.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    private static String known(JsonNode schema) {
        List<String> names = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return names.isEmpty() ? "" : "; expected one of: " + String.join(", ", names);
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String list(JsonNode values) {
        List<String> texts = new ArrayList<>();
        values.forEach(v -> texts.add(v.asText()));
        return String.join(", ", texts);
    }

    private static String expectedType(JsonNode type) {
        if (type.isArray()) {
            List<String> names = new ArrayList<>();
            type.forEach(t -> names.add(article(t.asText())));
            return String.join(" or ", names);
        }
        return article(type.asText());
    }

    private static String article(String type) {
        return switch (type) {
            case "object" -> "a mapping";
            case "array" -> "a list";
            case "integer" -> "an integer";
            case "number" -> "a number";
            case "boolean" -> "true or false";
            case "null" -> "null";
            default -> "a " + type;
        };
    }

    static String typeOf(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "missing";
        }
        return switch (value.getNodeType()) {
            case OBJECT -> "a mapping";
            case ARRAY -> "a list";
            case STRING -> "a string";
            case NUMBER -> value.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "empty";
            default -> value.getNodeType().name().toLowerCase();
        };
    }

    /** A value as the message shows it: strings quoted, numbers bare, collections by kind. */
    static String quote(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "the empty value";
        } else if (value.isTextual()) {
            return "'" + value.asText() + "'";
        } else if (value.isObject()) {
            return "the mapping {" + value.properties().stream().map(e -> e.getKey()).limit(4)
                    .collect(Collectors.joining(", ")) + (value.size() > 4 ? ", ..." : "") + "}";
        } else if (value.isArray()) {
            return "a list of " + value.size();
        }
        return value.toString();
    }

    private static JsonNode readSchema() {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("config schema " + RESOURCE + " is not on the classpath: rebuild");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the config schema " + RESOURCE, e);
        }
    }

    /** Follows a local {@code $ref} ("#/definitions/x") to the schema it names. */
    private static JsonNode deref(JsonNode schema) {
        JsonNode ref = schema.get("$ref");
        return ref != null && ref.asText().startsWith("#/") ? SCHEMA_NODE.at(ref.asText().substring(1)) : schema;
    }
}
