package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xdprecon.lab.FleetConfigs;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The fast scanner gives exactly SnakeYAML's events — kinds, values, styles and positions — or gives up: over
 * every YAML file of the repository, generated fleet configs in each key shape, hand-picked corners, and
 * tens of thousands of random mutations of them (a character inserted, deleted or replaced, a line indented
 * differently, repeated or joined). Whenever SnakeYAML fails on a text, the fast scanner must have given up.
 */
class FastYamlEventsTest {
    private static final String[] INSERTS = {" ", "  ", ":", ": ", "-", "- ", "#", " #", "'", "\"", "{", "}", "[", "]",
        ",", "\n", "\n  ", "a", "1", "&a ", "*a", "!", "|", ">", "?", "\t", "\r", "---\n", "...", "%", "\\", "''", "@",
        "\u00e9", "\ufeff", "\u2028", "0x1", "~", "null"};

    record Event(YamlEvents.Kind kind, int line, int column, String value, boolean plain, String anchor, String tag) {}

    /** SnakeYAML's events, or null if it fails on the text. */
    static List<Event> snake(String text) {
        try (SnakeYamlEvents events = new SnakeYamlEvents(new StringReader(text))) {
            return collect(events);
        } catch (YAMLException e) {
            return null;
        }
    }

    /** The fast scanner's events, or null if it gives up. */
    static List<Event> fast(String text) {
        try (FastYamlEvents events = new FastYamlEvents(new StringReader(text))) {
            return collect(events);
        } catch (FastYamlEvents.Unsupported e) {
            return null;
        }
    }

    private static List<Event> collect(YamlEvents events) {
        List<Event> all = new ArrayList<>();
        while (true) {
            YamlEvents.Kind kind = events.next();
            boolean scalar = kind == YamlEvents.Kind.SCALAR || kind == YamlEvents.Kind.ALIAS;
            boolean node = scalar || kind == YamlEvents.Kind.MAPPING_START || kind == YamlEvents.Kind.SEQUENCE_START
                    || kind == YamlEvents.Kind.SECOND_DOCUMENT;
            all.add(new Event(kind, node ? events.line() : 0, node ? events.column() : 0, scalar ? events.value() : null,
                    kind == YamlEvents.Kind.SCALAR && events.plainImplicit(), events.anchor(), events.tag()));
            if (kind == YamlEvents.Kind.END) {
                return all;
            }
        }
    }

    /** Returns whether the fast scanner read the text (false: it gave up, which is always allowed). */
    static boolean agree(String text) {
        List<Event> general = snake(text);
        List<Event> quick = fast(text);
        if (quick == null) {
            return false;
        }
        if (general == null) {
            fail("SnakeYAML refuses this text but the fast scanner read it:\n" + text);
        }
        assertEquals(general, quick, "events of:\n" + text);
        return true;
    }

    static Stream<Path> repositoryYaml() throws Exception {
        Path invalid = Path.of(FastYamlEventsTest.class.getResource("/config/invalid").toURI());
        try (Stream<Path> a = Files.list(invalid); Stream<Path> b = Files.walk(Path.of("..", "examples"))) {
            return Stream.concat(a.toList().stream(), b.filter(p -> p.toString().matches(".*\\.ya?ml")).toList().stream());
        }
    }

    static List<String> seeds() throws Exception {
        List<String> seeds = new ArrayList<>();
        for (Path file : repositoryYaml().toList()) {
            seeds.add(Files.readString(file));
        }
        for (FleetConfigs.Keys keys : FleetConfigs.Keys.values()) {
            StringBuilder text = new StringBuilder(FleetConfigs.base(524288, true));
            for (int i = 0; i < 5; i++) {
                text.append(FleetConfigs.flow(i, keys, 3, i % 2));
            }
            seeds.add(text.toString());
        }
        seeds.addAll(CORNERS);
        return seeds;
    }

