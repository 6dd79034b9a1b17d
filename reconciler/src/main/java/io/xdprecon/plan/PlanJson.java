package io.xdprecon.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PlanJson() {}

    /** The document, pretty-printed with two-space indents and a final newline. */
    public static String write(Plan plan) {
        return write(plan, null);
    }

    /** The document with where the plan was made, as a plan file holds it. */
    public static String write(Plan plan, PlanOrigin origin) {
        ObjectNode root = NODES.objectNode();
        root.put("format", FORMAT);
        root.put("node", plan.node());
        root.put("source", plan.source());
        root.put("mode", lower(plan.mode()));
        root.put("datapathAbsent", plan.datapathAbsent());
        ObjectNode interfaces = root.putObject("interfaces");
        new TreeMap<>(plan.interfaces()).forEach(interfaces::put);
        Plan.Summary summary = plan.summary();
        ObjectNode summaryNode = root.putObject("summary");
        summaryNode.put("add", summary.add());
        summaryNode.put("change", summary.change());
        summaryNode.put("destroy", summary.destroy());
        summaryNode.put("line", summary.line());
        root.put("disruptive", plan.disruptive());
        ArrayNode datapath = root.putArray("datapath");
        plan.datapath().forEach(change -> datapath.add(datapathNode(change)));
        ArrayNode localIps = root.putArray("localIps");
        plan.localIps().forEach(change -> localIps.addObject().put("kind", lower(change.kind()))
                .put("ip", Ipv4.format(change.ip())));
        plan.localIps6().forEach(change -> localIps.addObject().put("kind", lower(change.kind()))
                .put("ip", change.ip().toString()));
        ArrayNode flows = root.putArray("flows");
        InterfaceNames names = new InterfaceNames(plan.interfaces());
        for (FlowChange flow : plan.flows()) {
            ObjectNode node = flows.addObject();
            node.put("kind", lower(flow.kind()));
            node.put("flow", flow.flow().orElse(null));
            ArrayNode rules = node.putArray("rules");
            for (RuleChange rule : flow.rules()) {
                ObjectNode ruleNode = rules.addObject();
                ruleNode.put("kind", lower(rule.kind()));
                ruleNode.set("key", keyNode(rule.key(), names));
                ruleNode.set("before", rule.before().map(r -> ruleNode(r, names)).orElse(null));
                ruleNode.set("after", rule.after().map(r -> ruleNode(r, names)).orElse(null));
            }
        }
        // IPv6 flows in the same array, after the IPv4 ones: their addresses (RFC 5952) say the family.
        for (Flow6Change flow : plan.flows6()) {
            ObjectNode node = flows.addObject();
            node.put("kind", lower(flow.kind()));
            node.put("flow", flow.flow().orElse(null));
            ArrayNode rules = node.putArray("rules");
            for (Rule6Change rule : flow.rules()) {
                ObjectNode ruleNode = rules.addObject();
                ruleNode.put("kind", lower(rule.kind()));
                ruleNode.set("key", keyNode6(rule.key(), names));
                ruleNode.set("before", rule.before().map(r -> ruleNode6(r, names)).orElse(null));
                ruleNode.set("after", rule.after().map(r -> ruleNode6(r, names)).orElse(null));
            }
        }
        ArrayNode tuning = root.putArray("tuning");
        for (TuningChange change : plan.tuning()) {
            ObjectNode node = tuning.addObject();
            node.put("kind", lower(change.kind()));
            node.put("id", change.id());
            node.set("before", change.before().map(PlanJson::settingNode).orElse(null));
            node.set("after", settingNode(change.after()));
            node.put("disruptive", change.disruptive());
        }
        ObjectNode guard = root.putObject("massDelete");
        guard.put("desiredEmpty", plan.guard().desiredEmpty());
        guard.put("liveConfigRules", plan.guard().liveConfigRules());
        guard.put("deletedRules", plan.guard().deletedRules());
        guard.put("refused", plan.guard().trips());
        guard.put("refusal", plan.guard().refusal().orElse(null));
        ArrayNode warnings = root.putArray("warnings");
        plan.warnings().forEach(warnings::add);
        ArrayNode errors = root.putArray("errors");
        plan.errors().forEach(errors::add);
        root.put("fingerprint", plan.fingerprint().sha256());
        if (origin != null) {
            root.putObject("origin").put("host", origin.host()).put("offline", origin.offline());
        }
        try {
            return MAPPER.writer(prettyPrinter()).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    /** Parses a document written by {@link #write}; throws {@link PlanFormatException} naming the field. */
    public static Plan read(String json) {
        return read(root(json));
    }

    /** Where the plan was made; empty in a document without {@code "origin"} (written before it existed). */
    public static Optional<PlanOrigin> readOrigin(String json) {
        return new Field(root(json), "$").optional("origin")
                .map(o -> o.convert(() -> new PlanOrigin(o.get("host").text(), o.get("offline").bool())));
    }

    private static JsonNode root(String json) {
        JsonNode rootJson;
        try {
            rootJson = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new PlanFormatException(PlanFormatException.Problem.NOT_JSON,
                    "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
        if (rootJson == null || rootJson.isMissingNode()) {
            throw new PlanFormatException(PlanFormatException.Problem.NOT_JSON, "not valid JSON: the document is empty");
        }
        if (!rootJson.isObject() || !rootJson.has("format")) {
            throw new PlanFormatException(PlanFormatException.Problem.NOT_A_PLAN,
                    "not an xdprecon plan: expected a JSON object with a \"format\" field");
        }
        JsonNode format = rootJson.get("format");
        if (!format.isTextual() || !format.asText().equals(FORMAT)) {
            throw new PlanFormatException(PlanFormatException.Problem.UNKNOWN_FORMAT,
                    "unknown plan format " + format + "; this xdprecon reads \"" + FORMAT + "\"");
        }
        return rootJson;
    }

    private static Plan read(JsonNode rootJson) {
        Field root = new Field(rootJson, "$");
        List<Field> localIpFields = root.get("localIps").list(f -> f);
        List<Field> flowFields = root.get("flows").list(f -> f);
        return new Plan(
                root.get("node").text(),
                root.get("source").text(),
                root.get("mode").enumValue(DatapathSettings.Mode.class),
                root.get("datapathAbsent").bool(),
                root.get("interfaces").intMap(),
                root.get("datapath").list(PlanJson::readDatapath),
                localIpFields.stream().filter(f -> !f.get("ip").isIpv6()).map(f -> f.convert(() -> new LocalIpChange(
                        f.get("kind").enumValue(Change.Kind.class), f.get("ip").ipv4()))).toList(),
                flowFields.stream().filter(f -> !isIpv6Flow(f)).map(PlanJson::readFlow).toList(),
                root.get("tuning").list(PlanJson::readTuning),
                readGuard(root.get("massDelete")),
                root.get("warnings").list(Field::text),
                root.get("errors").list(Field::text),
                root.get("fingerprint").convert(f -> new Fingerprint(f.text())),
                localIpFields.stream().filter(f -> f.get("ip").isIpv6()).map(f -> f.convert(() -> new LocalIp6Change(
                        f.get("kind").enumValue(Change.Kind.class), f.get("ip").ipv6()))).toList(),
                flowFields.stream().filter(PlanJson::isIpv6Flow).map(PlanJson::readFlow6).toList());
    }

    private static boolean isIpv6Flow(Field flow) {
        List<Field> rules = flow.get("rules").list(r -> r);
        return !rules.isEmpty() && rules.getFirst().get("key").get("srcIp").isIpv6();
    }

    // ---- writing ------------------------------------------------------------------------------------

    private static ObjectNode datapathNode(DatapathChange change) {
        ObjectNode node = NODES.objectNode();
        switch (change) {
            case DatapathChange.Load load -> {
                node.put("action", "load");
                node.put("kind", lower(load.kind()));
                node.put("maxRules", load.maxRules());
            }
            case DatapathChange.Migrate migrate -> {
                node.put("action", "migrate");
                node.put("kind", lower(migrate.kind()));
                node.put("fromLayout", migrate.fromLayout());
                node.put("toLayout", migrate.toLayout());
                node.put("fromCapacity", migrate.fromCapacity());
                node.put("toCapacity", migrate.toCapacity());
                node.put("rules", migrate.rules());
            }
            case DatapathChange.Attach attach -> {
                node.put("action", "attach");
                node.put("kind", lower(attach.kind()));
                node.put("iface", attach.iface());
                node.put("ifindex", attach.ifindex());
                node.put("mode", lower(attach.mode()));
                if (attach.replacesProgramId().isPresent()) {
                    node.put("replacesProgramId", attach.replacesProgramId().getAsInt());
                } else {
                    node.putNull("replacesProgramId");
                }
            }
            case DatapathChange.ChangeAttachMode modeChange -> {
                node.put("action", "attachMode");
                node.put("kind", lower(modeChange.kind()));
                node.put("iface", modeChange.iface());
                node.put("ifindex", modeChange.ifindex());
                node.put("from", lower(modeChange.from()));
                node.put("to", lower(modeChange.to()));
            }
        }
        return node;
    }

    /** A key: its device's name ({@code iface}, for the reader; {@code ifN} when the config has none) and ifindex. */
    private static ObjectNode keyNode(FlowKey key, InterfaceNames names) {
        ObjectNode node = NODES.objectNode();
        node.put("iface", names.name(key.ifindex()));
        node.put("ifindex", key.ifindex());
        node.put("srcIp", Ipv4.format(key.srcIp()));
        node.put("srcPort", key.srcPort());
        node.put("dstIp", Ipv4.format(key.dstIp()));
        node.put("dstPort", key.dstPort());
        return node;
    }

    private static ObjectNode keyNode6(FlowKey6 key, InterfaceNames names) {
        ObjectNode node = NODES.objectNode();
        node.put("iface", names.name(key.ifindex()));
        node.put("ifindex", key.ifindex());
        node.put("srcIp", key.srcIp().toString());
        node.put("srcPort", key.srcPort());
        node.put("dstIp", key.dstIp().toString());
        node.put("dstPort", key.dstPort());
        return node;
    }

    private static ObjectNode ruleNode6(FlowRule6 rule, InterfaceNames names) {
        ObjectNode node = NODES.objectNode();
        node.set("rewrite", keyNode6(rule.rewrite(), names));
        node.put("owner", lower(rule.owner()));
        return node;
    }

    private static ObjectNode ruleNode(FlowRule rule, InterfaceNames names) {
        ObjectNode node = NODES.objectNode();
        node.set("rewrite", keyNode(rule.rewrite(), names));
        node.put("owner", lower(rule.owner()));
        if (rule.owner() == Owner.UNKNOWN) {
            node.put("ownerCode", Integer.toUnsignedLong(rule.ownerCode())); // as the map holds it
        }
        return node;
    }

    private static ObjectNode settingNode(TuningSetting setting) {
        ObjectNode node = NODES.objectNode();
        switch (setting) {
            case TuningSetting.Hugepages h -> {
                node.put("type", "hugepages");
                node.put("pageSizeKb", h.pageSizeKb());
                if (h.numaNode().isPresent()) {
                    node.put("numaNode", h.numaNode().getAsInt());
                } else {
                    node.putNull("numaNode");
                }
                node.put("count", h.count());
            }
            case TuningSetting.QueueCount q -> {
                node.put("type", "queues");
                node.put("iface", q.iface());
                node.put("queues", q.queues());
            }
            case TuningSetting.RssKey r -> {
                node.put("type", "rss-key");
                node.put("iface", r.iface());
                node.put("key", HexFormat.ofDelimiter(":").formatHex(r.key()));
            }
        }
        node.put("value", setting.value());
        return node;
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
