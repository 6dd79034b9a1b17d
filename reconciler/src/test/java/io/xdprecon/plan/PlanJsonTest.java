package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.INTERFACES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.plan.Change.Kind;
import io.xdprecon.plan.Fixtures.Relay;
import io.xdprecon.plan.PlanFormatException.Problem;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.TuningSetting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PlanJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One of everything a plan can hold. */
    static Plan everything() {
        Relay a = Relay.of("rtp-a", 1);
        Relay b = Relay.of("rtp-b", 2);
        Relay gone = Relay.of("x", 3);
        FlowRule session = new FlowRule(FlowKey.of(4, "10.0.0.1", 47000, "10.0.0.50", 7000), Owner.SESSION);
        FlowRule oldTarget = new FlowRule(FlowKey.of(4, "10.0.0.1", 40001, "10.0.0.99", 5005), Owner.CONFIG);
        return new Plan("edge-1", "edge.yaml", DatapathSettings.Mode.XDP, true, INTERFACES,
                List.of(new DatapathChange.Load(1024),
                        new DatapathChange.Attach("ens3", 3, XdpMode.NATIVE, OptionalInt.of(41)),
                        new DatapathChange.Attach("ens4", 4, XdpMode.AUTO, OptionalInt.empty())),
                List.of(new LocalIpChange(Kind.ADD, Ipv4.parse("203.0.113.10")),
                        new LocalIpChange(Kind.DELETE, Ipv4.parse("255.255.255.254"))),
                List.of(new FlowChange(Kind.CHANGE, Optional.of("rtp-a"), List.of(
                                RuleChange.change(a.forwardKey(), oldTarget, a.forwardRule()),
                                RuleChange.add(a.reverseKey(), a.reverseRule()))),
                        new FlowChange(Kind.REPLACE, Optional.of("rtp-b"),
                                List.of(RuleChange.replace(b.forwardKey(), session, b.forwardRule()))),
                        new FlowChange(Kind.DELETE, Optional.empty(), List.of(
                                RuleChange.delete(gone.forwardKey(), gone.forwardRule()),
                                RuleChange.delete(gone.reverseKey(), gone.reverseRule())))),
                List.of(new TuningChange(Optional.of(new TuningSetting.QueueCount("ens5", 2)),
                                new TuningSetting.QueueCount("ens5", 4), true),
                        new TuningChange(Optional.empty(), new TuningSetting.Hugepages(2048, OptionalInt.of(1), 512), false),
                        new TuningChange(Optional.of(new TuningSetting.Hugepages(1048576, OptionalInt.empty(), 0)),
                                new TuningSetting.Hugepages(1048576, OptionalInt.empty(), 4), false),
                        new TuningChange(Optional.of(new TuningSetting.RssKey("ens5", new byte[] {1, 2, (byte) 0xff})),
                                new TuningSetting.RssKey("ens5", new byte[] {0x6d, 0x5a, 0x6d, 0x5a}), false)),
                new MassDeleteGuard(false, 6, 4),
                List.of("a warning with \"quotes\" and ünïcödé"),
                List.of("an error"),
                new Fingerprint("0123456789abcdef".repeat(4)));
    }

    @Test
    void aPlanWithEveryKindOfChangeRoundTripsExactly() {
        Plan plan = everything();
        String json = PlanJson.write(plan);

        assertEquals(plan, PlanJson.read(json));
        assertEquals(json, PlanJson.write(PlanJson.read(json)));
    }

    @Test
    void aPlannedPlanRoundTripsWithItsFingerprint() {
        Relay a = Relay.of("rtp-a", 1);
        Plan plan = Planner.plan(Fixtures.desired(a.desired()),
                Fixtures.live(Fixtures.merge(Relay.of("x", 2).live(Owner.CONFIG), Fixtures.sessionRule(1))));

        Plan back = PlanJson.read(PlanJson.write(plan));

        assertEquals(plan, back);
        assertEquals(plan.fingerprint(), back.fingerprint());
    }

    @Test
    void theDocumentIsVersionedAndCarriesTheDerivedFieldsForReaders() throws IOException {
        JsonNode doc = JSON.readTree(PlanJson.write(everything()));

        assertEquals("xdprecon-plan/v1", doc.get("format").asText());
        assertEquals("format", doc.fieldNames().next(), "format comes first");
        assertEquals("Plan: 3 to add, 7 to change, 2 to destroy.", doc.at("/summary/line").asText());
        assertEquals(3, doc.at("/summary/add").asInt());
        assertTrue(doc.get("disruptive").asBoolean());
        assertTrue(doc.at("/massDelete/refused").asBoolean());
        assertEquals("198.51.100.20", doc.at("/flows/0/rules/0/key/srcIp").asText());
        assertEquals("session", doc.at("/flows/1/rules/0/before/owner").asText());
        assertTrue(doc.at("/flows/2/flow").isNull());
        assertEquals("6d:5a:6d:5a", doc.at("/tuning/3/after/key").asText());
        assertEquals("0123456789abcdef".repeat(4), doc.get("fingerprint").asText());
    }

    @Test
    void derivedFieldsAreIgnoredOnRead() throws IOException {
        ObjectNode doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.get("summary")).put("line", "No changes.");
        doc.put("disruptive", false);
        doc.put("someFutureField", 1);

        assertEquals(everything(), PlanJson.read(doc.toString()));
    }

    @Test
    void anotherFormatVersionIsRefusedByName() {
        String json = PlanJson.write(everything()).replace("xdprecon-plan/v1", "xdprecon-plan/v2");

        PlanFormatException e = assertThrows(PlanFormatException.class, () -> PlanJson.read(json));

        assertEquals(Problem.UNKNOWN_FORMAT, e.problem());
        assertEquals("unknown plan format \"xdprecon-plan/v2\"; this xdprecon reads \"xdprecon-plan/v1\"", e.getMessage());
    }

    @Test
    void brokenJsonSaysWhere() {
        PlanFormatException e = assertThrows(PlanFormatException.class,
                () -> PlanJson.read("{\n  \"format\": \"xdprecon-plan/v1\",\n  \"node\": }"));

        assertEquals(Problem.NOT_JSON, e.problem());
        assertTrue(e.getMessage().startsWith("not valid JSON at line 3, column 11: "), e.getMessage());
        assertEquals(Problem.NOT_JSON, assertThrows(PlanFormatException.class, () -> PlanJson.read("")).problem());
        assertEquals(Problem.NOT_JSON, assertThrows(PlanFormatException.class,
                () -> PlanJson.read("{\"format\": \"a\", \"format\": \"b\"}")).problem(), "duplicate keys");
    }

    @Test
    void jsonThatIsNotAPlanIsSaidSo() {
        assertEquals(Problem.NOT_A_PLAN, assertThrows(PlanFormatException.class, () -> PlanJson.read("[1, 2]")).problem());
        assertEquals(Problem.NOT_A_PLAN, assertThrows(PlanFormatException.class,
                () -> PlanJson.read("{\"node\": \"x\"}")).problem());
    }

    @Test
    void aMissingOrBadFieldIsNamedByItsPath() throws IOException {
        ObjectNode doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.at("/flows/0/rules/1/key")).remove("srcPort");
        assertEquals("$.flows[0].rules[1].key.srcPort: missing", invalid(doc.toString()));

        doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.at("/flows/2/rules/0/key")).put("dstIp", "10.0.0.256");
        assertEquals("$.flows[2].rules[0].key.dstIp: not an IPv4 address: '10.0.0.256' (octet 256 > 255)",
                invalid(doc.toString()));

        doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.at("/flows/1/rules/0/key")).put("dstPort", 70000);
        assertEquals("$.flows[1].rules[0].key: destination port out of range 0..65535: 70000", invalid(doc.toString()));

        doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.at("/flows/1")).put("kind", "rebuild");
        assertEquals("$.flows[1].kind: unknown value \"rebuild\" (expected one of add, change, delete, replace)",
                invalid(doc.toString()));

        doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.at("/flows/0/rules/0")).putNull("after");
        assertTrue(invalid(doc.toString()).startsWith("$.flows[0].rules[0]: CHANGE of "), "a change needs an after");

        doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        doc.put("fingerprint", "nope");
        assertEquals("$.fingerprint: not a lower-case SHA-256 hex digest: 'nope'", invalid(doc.toString()));

        doc = (ObjectNode) JSON.readTree(PlanJson.write(everything()));
        ((ObjectNode) doc.at("/datapath/1")).put("kind", "add");
        assertEquals("$.datapath[1].kind: the kind of this attach is \"change\", not \"add\"", invalid(doc.toString()));
    }

    private static String invalid(String json) {
        PlanFormatException e = assertThrows(PlanFormatException.class, () -> PlanJson.read(json));
        assertEquals(Problem.INVALID, e.problem(), e.getMessage());
        return e.getMessage();
    }

    /** The example in docs/plan-json.md is a real document: it reads, and writes back byte for byte. */
    @Test
    void theDocumentedExampleIsExactlyWhatWriteProduces() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "plan-json.md"));
        Matcher block = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(block.find(), "docs/plan-json.md has a ```json example");
        String example = block.group(1);

        Plan plan = PlanJson.read(example);

        assertEquals(example, PlanJson.write(plan));
    }
}
