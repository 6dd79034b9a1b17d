package io.xdprecon.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.TuningSetting;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The plan as a JSON document: what {@code xdprecon plan --json} prints and {@code --out FILE} saves.
 * {@link #read} of {@link #write} gives back an equal {@link Plan}, fingerprint included. The full
 * reference, with an example, is {@code docs/plan-json.md}.
 *
 * <table>
 *   <caption>Top-level fields of {@code xdprecon-plan/v1}</caption>
 *   <tr><th>field</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>format</td><td>string</td><td>always {@value #FORMAT}; a reader refuses any other value</td></tr>
 *   <tr><td>node, source</td><td>string</td><td>the node planned for; where the config came from</td></tr>
 *   <tr><td>mode</td><td>"xdp" | "dpdk"</td><td>datapath mode</td></tr>
 *   <tr><td>datapathAbsent</td><td>boolean</td><td>no live maps: the full create plan</td></tr>
 *   <tr><td>interfaces</td><td>object name → ifindex</td><td>the config's interfaces</td></tr>
 *   <tr><td>summary</td><td>{add, change, destroy, line}</td><td>derived: ignored on read</td></tr>
 *   <tr><td>disruptive</td><td>boolean</td><td>derived: some tuning change needs --allow-disruptive</td></tr>
 *   <tr><td>datapath</td><td>array of {action: "load", kind, maxRules} | {action: "migrate", kind: "change",
 *       fromLayout, toLayout, fromCapacity, toCapacity, rules} | {action: "attach", kind, iface, ifindex, mode,
 *       replacesProgramId}</td><td>XDP-mode bring-up; a migration onto new maps (older layout, resize)</td></tr>
 *   <tr><td>localIps</td><td>array of {kind: "add" | "delete", ip}</td><td>dotted quads</td></tr>
 *   <tr><td>flows</td><td>array of {kind, flow (string | null), rules: [{kind, key, before, after}]}</td>
 *       <td>keys {ifindex, srcIp, srcPort, dstIp, dstPort}; rules {rewrite: key, owner: "config" |
 *       "session" | "unknown", ownerCode (unknown only: the code the map holds)} or null</td></tr>
 *   <tr><td>tuning</td><td>array of {kind: "change", id, before (setting | null), after, disruptive}</td>
 *       <td>settings {type: "hugepages", pageSizeKb, numaNode (int | null), count} | {type: "queues",
 *       iface, queues} | {type: "rss-key", iface, key: "6d:5a:..."}, plus a derived {@code value}</td></tr>
 *   <tr><td>massDelete</td><td>{desiredEmpty, liveConfigRules, deletedRules, refused, refusal}</td>
 *       <td>the guard; refused and refusal are derived</td></tr>
 *   <tr><td>warnings, errors</td><td>array of string</td><td>as printed</td></tr>
 *   <tr><td>fingerprint</td><td>string</td><td>SHA-256 hex of the live facts the plan depends on</td></tr>
 *   <tr><td>origin</td><td>{host, offline} or absent</td><td>plan files only: where {@code plan --out} ran, and
 *       whether {@code --offline}</td></tr>
 * </table>
 *
 * <p>Kinds are {@code "add"}, {@code "change"}, {@code "delete"}, {@code "replace"}. Readers ignore
 * fields they do not know, so a later v1 may add fields; removing or changing one needs a new version.
 */
public final class PlanJson {
    /** The format tag of the document this class reads and writes. */
    public static final String FORMAT = "xdprecon-plan/v1";

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** A value inside the document, as a tree: the parser goes on after it (the document's end is checked once). */
    private static final ObjectReader VALUES = MAPPER.reader();

    private PlanJson() {}

    /** The document, pretty-printed with two-space indents and a final newline. */
    public static String write(Plan plan) {
        return write(plan, (PlanOrigin) null);
    }

    /** The document with where the plan was made, as a plan file holds it. */
    public static String write(Plan plan, PlanOrigin origin) {
        StringWriter text = new StringWriter();
        try {
            write(plan, origin, text);
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return text.toString();
    }

    /**
     * {@link #write(Plan, PlanOrigin)} to {@code out} (not closed), each value as it is made: the document of 262,144
     * flows (some 250 MB) held as a tree of nodes, or as one String, ran out of the unit's 144 MB heap.
     */
    public static void write(Plan plan, PlanOrigin origin, Writer out) throws IOException {
        try (JsonGenerator json = MAPPER.writer(prettyPrinter()).createGenerator(out)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            write(plan, origin, json);
        }
        out.write('\n');
        out.flush();
    }

    /**
     * The document as one JSON object into {@code json}, formatted by its pretty printer: what {@code apply --json}
     * nests in its own document.
     */
    public static void write(Plan plan, PlanOrigin origin, JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("format", FORMAT);
        json.writeStringField("node", plan.node());
        json.writeStringField("source", plan.source());
        json.writeStringField("mode", lower(plan.mode()));
        json.writeBooleanField("datapathAbsent", plan.datapathAbsent());
        json.writeObjectFieldStart("interfaces");
        for (Map.Entry<String, Integer> device : new TreeMap<>(plan.interfaces()).entrySet()) {
            json.writeNumberField(device.getKey(), device.getValue());
        }
        json.writeEndObject();
        Plan.Summary summary = plan.summary();
        json.writeObjectFieldStart("summary");
        json.writeNumberField("add", summary.add());
        json.writeNumberField("change", summary.change());
        json.writeNumberField("destroy", summary.destroy());
        json.writeStringField("line", summary.line());
        json.writeEndObject();
        json.writeBooleanField("disruptive", plan.disruptive());
        json.writeArrayFieldStart("datapath");
        for (DatapathChange change : plan.datapath()) {
            writeDatapath(json, change);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("localIps");
        for (LocalIpChange change : plan.localIps()) {
            writeLocalIp(json, change.kind(), Ipv4.format(change.ip()));
        }
        for (LocalIp6Change change : plan.localIps6()) {
            writeLocalIp(json, change.kind(), change.ip().toString());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("flows");
        InterfaceNames names = new InterfaceNames(plan.interfaces());
        for (FlowChange flow : plan.flows()) { // a packed plan makes each flow as it is read
            json.writeStartObject();
            json.writeStringField("kind", lower(flow.kind()));
            json.writeStringField("flow", flow.flow().orElse(null));
            json.writeArrayFieldStart("rules");
            for (RuleChange rule : flow.rules()) {
                json.writeStartObject();
                json.writeStringField("kind", lower(rule.kind()));
                json.writeFieldName("key");
                writeKey(json, rule.key(), names);
                json.writeFieldName("before");
                writeRule(json, rule.before(), names);
                json.writeFieldName("after");
                writeRule(json, rule.after(), names);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        // IPv6 flows in the same array, after the IPv4 ones: their addresses (RFC 5952) say the family.
        for (Flow6Change flow : plan.flows6()) {
            json.writeStartObject();
            json.writeStringField("kind", lower(flow.kind()));
            json.writeStringField("flow", flow.flow().orElse(null));
            json.writeArrayFieldStart("rules");
            for (Rule6Change rule : flow.rules()) {
                json.writeStartObject();
                json.writeStringField("kind", lower(rule.kind()));
                json.writeFieldName("key");
                writeKey6(json, rule.key(), names);
                json.writeFieldName("before");
                writeRule6(json, rule.before(), names);
                json.writeFieldName("after");
                writeRule6(json, rule.after(), names);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("tuning");
        for (TuningChange change : plan.tuning()) {
            json.writeStartObject();
            json.writeStringField("kind", lower(change.kind()));
            json.writeStringField("id", change.id());
            json.writeFieldName("before");
            if (change.before().isPresent()) {
                writeSetting(json, change.before().get());
            } else {
                json.writeNull();
            }
            json.writeFieldName("after");
            writeSetting(json, change.after());
            json.writeBooleanField("disruptive", change.disruptive());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeObjectFieldStart("massDelete");
        json.writeBooleanField("desiredEmpty", plan.guard().desiredEmpty());
        json.writeNumberField("liveConfigRules", plan.guard().liveConfigRules());
        json.writeNumberField("deletedRules", plan.guard().deletedRules());
        json.writeBooleanField("refused", plan.guard().trips());
        json.writeStringField("refusal", plan.guard().refusal().orElse(null));
        json.writeEndObject();
        writeStrings(json, "warnings", plan.warnings());
        writeStrings(json, "errors", plan.errors());
        json.writeStringField("fingerprint", plan.fingerprint().sha256());
        if (origin != null) {
            json.writeObjectFieldStart("origin");
            json.writeStringField("host", origin.host());
            json.writeBooleanField("offline", origin.offline());
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    /** Parses a document written by {@link #write}; throws {@link PlanFormatException} naming the field. */
    public static Plan read(String json) {
        try {
            return read(new StringReader(json)).plan();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringReader does not fail", e);
        }
    }

    /**
     * Parses a document written by {@link #write} as it is read, with where it was made (empty in a document without
     * {@code "origin"}, written before it existed). Its IPv4 flows are kept packed ({@link SavedFlows}): the saved
     * plan of 262,144 flows (some 250 MB of text) read as a String and a tree of nodes ran out of the unit's heap.
     * Throws {@link PlanFormatException} naming the field, as a read of the whole document would: syntax first, then
     * the format tag, then the fields; {@link IOException} only when {@code input} fails.
     */
    public static PlanFile.Saved read(Reader input) throws IOException {
        try (JsonParser parser = MAPPER.createParser(input)) {
            return read(parser);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new PlanFormatException(PlanFormatException.Problem.NOT_JSON,
                    "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
    }

    private static PlanFile.Saved read(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw new PlanFormatException(PlanFormatException.Problem.NOT_JSON, "not valid JSON: the document is empty");
        }
        // Every top-level field but the flows as a tree (they are small); the flows converted one at a time.
        ObjectNode top = JsonNodeFactory.instance.objectNode();
        StreamedFlows flows = null;
        if (first == JsonToken.START_OBJECT) {
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                if (parser.nextToken() == JsonToken.START_ARRAY && name.equals("flows")) {
                    flows = StreamedFlows.read(parser);
                    top.putArray(name); // read: a stand-in for the checks that the field is an array
                } else {
                    top.set(name, value(parser));
                }
            }
        } else {
            parser.skipChildren();
        }
        JsonToken trailing = parser.nextToken();
        if (trailing != null) {
            throw new PlanFormatException(PlanFormatException.Problem.NOT_JSON, "not valid JSON at line "
                    + parser.currentLocation().getLineNr() + ", column " + parser.currentLocation().getColumnNr()
                    + ": trailing token (" + trailing + ") after the document");
        }
        if (first != JsonToken.START_OBJECT || !top.has("format")) {
            throw new PlanFormatException(PlanFormatException.Problem.NOT_A_PLAN,
                    "not an xdprecon plan: expected a JSON object with a \"format\" field");
        }
        JsonNode format = top.get("format");
        if (!format.isTextual() || !format.asText().equals(FORMAT)) {
            throw new PlanFormatException(PlanFormatException.Problem.UNKNOWN_FORMAT,
                    "unknown plan format " + format + "; this xdprecon reads \"" + FORMAT + "\"");
        }
        Field root = new Field(top, "$");
        Plan plan = read(root, flows == null ? StreamedFlows.none() : flows);
        Optional<PlanOrigin> origin = root.optional("origin")
                .map(o -> o.convert(() -> new PlanOrigin(o.get("host").text(), o.get("offline").bool())));
        return new PlanFile.Saved(plan, origin);
    }

    /** The value at the parser's current token, as a tree; the parser is left at its last token. */
    private static JsonNode value(JsonParser parser) throws IOException {
        JsonNode value = VALUES.readTree(parser);
        return value == null ? NullNode.getInstance() : value;
    }

    /**
     * The flows array as it was read: the IPv4 flows packed, the IPv6 ones as records, and the first error of each
     * family, which {@link #read(Field, StreamedFlows)} throws where a read of the whole document would have.
     */
    private record StreamedFlows(SavedFlows.Builder flows, List<Flow6Change> flows6, PlanFormatException[] errors) {
        static StreamedFlows none() {
            return new StreamedFlows(new SavedFlows.Builder(), List.of(), new PlanFormatException[2]);
        }

        /** Reads the array at the parser's START_ARRAY through its END_ARRAY, a flow's tree at a time. */
        static StreamedFlows read(JsonParser parser) throws IOException {
            StreamedFlows read = new StreamedFlows(new SavedFlows.Builder(), new ArrayList<>(), new PlanFormatException[2]);
            for (int i = 0; parser.nextToken() != JsonToken.END_ARRAY; i++) {
                if (read.errors[0] != null) {
                    parser.skipChildren(); // the flows cannot be used; the rest is only checked for syntax
                    continue;
                }
                Field flow = new Field(value(parser), "$.flows[" + i + "]");
                try {
                    if (!isIpv6Flow(flow)) {
                        read.flows.add(readFlow(flow));
                        continue;
                    }
                } catch (PlanFormatException e) {
                    read.errors[0] = e;
                    continue;
                }
                if (read.errors[1] == null) {
                    try {
                        read.flows6.add(readFlow6(flow));
                    } catch (PlanFormatException e) {
                        read.errors[1] = e;
                    }
                }
            }
            return read;
        }

        List<FlowChange> ipv4() {
            if (errors[0] != null) {
                throw errors[0];
            }
            return flows.build();
        }

        List<Flow6Change> ipv6() {
            if (errors[1] != null) {
                throw errors[1];
            }
            return flows6;
        }
    }

    /** The plan of the top-level fields {@code root}, its flows those read from the stream, checked in field order. */
    private static Plan read(Field root, StreamedFlows flows) {
        List<Field> localIpFields = root.get("localIps").list(f -> f);
        root.get("flows").list(f -> f); // an array (the stand-in of the streamed one), or the error it is not
        return new Plan(
                root.get("node").text(),
                root.get("source").text(),
                root.get("mode").enumValue(DatapathSettings.Mode.class),
                root.get("datapathAbsent").bool(),
                root.get("interfaces").intMap(),
                root.get("datapath").list(PlanJson::readDatapath),
                localIpFields.stream().filter(f -> !f.get("ip").isIpv6()).map(f -> f.convert(() -> new LocalIpChange(
                        f.get("kind").enumValue(Change.Kind.class), f.get("ip").ipv4()))).toList(),
                flows.ipv4(),
                root.get("tuning").list(PlanJson::readTuning),
                readGuard(root.get("massDelete")),
                root.get("warnings").list(Field::text),
                root.get("errors").list(Field::text),
                root.get("fingerprint").convert(f -> new Fingerprint(f.text())),
                localIpFields.stream().filter(f -> f.get("ip").isIpv6()).map(f -> f.convert(() -> new LocalIp6Change(
                        f.get("kind").enumValue(Change.Kind.class), f.get("ip").ipv6()))).toList(),
                flows.ipv6());
    }

    private static boolean isIpv6Flow(Field flow) {
        List<Field> rules = flow.get("rules").list(r -> r);
        return !rules.isEmpty() && rules.getFirst().get("key").get("srcIp").isIpv6();
    }

    // ---- writing ------------------------------------------------------------------------------------

    private static void writeDatapath(JsonGenerator json, DatapathChange change) throws IOException {
        json.writeStartObject();
        switch (change) {
            case DatapathChange.Load load -> {
                json.writeStringField("action", "load");
                json.writeStringField("kind", lower(load.kind()));
                json.writeNumberField("maxRules", load.maxRules());
            }
            case DatapathChange.Migrate migrate -> {
                json.writeStringField("action", "migrate");
                json.writeStringField("kind", lower(migrate.kind()));
                json.writeNumberField("fromLayout", migrate.fromLayout());
                json.writeNumberField("toLayout", migrate.toLayout());
                json.writeNumberField("fromCapacity", migrate.fromCapacity());
                json.writeNumberField("toCapacity", migrate.toCapacity());
                json.writeNumberField("rules", migrate.rules());
            }
            case DatapathChange.Attach attach -> {
                json.writeStringField("action", "attach");
                json.writeStringField("kind", lower(attach.kind()));
                json.writeStringField("iface", attach.iface());
                json.writeNumberField("ifindex", attach.ifindex());
                json.writeStringField("mode", lower(attach.mode()));
                json.writeFieldName("replacesProgramId");
                if (attach.replacesProgramId().isPresent()) {
                    json.writeNumber(attach.replacesProgramId().getAsInt());
                } else {
                    json.writeNull();
                }
            }
            case DatapathChange.ChangeAttachMode modeChange -> {
                json.writeStringField("action", "attachMode");
                json.writeStringField("kind", lower(modeChange.kind()));
                json.writeStringField("iface", modeChange.iface());
                json.writeNumberField("ifindex", modeChange.ifindex());
                json.writeStringField("from", lower(modeChange.from()));
                json.writeStringField("to", lower(modeChange.to()));
            }
        }
        json.writeEndObject();
    }

    private static void writeLocalIp(JsonGenerator json, Change.Kind kind, String ip) throws IOException {
        json.writeStartObject();
        json.writeStringField("kind", lower(kind));
        json.writeStringField("ip", ip);
        json.writeEndObject();
    }

    /** A key: its device's name ({@code iface}, for the reader; {@code ifN} when the config has none) and ifindex. */
    private static void writeKey(JsonGenerator json, FlowKey key, InterfaceNames names) throws IOException {
        writeKey(json, names.name(key.ifindex()), key.ifindex(), Ipv4.format(key.srcIp()), key.srcPort(),
                Ipv4.format(key.dstIp()), key.dstPort());
    }

    private static void writeKey6(JsonGenerator json, FlowKey6 key, InterfaceNames names) throws IOException {
        writeKey(json, names.name(key.ifindex()), key.ifindex(), key.srcIp().toString(), key.srcPort(),
                key.dstIp().toString(), key.dstPort());
    }

    private static void writeKey(JsonGenerator json, String iface, int ifindex, String srcIp, int srcPort, String dstIp,
            int dstPort) throws IOException {
        json.writeStartObject();
        json.writeStringField("iface", iface);
        json.writeNumberField("ifindex", ifindex);
        json.writeStringField("srcIp", srcIp);
        json.writeNumberField("srcPort", srcPort);
        json.writeStringField("dstIp", dstIp);
        json.writeNumberField("dstPort", dstPort);
        json.writeEndObject();
    }

    /** A rule, or null where the change has none (the before of an add, the after of a delete). */
    private static void writeRule(JsonGenerator json, Optional<FlowRule> rule, InterfaceNames names) throws IOException {
        if (rule.isEmpty()) {
            json.writeNull();
            return;
        }
        json.writeStartObject();
        json.writeFieldName("rewrite");
        writeKey(json, rule.get().rewrite(), names);
        json.writeStringField("owner", lower(rule.get().owner()));
        if (rule.get().owner() == Owner.UNKNOWN) {
            json.writeNumberField("ownerCode", Integer.toUnsignedLong(rule.get().ownerCode())); // as the map holds it
        }
        json.writeEndObject();
    }

    private static void writeRule6(JsonGenerator json, Optional<FlowRule6> rule, InterfaceNames names) throws IOException {
        if (rule.isEmpty()) {
            json.writeNull();
            return;
        }
        json.writeStartObject();
        json.writeFieldName("rewrite");
        writeKey6(json, rule.get().rewrite(), names);
        json.writeStringField("owner", lower(rule.get().owner()));
        json.writeEndObject();
    }

    private static void writeSetting(JsonGenerator json, TuningSetting setting) throws IOException {
        json.writeStartObject();
        switch (setting) {
            case TuningSetting.Hugepages h -> {
                json.writeStringField("type", "hugepages");
                json.writeNumberField("pageSizeKb", h.pageSizeKb());
                json.writeFieldName("numaNode");
                if (h.numaNode().isPresent()) {
                    json.writeNumber(h.numaNode().getAsInt());
                } else {
                    json.writeNull();
                }
                json.writeNumberField("count", h.count());
            }
            case TuningSetting.QueueCount q -> {
                json.writeStringField("type", "queues");
                json.writeStringField("iface", q.iface());
                json.writeNumberField("queues", q.queues());
            }
            case TuningSetting.RssKey r -> {
                json.writeStringField("type", "rss-key");
                json.writeStringField("iface", r.iface());
                json.writeStringField("key", HexFormat.ofDelimiter(":").formatHex(r.key()));
            }
        }
        json.writeStringField("value", setting.value());
        json.writeEndObject();
    }

    private static void writeStrings(JsonGenerator json, String field, List<String> values) throws IOException {
        json.writeArrayFieldStart(field);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }

    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                        .withArrayEmptySeparator("")
                        .withObjectEmptySeparator(""))
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    // ---- reading ------------------------------------------------------------------------------------

    private static DatapathChange readDatapath(Field f) {
        String action = f.get("action").text();
        DatapathChange change = switch (action) {
            case "load" -> f.convert(() -> new DatapathChange.Load(f.get("maxRules").integer()));
            case "migrate" -> f.convert(() -> new DatapathChange.Migrate(f.get("fromLayout").integer(),
                    f.get("toLayout").integer(), f.get("fromCapacity").integer(), f.get("toCapacity").integer(),
                    f.get("rules").integer()));
            case "attach" -> f.convert(() -> new DatapathChange.Attach(
                    f.get("iface").text(), f.get("ifindex").integer(), f.get("mode").enumValue(XdpMode.class),
                    f.optional("replacesProgramId").map(id -> OptionalInt.of(id.integer())).orElse(OptionalInt.empty())));
            case "attachMode" -> f.convert(() -> new DatapathChange.ChangeAttachMode(f.get("iface").text(),
                    f.get("ifindex").integer(), f.get("from").enumValue(XdpMode.class), f.get("to").enumValue(XdpMode.class)));
            default -> throw f.get("action").invalid("unknown datapath action \"" + action
                    + "\" (expected load, migrate, attach or attachMode)");
        };
        Change.Kind kind = f.get("kind").enumValue(Change.Kind.class);
        if (kind != change.kind()) {
            throw f.get("kind").invalid("the kind of this " + action + " is \"" + lower(change.kind())
                    + "\", not \"" + lower(kind) + "\"");
        }
        return change;
    }

    private static FlowChange readFlow(Field f) {
        return f.convert(() -> new FlowChange(f.get("kind").enumValue(Change.Kind.class),
                f.optional("flow").map(Field::text),
                f.get("rules").list(r -> r.convert(() -> new RuleChange(r.get("kind").enumValue(Change.Kind.class),
                        readKey(r.get("key")),
                        r.optional("before").map(PlanJson::readRule),
                        r.optional("after").map(PlanJson::readRule))))));
    }

    private static Flow6Change readFlow6(Field f) {
        return f.convert(() -> new Flow6Change(f.get("kind").enumValue(Change.Kind.class),
                f.optional("flow").map(Field::text),
                f.get("rules").list(r -> r.convert(() -> new Rule6Change(r.get("kind").enumValue(Change.Kind.class),
                        readKey6(r.get("key")),
                        r.optional("before").map(PlanJson::readRule6),
                        r.optional("after").map(PlanJson::readRule6))))));
    }

    private static FlowKey6 readKey6(Field f) {
        return f.convert(() -> new FlowKey6(f.get("ifindex").integer(), f.get("srcIp").ipv6(), f.get("dstIp").ipv6(),
                f.get("srcPort").integer(), f.get("dstPort").integer()));
    }

    private static FlowRule6 readRule6(Field f) {
        return f.convert(() -> new FlowRule6(readKey6(f.get("rewrite")), f.get("owner").enumValue(Owner.class)));
    }

    private static FlowKey readKey(Field f) {
        return f.convert(() -> new FlowKey(f.get("ifindex").integer(), f.get("srcIp").ipv4(), f.get("dstIp").ipv4(),
                f.get("srcPort").integer(), f.get("dstPort").integer()));
    }

    private static FlowRule readRule(Field f) {
        return f.convert(() -> {
            Owner owner = f.get("owner").enumValue(Owner.class);
            return owner == Owner.UNKNOWN ? FlowRule.read(readKey(f.get("rewrite")), f.get("ownerCode").u32())
                    : new FlowRule(readKey(f.get("rewrite")), owner);
        });
    }

    private static TuningChange readTuning(Field f) {
        TuningChange change = f.convert(() -> new TuningChange(f.optional("before").map(PlanJson::readSetting),
                readSetting(f.get("after")), f.get("disruptive").bool()));
        String id = f.get("id").text();
        if (!id.equals(change.id())) {
            throw f.get("id").invalid("\"" + id + "\" does not match the setting's id \"" + change.id() + "\"");
        }
        return change;
    }

    private static TuningSetting readSetting(Field f) {
        String type = f.get("type").text();
        return f.convert(() -> switch (type) {
            case "hugepages" -> new TuningSetting.Hugepages(f.get("pageSizeKb").integer(),
                    f.optional("numaNode").map(n -> OptionalInt.of(n.integer())).orElse(OptionalInt.empty()),
                    f.get("count").integer());
            case "queues" -> new TuningSetting.QueueCount(f.get("iface").text(), f.get("queues").integer());
            case "rss-key" -> new TuningSetting.RssKey(f.get("iface").text(), f.get("key").hexBytes());
            default -> throw f.get("type").invalid(
                    "unknown tuning type \"" + type + "\" (expected hugepages, queues or rss-key)");
        });
    }

    private static MassDeleteGuard readGuard(Field f) {
        return f.convert(() -> new MassDeleteGuard(f.get("desiredEmpty").bool(), f.get("liveConfigRules").integer(),
                f.get("deletedRules").integer()));
    }

    /** A JSON value and its path from the root, so every error says exactly which field is wrong. */
    private record Field(JsonNode json, String path) {

        Field get(String name) {
            JsonNode value = json.get(name);
            if (value == null || value.isNull()) {
                throw new PlanFormatException(PlanFormatException.Problem.INVALID, path + "." + name + ": missing");
            }
            return new Field(value, path + "." + name);
        }

        /** An absent field and an explicit null both mean "none". */
        Optional<Field> optional(String name) {
            JsonNode value = json.get(name);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(new Field(value, path + "." + name));
        }

        String text() {
            if (!json.isTextual()) {
                throw invalid("expected a string, found " + json.getNodeType().name().toLowerCase(Locale.ROOT));
            }
            return json.asText();
        }

        int integer() {
            if (!json.isIntegralNumber() || !json.canConvertToInt()) {
                throw invalid("expected an integer, found " + json);
            }
            return json.intValue();
        }

        /** A C {@code __u32}, 0..4294967295, as Java's int of the same bits. */
        int u32() {
            if (!json.isIntegralNumber() || !json.canConvertToLong() || json.longValue() < 0 || json.longValue() > 0xFFFF_FFFFL) {
                throw invalid("expected an integer 0..4294967295, found " + json);
            }
            return (int) json.longValue();
        }

        boolean bool() {
            if (!json.isBoolean()) {
                throw invalid("expected true or false, found " + json);
            }
            return json.booleanValue();
        }

        int ipv4() {
            String text = text();
            try {
                return Ipv4.parse(text);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
        }

        /** Whether this is an address in IPv6 text (it has a colon; IPv4 never does). */
        boolean isIpv6() {
            return json.isTextual() && json.asText().indexOf(':') >= 0;
        }

        IpAddress.V6 ipv6() {
            long[] bits = Ipv6.parse(text());
            if (bits == null) {
                throw invalid("expected an IPv6 address, found \"" + text() + "\"");
            }
            return new IpAddress.V6(bits[0], bits[1]);
        }

        byte[] hexBytes() {
            String text = text();
            try {
                return text.isEmpty() ? new byte[0] : HexFormat.ofDelimiter(":").parseHex(text);
            } catch (IllegalArgumentException e) {
                throw invalid("expected colon-separated hex bytes, found \"" + text + "\"");
            }
        }

        <E extends Enum<E>> E enumValue(Class<E> type) {
            String text = text();
            for (E constant : type.getEnumConstants()) {
                if (constant.name().toLowerCase(Locale.ROOT).equals(text)) {
                    return constant;
                }
            }
            List<String> allowed = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                allowed.add(constant.name().toLowerCase(Locale.ROOT));
            }
            throw invalid("unknown value \"" + text + "\" (expected one of " + String.join(", ", allowed) + ")");
        }

        Map<String, Integer> intMap() {
            if (!json.isObject()) {
                throw invalid("expected an object");
            }
            Map<String, Integer> map = new TreeMap<>();
            json.properties().forEach(e -> map.put(e.getKey(), new Field(e.getValue(), path + "." + e.getKey()).integer()));
            return map;
        }

        <T> List<T> list(Function<Field, T> element) {
            if (!json.isArray()) {
                throw invalid("expected an array");
            }
            List<T> values = new ArrayList<>();
            for (int i = 0; i < json.size(); i++) {
                values.add(element.apply(new Field(json.get(i), path + "[" + i + "]")));
            }
            return values;
        }

        /** Runs a value's constructor, turning its validation error into one that names this field. */
        <T> T convert(Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (PlanFormatException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
        }

        <T> T convert(Function<Field, T> constructor) {
            return convert(() -> constructor.apply(this));
        }

        PlanFormatException invalid(String message) {
            return new PlanFormatException(PlanFormatException.Problem.INVALID, path + ": " + message);
        }
    }
}
