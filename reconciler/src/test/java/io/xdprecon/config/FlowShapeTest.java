package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.lab.FleetConfigs;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The flow fast path is the schema's flow definition written out by hand: whatever it vouches for, the schema
 * validator and the binder accept without a word, with the same values — over the flows of the repository's
 * configs, generated ones in every key shape, and thousands of mutations of single values, keys and layouts.
 * And it does vouch for the flows people write.
 */
class FlowShapeTest {
    private static final String[] VALUES = {"0", "1", "65535", "65536", "00080", "1.0", "-1", "+1", "0x10", "1e3", "'80'",
        "\"80\"", "10.0.0.1", "10.0.0.256", "1.2.3", "1.2.3.4.5", "'10.0.0.1'", "10.0.0.1:0", "10.0.0.1:65536",
        "10.0.0.1:80", "10.0.0.1:080", "999.0.0.1:1", "a", "-a", "a.b", "a_b", "true", "null", "~", "yes", "on", "1.5",
        "f\u00e9", "'f x'", "\"f\\ty\"", "A23456789012345678901234567890123", "A2345678901234567890123456789012",
        "[1]", "{a: 1}", "''", "public", "private", "wan", "!!str 5", "'public'"};

    /** The fast verdict and the general one, item by item, of the flows list of {@code text}. */
    static int compare(String text) {
        int[] vouched = {0};
        try (YamlEvents events = new SnakeYamlEvents(new StringReader(text))) {
            YamlReader.read(events, (index, item, reader) -> {
                FlowTable fast = new FlowTable("/flows");
                boolean shortcut = FlowShape.read(item, index, fast);
                YamlReader.Composed composed = reader.compose(item, index);
                SchemaCheck.Result schema = SchemaCheck.checkFlow(composed.value(), index);
                List<Problem> problems = new ArrayList<>(schema.problems());
                Optional<Spec.FlowSpec> flow = Binder.flow(composed.value(), "/flows/" + index, problems, new ArrayList<>());
                if (!shortcut) {
                    return;
                }
                vouched[0]++;
                assertEquals(List.of(), problems, "the fast path vouched for a flow the schema or binder refuse:\n" + text);
                assertTrue(flow.isPresent());
                Spec.FlowSpec f = flow.get();
                assertEquals(f.name().value(), fast.name(0));
                assertEquals(f.client().value(), fast.client(0));
                assertEquals(f.server().value(), fast.server(0));
                assertEquals(f.listen().iface().value(), fast.listenIface(0));
                assertEquals(f.listen().address().value(), fast.listenAddress(0));
                assertEquals(f.listen().port().value(), fast.listenPort(0));
                assertEquals(f.egress().iface().value(), fast.egressIface(0));
                assertEquals(f.egress().address().value(), fast.egressAddress(0));
                assertEquals(f.egress().port().value(), fast.egressPort(0));
                assertEquals(index, fast.item(0));
            });
        } catch (org.yaml.snakeyaml.error.YAMLException | YamlReader.NeedsTree e) {
            // not YAML, or aliases: nothing to compare
        }
        return vouched[0];
    }

    @Test
    void whatTheFastPathVouchesForTheSchemaAndBinderAccept() throws Exception {
        int vouched = 0;
        List<String> seeds = FastYamlEventsTest.seeds();
        for (String seed : seeds) {
            vouched += compare(seed);
        }
        assertTrue(vouched >= 40, "the fast path vouched for " + vouched + " flows of the repository and generated ones");
        Random random = new Random(5);
        String flow = FleetConfigs.flow(1, FleetConfigs.Keys.RANDOM, 1, 0);
        String[] fields = {"name", "client", "interface", "address", "port", "server"};
        int mutations = 0;
        for (int run = 0; run < 1200; run++) {
            String item = flow;
            int edits = 1 + random.nextInt(2);
            for (int e = 0; e < edits; e++) {
                String field = fields[random.nextInt(fields.length)];
                String value = VALUES[random.nextInt(VALUES.length)];
                item = switch (random.nextInt(4)) {
                    case 0 -> item.replaceFirst("(" + field + ": )[^,}\\n]+", "$1" + java.util.regex.Matcher.quoteReplacement(value));
                    case 1 -> item.replaceFirst(field + ":", value.replace("'", "") + ":");
                    case 2 -> item.replaceFirst("\\n    " + field + ": [^\\n]+", "");
                    default -> item + "    " + field + ": " + value + "\n";
                };
            }
            mutations += compare(FleetConfigs.base(524288, true) + item);
        }
        assertTrue(mutations > 50, "some mutations stay valid: " + mutations);
    }

    @Test
    void aFlowWithAnythingOutOfTheWayTakesTheGeneralWay() {
        String valid = "  - { name: f0, client: 10.0.0.1:1000, listen: { interface: pub, address: 10.0.0.2, port: 1 },"
                + " egress: { interface: priv, address: 10.0.0.3, port: 65535 }, server: 10.0.0.4:5004 }\n";
        assertEquals(1, compare("flows:\n" + valid));
        for (String bad : List.of(valid.replace("port: 1 ", "port: 0 "), valid.replace("port: 65535", "port: 65536"),
                valid.replace("f0", "-f0"), valid.replace("f0", "f\u00e9"), valid.replace("port: 1 ", "port: 1.0 "),
                valid.replace("10.0.0.1:1000", "'10.0.0.1:'"), valid.replace(" }\n", ", extra: 1 }\n"),
                valid.replace("name: f0, ", ""), valid.replace("pub,", "'pub\\n',"), valid.replace("name: f0", "name: 12"),
                valid.replace("10.0.0.2", "10.0.0.256"), valid.replace("port: 1 ", "port: '1' "),
                valid.replace("name: f0", "name: f0, name: f1"), valid.replace("name: f0", "name: !!str f0"))) {
            assertEquals(0, compare("flows:\n" + bad), bad);
        }
        assertFalse(FlowShape.name(""));
    }
}
