package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming reader says what the reader before it said ({@link TreeYamlReader}: SnakeYAML's composed tree,
 * converted): the same tree, the same problems at the same positions, the same position and readable path for
 * every value and key — whichever way it read the text, and whether the {@code flows} items were composed in
 * the tree or streamed one at a time. Over the repository's configs, corners, and random mutations of them.
 */
class YamlReaderEquivalenceTest {
    private final Map<YamlReader.Way, Integer> ways = new EnumMap<>(YamlReader.Way.class);

    @Test
    void sameTreeProblemsAndPositionsAsTheComposedReader() throws Exception {
        List<String> seeds = FastYamlEventsTest.seeds();
        seeds.addAll(List.of(
                "a: &x [1, *x]\n", "a: &x {b: *x}\nc: *x\n", "a: *undefined\n", "<<: {a: 1}\n", "? [a]\n: b\n",
                "a: 1\na: 2\n", "a: !!int x\n", "a: !foo 1\n", "a: !!binary aGk=\n", "1: a\n", "true: a\n",
                "a: !<tag:example.com,2000:x> 1\n", "- a\n", "x\n", "", "~\n", "a: 1\n---\nb: *u\n",
                "a: 1\n--- [\n", "flows: [{a: 1}, 2, [3]]\n", "flows: !!seq [1]\n", "flows: !x [1]\n",
                "flows:\n- a: 1\n  a: 2\n- b: !!str 3\n", "flows: &f [1]\ng: *f\n", "flows:\n- &i {a: 1}\nx: *i\n",
                // a second document whose error comes after its root (a multi-line plain scalar, then ':')
                "a: 1\n---\nb c\nd: 1\n",
                // IPv6: colons inside plain scalars, brackets that YAML reads as a flow sequence
                "a: 2001:db8::1\n", "a: ::1\n", "a: ::\n", "a: 1::\n", "a: ::ffff:10.0.0.1\n", "a: fe80::1%eth0\n",
                "a: '[2001:db8::1]:5004'\n", "a: [2001:db8::1]:5004\n", "a: [2001:db8::1]\n", "a: 1:2:3:4:5:6:7:8\n",
                "flows:\n- {name: v6, client: \"[2001:db8::1]:40000\", server: '[2001:db8:1::20]:5004'}\n",
                "flows:\n- name: v6\n  listen: {interface: public, address: 2001:db8::10, port: 30000}\n  client: [::1]:1\n",
                "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
                "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"));
        for (String seed : seeds) {
            check(seed);
        }
        Random random = new Random(11);
        for (int run = 0; run < 1500; run++) {
            String text = seeds.get(random.nextInt(seeds.size()));
            for (int m = 0; m < 1 + random.nextInt(2); m++) {
                text = FastYamlEventsTest.mutate(text, random);
            }
            check(text);
        }
        assertTrue(ways.getOrDefault(YamlReader.Way.FAST, 0) > 0 && ways.getOrDefault(YamlReader.Way.PARSER, 0) > 0
                && ways.getOrDefault(YamlReader.Way.TREE, 0) > 0, "every way was taken: " + ways);
    }

    private void check(String text) {
        TreeYamlReader.Result expected = TreeYamlReader.read(text);
        YamlReader.Result whole = YamlReader.read(text);
        same(text, expected, whole, whole.root().orElse(null), null);

        // Streamed: the items of flows come one at a time; put back in the tree, they must be the same.
        for (YamlReader.Way way : YamlReader.Way.values()) {
            List<YamlReader.Composed> items = new ArrayList<>();
            YamlReader.Result streamed;
            try (YamlEvents events = YamlReader.events(way, new StringReader(text))) {
                streamed = YamlReader.read(events, (index, item, reader) -> {
                    assertEquals(items.size(), index);
                    items.add(reader.compose(item, index));
                });
            } catch (FastYamlEvents.Unsupported | YamlReader.NeedsTree e) {
                continue;
            }
            ways.merge(way, 1, Integer::sum);
            JsonNode root = streamed.root().orElse(null);
            if (root != null && root.get("flows") instanceof ArrayNode list && list.isEmpty() && !items.isEmpty()) {
                root = root.deepCopy();
                ArrayNode flows = ((ObjectNode) root).putArray("flows");
                items.forEach(item -> flows.add(item.value()));
            }
            same(text, expected, streamed, root, items);
            return;
        }
    }

    private static void same(String text, TreeYamlReader.Result expected, YamlReader.Result actual, JsonNode root,
            List<YamlReader.Composed> items) {
        assertEquals(nestingUnplaced(expected.problems()), nestingUnplaced(actual.problems()), "problems of:\n" + text);
        assertEquals(expected.root().orElse(null), root, "tree of:\n" + text);
        if (root == null) {
            return;
        }
        List<String> pointers = new ArrayList<>();
        pointers(root, "", pointers);
        for (String pointer : pointers) {
            SourceMap map = actual.sourceMap();
            String local = pointer;
            if (items != null && pointer.startsWith("/flows/") && !items.isEmpty()) {
                int index = Integer.parseInt(Pointer.segments(pointer).get(1));
                map = new SourceMap(new SourceMap.MapPlace(new SourceMap.Position(1, 1), 1));
                SourceMap.MapPlace top = (SourceMap.MapPlace) map.root();
                top.place(top.add("flows", actual.sourceMap().keyAt("/flows")),
                        new SourceMap.ItemsPlace(actual.sourceMap().valueAt("/flows"), Map.of(index, items.get(index).place())));
                local = pointer;
            }
            assertEquals(expected.sourceMap().valueAt(pointer), map.valueAt(local), pointer + " in:\n" + text);
            assertEquals(expected.sourceMap().keyAt(pointer), map.keyAt(local), "key of " + pointer + " in:\n" + text);
            assertEquals(expected.sourceMap().path(pointer), map.path(local), "path of " + pointer + " in:\n" + text);
        }
    }

    /**
     * SnakeYAML's composer says where nothing nests too deep (1:1); the streaming reader says where it passed the
     * bound, in more words. Both say the same thing.
     */
    private static List<Problem> nestingUnplaced(List<Problem> problems) {
        return problems.stream().map(p -> p instanceof Problem.AtPosition at
                && at.message().startsWith("invalid YAML: Nesting Depth exceeded max 50")
                ? new Problem.AtPosition(1, 1, "invalid YAML: Nesting Depth exceeded max 50") : p).toList();
    }

    private static void pointers(JsonNode node, String pointer, List<String> into) {
        into.add(pointer);
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                pointers(e.getValue(), Pointer.child(pointer, e.getKey()), into);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                pointers(node.get(i), Pointer.child(pointer, i), into);
            }
        }
    }
}