    private static final List<String> CORNERS = List.of(
            "", "# only a comment\n", "a: 1", "a:\n", "a:\nb:\n", "- a\n- b\n", "-\n- b\n", "- - a\n  - b\n- c\n",
            "a:\n- x\n- y\nb: 2\n", "a:\n  - x\n  - y\n", "- a: 1\n  b:\n  - x\n  c: 3\n- d\n", "a:\n  b:\n    c: 1\n  d: 2\n",
            "a: {b: 1, c: [x, y, {d: e}]}\n", "a: [ ]\nb: { }\n", "a: {\n  b: 1,\n  c: 2\n}\n", "a: [x,\n   y]\n",
            "a: 'it''s'\nb: \"q\"\n'c d': e\n\"f\": g\n", "a b: c d  # comment\n", "a: b # c\n# d\ne: f\n",
            "a: x:y\nb: -1\nc: -x\n", "a: 1\n  b: 2\n", "a: b: c\n", "a:\n  b\n  c\n", "a: [x\n  y]\n",
            "k: v\n...\n", "---\na: 1\n", "a: 1\n---\nb: 2\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  x\n",
            "a: \"x\\ny\"\n", "a: 'x\n  y'\n", "  a: 1\n  b: 2\n", "a:\n    - x\n  b: 1\n", "a: {b: }\n", "a: [x,]\n",
            "a: {b: 1 , c: 2}\n", "a: [x , y]\n", "a: [x]  # c\n", "a: [x]y\n", "a: 'x' y\n", "a: 'x'#y\n",
            "a: x#y\n", "a:#b\n", "a:b\n", "-x\n", "- -x\n", "a: - x\n", "? a\n: b\n", "a: {b: c}: d\n", "[a, b]\n",
            "{a: b}\n", "plain\n", "a: 1\nb\n", "a:\n -\n  b\n", "a:\n  -\n  - b\n", "a: [{b: c, d: [e, f]}, g]\n",
            "a:\n  - b: c\n    d: e\n  - f: g\n", "- name: f\n  listen: { interface: public, address: 1.2.3.4, port: 1 }\n");

    @Test
    void theFastScannerAgreesWithSnakeYamlOnEveryConfigOfTheRepository() throws Exception {
        int read = 0;
        List<String> seeds = seeds();
        for (String seed : seeds) {
            read += agree(seed) ? 1 : 0;
        }
        // The point of the fast scanner: the configs people write are what it reads.
        int repository = (int) repositoryYaml().count();
        assertTrue(read >= repository, "read " + read + " of " + seeds.size());
    }

    @Test
    void theFastScannerAgreesWithSnakeYamlOnMutations() throws Exception {
        Random random = new Random(20261203);
        List<String> seeds = seeds();
        int read = 0;
        int runs = 12_000;
        for (int run = 0; run < runs; run++) {
            String text = seeds.get(random.nextInt(seeds.size()));
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                text = mutate(text, random);
            }
            read += agree(text) ? 1 : 0;
        }
        assertTrue(read > runs / 4, "the fast scanner read only " + read + " of " + runs + " mutations");
    }

    static String mutate(String text, Random random) {
        int at = text.isEmpty() ? 0 : random.nextInt(text.length() + 1);
        String[] lines = text.split("\n", -1);
        return switch (random.nextInt(6)) {
            case 0 -> text.substring(0, at) + INSERTS[random.nextInt(INSERTS.length)] + text.substring(at);
            case 1 -> at < text.length() ? text.substring(0, at) + text.substring(at + 1) : text;
            case 2 -> at < text.length()
                    ? text.substring(0, at) + INSERTS[random.nextInt(INSERTS.length)] + text.substring(at + 1) : text;
            case 3 -> {
                int l = random.nextInt(lines.length);
                lines[l] = random.nextBoolean() ? " " + lines[l] : lines[l].replaceFirst("^ ", "");
                yield String.join("\n", lines);
            }
            case 4 -> {
                int l = random.nextInt(lines.length);
                List<String> copy = new ArrayList<>(List.of(lines));
                copy.add(l, lines[l]);
                yield String.join("\n", copy);
            }
            default -> {
                int nl = text.indexOf('\n', at);
                yield nl < 0 ? text : text.substring(0, nl) + text.substring(nl + 1);
            }
        };
    }

    @Test
    void aFleetConfigIsReadWithoutGivingUp() throws IOException {
        StringBuilder text = new StringBuilder(FleetConfigs.base(524288, true));
        for (int i = 0; i < 3000; i++) {
            text.append(FleetConfigs.flow(i, FleetConfigs.Keys.RANDOM, 9, 0));
        }
        assertTrue(agree(text.toString()));
    }
}
