package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
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
    /** Draft-07 plus our one annotation, so the validator does not warn of an unknown keyword on every load. */
    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(Dialect.builder(Dialects.getDraft7())
            .keyword(new AnnotationKeyword("patternErrorMessage")).build()).getSchema(SCHEMA_NODE);

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
        return check(document, SCHEMA.validate(document), pointer -> pointer);
    }

    /**
     * As {@link #check}, for one file of a config split over several: the file need not state apiVersion or
     * declare interfaces, which are looked for across the files.
     */
    static Result checkPart(JsonNode document) {
        if (FlowsOnly.DOCUMENT.equals(document)) {
            return FlowsOnly.RESULT;
        }
        return checkAnyPart(document);
    }

    /**
     * A file of flows and nothing else, its flows streamed (its document holds an empty list in their place): the
     * schema says the same of every such file, found once. A directory of 256 of them ran the validator 256 times,
     * much of it interpreted at a cold start (issue 9).
     */
    private static final class FlowsOnly {
        static final JsonNode DOCUMENT = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .set("flows", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode());
        static final Result RESULT = immutable(checkAnyPart(DOCUMENT));

        private static Result immutable(Result result) {
            return new Result(List.copyOf(result.problems()), Set.copyOf(result.rejected()));
        }
    }

    private static Result checkAnyPart(JsonNode document) {
        Result whole = check(document);
        List<Problem> problems = new ArrayList<>(whole.problems());
        problems.removeIf(p -> p instanceof Problem.AtValue v && v.pointer().equals(Pointer.ROOT)
                && PART_REQUIRED.contains(v.message()));
        return new Result(problems, whole.rejected());
    }

    private static final Set<String> PART_REQUIRED = Set.of("'apiVersion' is required", "'interfaces' is required",
            "'apiVersion', 'interfaces' are required");

    /**
     * Item {@code index} of a config's {@code flows}, checked as it would be in the whole document: through the
     * root schema, in a document of that one item, its problems placed at {@code /flows/index}.
     */
    static Result checkFlow(JsonNode item, int index) {
        com.fasterxml.jackson.databind.node.ObjectNode alone = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        alone.putArray("flows").add(item);
        String at = "/flows/0";
        String to = "/flows/" + index;
        List<Error> errors = new ArrayList<>();
        for (Error error : SCHEMA.validate(alone)) {
            if (Pointer.covers(at, pointer(error.getInstanceLocation()))) {
                errors.add(error);
            }
        }
        return check(alone, errors, pointer -> to + pointer.substring(at.length()));
    }

    private static Result check(JsonNode document, List<Error> errors, java.util.function.UnaryOperator<String> place) {
        Set<String> rejected = new HashSet<>();
        Set<Problem> problems = new LinkedHashSet<>(); // if/then/else and $ref can report one violation twice
        Map<String, List<String>> missing = new LinkedHashMap<>(); // one message per mapping, not per property
        for (Error error : errors) {
            if (error.getKeyword() == null || error.getKeyword().equals("if")) {
                continue; // "if" itself never fails: only the then/else branch does, reported on its own
            }
            if (error.getKeyword().equals("required")) {
                missing.computeIfAbsent(place.apply(pointer(error.getInstanceLocation())), p -> new ArrayList<>())
                        .add(error.getProperty());
                continue;
            }
            Problem problem = problem(document, error, place);
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

    private static Problem problem(JsonNode document, Error error, java.util.function.UnaryOperator<String> place) {
        String local = pointer(error.getInstanceLocation());
        String pointer = place.apply(local);
        // The validator reports some numbers as it compared them (an enum: as BigDecimal): show one as written.
        JsonNode written = error.getInstanceNode() != null && error.getInstanceNode().isNumber() ? document.at(local) : null;
        JsonNode value = written instanceof YamlReader.NotFinite ? written : error.getInstanceNode();
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
