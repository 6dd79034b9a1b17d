package io.xdprecon.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.plan.Change.Kind;
import io.xdprecon.plan.PlanFormatException.Problem;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A plan document read as it is parsed ({@link PlanJson#read(java.io.Reader)}, what {@code apply FILE} does): its IPv4
 * flows come back packed and equal to what was written, and a bad document gets the error a read of the whole document
 * gave — syntax before the format tag, the format tag before the fields, fields in their order.
 */
class PlanJsonStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSavedPlanReadsBackPackedAndEqualWithItsOrigin() throws IOException {
        Plan written = withUnknownOwner(PlanJsonTest.everything());
        PlanOrigin origin = new PlanOrigin("host-1", false);

        PlanFile.Saved saved = PlanJson.read(new StringReader(PlanJson.write(written, origin)));

        assertInstanceOf(SavedFlows.class, saved.plan().flows(), "kept packed, made when read");
        assertEquals(written, saved.plan());
        assertEquals(written.ruleChanges(), saved.plan().ruleChanges());
        assertEquals(written.summary(), saved.plan().summary());
        assertEquals(Optional.of(origin), saved.origin());
        assertEquals(PlanJson.write(written, origin), PlanJson.write(saved.plan(), origin));
    }

    @Test
    void syntaxComesBeforeTheFormatAndTheFormatBeforeTheFields() throws IOException {
        ObjectNode doc = document();
        doc.put("format", "xdprecon-plan/v2");
        ((ObjectNode) doc.at("/flows/0")).put("kind", "rebuild");
        assertEquals(Problem.UNKNOWN_FORMAT, problem(doc.toString()).problem(), "a bad flow of an unknown format");

        doc = document();
        ((ObjectNode) doc.at("/flows/0")).put("kind", "rebuild");
        String truncated = doc.toString().substring(0, doc.toString().length() - 1);
        assertEquals(Problem.NOT_JSON, problem(truncated).problem(), "a bad flow, then the document cut short");

        PlanFormatException trailing = problem(document() + " {}");
        assertEquals(Problem.NOT_JSON, trailing.problem(), trailing.getMessage());
    }

    @Test
    void fieldsAreCheckedInTheOrderAWholeReadCheckedThem() throws IOException {
        ObjectNode doc = document();
        doc.remove("node");
        ((ObjectNode) doc.at("/flows/1")).put("kind", "rebuild");
        assertEquals("$.node: missing", problem(doc.toString()).getMessage(), "node is read before the flows");

        // An IPv6 flow's error comes after every IPv4 flow's, wherever it stands in the array.
        doc = document();
        ArrayNode flows = (ArrayNode) doc.get("flows");
        ObjectNode flow6 = JSON.createObjectNode().put("kind", "rebuild").put("flow", "v6");
        flow6.putArray("rules").addObject().put("kind", "add").putObject("key").put("srcIp", "2001:db8::1");
        flows.insert(0, flow6);
        ((ObjectNode) doc.at("/flows/2")).put("kind", "rebuild");
        assertEquals("$.flows[2].kind: unknown value \"rebuild\" (expected one of add, change, delete, replace)",
                problem(doc.toString()).getMessage());
        ((ObjectNode) doc.at("/flows/2")).put("kind", "replace");
        assertEquals("$.flows[0].kind: unknown value \"rebuild\" (expected one of add, change, delete, replace)",
                problem(doc.toString()).getMessage());
    }

    /** {@code plan} with one more flow, deleting a rule of an owner code no release knows (7). */
    private static Plan withUnknownOwner(Plan plan) {
        FlowKey key = FlowKey.of(3, "198.51.100.77", 40000, "203.0.113.10", 30000);
        FlowRule unknown = FlowRule.read(FlowKey.of(4, "10.0.0.1", 40077, "10.0.0.77", 5004), 7);
        List<FlowChange> flows = new ArrayList<>(plan.flows());
        flows.add(new FlowChange(Kind.DELETE, Optional.empty(), List.of(RuleChange.delete(key, unknown))));
        return new Plan(plan.node(), plan.source(), plan.mode(), plan.datapathAbsent(), plan.interfaces(), plan.datapath(),
                plan.localIps(), flows, plan.tuning(), plan.guard(), plan.warnings(), plan.errors(), plan.fingerprint());
    }

    private static ObjectNode document() throws IOException {
        return (ObjectNode) JSON.readTree(PlanJson.write(PlanJsonTest.everything()));
    }

    private static PlanFormatException problem(String json) {
        return assertThrows(PlanFormatException.class, () -> PlanJson.read(new StringReader(json)));
    }
}
