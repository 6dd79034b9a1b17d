package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every bound of a config file (README "Bounds of a config") is an error naming it, at its place, in time and memory
 * linear in the input: size, line length, key length, nesting, values outside flows, values of one flow, alias
 * expansion, and the errors shown. Counts and messages are asserted; how long it took is not (bench rows print it).
 */
class ConfigBoundsTest {
    static final Path NAME = Path.of("f.yaml");
    static final String EXAMPLE = read();

    private static String read() {
        try {
            return Files.readString(Path.of("../examples/flows.yaml"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> refused(String text) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(NAME, text)).lines();
    }

    private static int lines(String text) {
        return (int) text.chars().filter(c -> c == '\n').count();
    }

    @Test
    void aLineLongerThanTheBoundIsRefusedWhereItPassesIt() {
        // The issue's 10 MB line: it kept the fast reader's buffer growing (a 100 MB one ran a 256 MB heap out).
        String text = EXAMPLE + "x: " + "a".repeat(10 << 20) + "\n";
        int line = lines(EXAMPLE) + 1;
        assertEquals(List.of("f.yaml:" + line + ":" + (BoundedText.MAX_LINE + 1) + ": line " + line
                + " is longer than 1048576 characters (1 Mi), the bound of a line; break it (a JSON config: pretty-print it)"),
                refused(text));
        String atTheBound = EXAMPLE + "x: " + "a".repeat(BoundedText.MAX_LINE - 3) + "\n";
        assertTrue(refused(atTheBound).getFirst().contains("unknown property 'x'"), "a line of exactly the bound is read");
    }

    @Test
    void aFileLargerThanTheBoundIsRefusedWhereItPassesIt() {
        // Comment lines, streamed: 128 Mi characters are never held, in the test or in the loader.
        long size = YamlReader.MAX_CODE_POINTS + 100L;
        byte[] line = ("#" + "c".repeat(1022) + "\n").getBytes(StandardCharsets.UTF_8);
        ConfigInput input = new ConfigInput(NAME, "big", () -> new InputStream() {
            long at;

            @Override
            public int read() {
                return at < size ? line[(int) (at++ % line.length)] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = (int) Math.min(len, size - at);
                if (n <= 0) {
                    return -1;
                }
                for (int i = 0; i < n; i++) {
                    b[off + i] = line[(int) (at++ % line.length)];
                }
                return n;
            }
        });
        List<String> errors = assertThrows(ConfigException.class, () -> ConfigLoader.load(NAME, List.of(input))).lines();
        assertEquals(List.of("f.yaml:131073:1: the file is larger than 134217728 characters (128 Mi), the bound of one"
                + " config file; split it over several files (a config directory)"), errors);
    }

    /** {@code size} bytes of comment lines, streamed: never held, in the test or in the loader. */
    private static ConfigInput comments(Path name, long size) {
        byte[] line = ("#" + "c".repeat(1022) + "\n").getBytes(StandardCharsets.UTF_8);
        return new ConfigInput(name, name.toString(), () -> new InputStream() {
            long at;

            @Override
            public int read() {
                return at < size ? line[(int) (at++ % line.length)] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = (int) Math.min(len, size - at);
                if (n <= 0) {
                    return -1;
                }
                for (int i = 0; i < n; i++) {
                    b[off + i] = line[(int) (at++ % line.length)];
                }
                return n;
            }
        });
    }

    @Test
    void aDirectoryWhoseFilesTogetherPassTheBoundIsRefusedAtTheFileThatPassesIt() {
        // Each file within the bound of one; together they held what no heap does (a file's results are kept).
        long third = YamlReader.MAX_CODE_POINTS / 3 + 1024;
        Path root = Path.of("conf.d");
        List<ConfigInput> files = List.of(comments(root.resolve("a.yaml"), third), comments(root.resolve("b.yaml"), third),
                comments(root.resolve("c.yaml"), third), comments(root.resolve("d.yaml"), third));
        List<String> errors = assertThrows(ConfigException.class, () -> ConfigLoader.load(root, files)).lines();
        assertEquals(List.of("conf.d/c.yaml: the config's files hold more than 134217728 characters (128 Mi) with this one,"
                + " the bound of a config directory as of one file; the files after it were not read"), errors);
    }

    @Test
    void aKeyLongerThanTheBoundIsRefusedAtTheKey() {
        // A simple key past YAML's 1024 characters, as SnakeYAML refuses it, in words (the issue's 1 MB key is past the
        // bound of a line too, which is met first).
        int line = lines(EXAMPLE) + 1;
        assertEquals(List.of("f.yaml:" + line + ":1: a key longer than 1024 characters, the bound of a key (YAML's for a"
                + " simple key; keys are names), or text where a key belongs"),
                refused(EXAMPLE + "k".repeat(100_000) + ": 1\n"));
        assertTrue(refused(EXAMPLE + "k".repeat(1 << 20) + ": 1\n").getFirst().contains("the bound of a line"));
        // An explicit key (? KEY) has no bound in YAML: the reader's.
        assertEquals(List.of("f.yaml:" + line + ":3: a key of 5000 characters, longer than 1024, the bound of a key (keys"
                + " are names): '" + "k".repeat(32) + "...'"), refused(EXAMPLE + "? " + "k".repeat(5000) + "\n: 1\n"));
    }

    @Test
    void nestingDeeperThanTheBoundIsRefusedWhereItPassesIt() {
        StringBuilder deep = new StringBuilder(EXAMPLE).append("x:\n");
        for (int i = 1; i < 200; i++) {
            deep.append(" ".repeat(i)).append("k:\n");
        }
        int line = lines(EXAMPLE) + 1;
        assertEquals(List.of("f.yaml:" + (line + 50) + ":51: invalid YAML: Nesting Depth exceeded max 50 (mappings and"
                + " lists within each other; a config needs 6)"), refused(deep.toString()));
    }

    @Test
    void moreValuesOutsideFlowsThanTheBoundAreRefusedAtTheFirstOneOver() {
        // 2 million localIps ran the unit's 256 MB heap out: the tree is bounded, the streamed flows are not in it.
        int at = EXAMPLE.indexOf("localIps:\n") + "localIps:\n".length();
        StringBuilder text = new StringBuilder(EXAMPLE.substring(0, at));
        for (int i = 0; i < YamlReader.MAX_TREE_VALUES; i++) {
            text.append("  - 10.").append(i >> 16 & 255).append('.').append(i >> 8 & 255).append('.').append(i & 255).append('\n');
        }
        text.append(EXAMPLE.substring(at));
        List<String> errors = refused(text.toString());
        assertEquals(1, errors.size(), errors.toString());
        // The values before localIps' items: the root, apiVersion, interfaces (2 x 2), localIps.
        assertTrue(errors.getFirst().matches("f\\.yaml:\\d+:5: more than 200000 values outside flows, the bound of a"
                + " config's other sections \\(localIps, services, nodes, \\.\\.\\.\\)"), errors.getFirst());
    }

    @Test
    void aConfigWithAnchorsHoldingMoreValuesThanTheBoundIsRefusedWhileComposed() {
        // SnakeYAML's composer held all of it before any bound looked: 3 million values (18 MB) ran the 256 MB heap out.
        String text = EXAMPLE.replace("localIps:\n", "localIps: &ips\n" + "  - 1\n".repeat(YamlReader.MAX_TREE_VALUES));
        List<String> errors = refused(text);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().matches("f\\.yaml:\\d+:5: more than 200000 values in a config that uses anchors or"
                + " aliases, the bound of such a config: it is composed whole \\(its flows too\\), where one without them"
                + " has its flows streamed; write the big parts without anchors"), errors.getFirst());
    }

    @Test
    void aFlowWithMoreValuesThanTheBoundIsRefusedAtTheFlow() {
        int at = EXAMPLE.indexOf("  - name: rtp-alice\n");
        String huge = "  - name: huge\n    extra: [" + "1, ".repeat(YamlReader.MAX_ITEM_VALUES) + "1]\n";
        String text = EXAMPLE.substring(0, at) + huge + EXAMPLE.substring(at);
        assertEquals(List.of("f.yaml:" + (lines(EXAMPLE.substring(0, at)) + 1) + ":5: flows[0] holds more than 10000"
                + " values or 1048576 characters (1 Mi), the bound of one flow (a flow has about 20 values, 300 characters)"),
                refused(text));
    }

    @Test
    void aFlowWithMoreCharactersThanTheBoundIsRefusedAtTheFlow() {
        // Two values of 600,000 characters, each on a line within the line bound: 10,000 such values were 12 GB.
        int at = EXAMPLE.indexOf("  - name: rtp-alice\n");
        String long600k = "a".repeat(600_000);
        String huge = "  - name: " + long600k + "\n    note: " + long600k + "\n";
        String text = EXAMPLE.substring(0, at) + huge + EXAMPLE.substring(at);
        assertEquals(List.of("f.yaml:" + (lines(EXAMPLE.substring(0, at)) + 1) + ":5: flows[0] holds more than 10000"
                + " values or 1048576 characters (1 Mi), the bound of one flow (a flow has about 20 values, 300 characters)"),
                refused(text));
    }

    @Test
    void moreCharactersOutsideFlowsThanTheBoundAreRefused() {
        // 120 localIps of a line's 1 Mi characters each ran the unit's 256 MB heap out (OutOfMemoryError in Values.ipv4).
        int at = EXAMPLE.indexOf("localIps:\n") + "localIps:\n".length();
        String value = "  - " + "x".repeat(1_000_000) + "\n";
        String text = EXAMPLE.substring(0, at) + value.repeat(17) + EXAMPLE.substring(at);
        int line = lines(EXAMPLE.substring(0, at)) + 17; // the 17th passes 16 Mi
        assertEquals(List.of("f.yaml:" + line + ":5: more than 16777216 characters (16 Mi) in the keys and values outside"
                + " flows, the bound of a config's other sections (localIps, services, nodes, ...)"), refused(text));
    }

    @Test
    void aBlockValueLongerThanTheBoundIsRefusedBeforeItIsHeld() {
        // A 100 MB block scalar (lines within the line bound) was built whole and ran the 256 MB heap out.
        String block = ("      " + "x".repeat(1000) + "\n").repeat(17 * 1024);
        int at = EXAMPLE.indexOf("  - name: rtp-alice\n");
        String inFlow = EXAMPLE.substring(0, at) + "  - name: |\n" + block + EXAMPLE.substring(at + "  - name: rtp-alice\n".length());
        int line = lines(EXAMPLE.substring(0, at)) + 1;
        List<String> errors = refused(inFlow);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().matches("f\\.yaml:" + line + ":9: more than 16777216 characters \\(16 Mi\\) from here to"
                + " line \\d+ without a YAML node between them, the bound of one value: a block or multi-line value \\(or a"
                + " stretch of comments\\) this long is refused"), errors.getFirst());
        // The same outside flows, and through the tree way (an anchor makes SnakeYAML compose the whole text).
        String outside = EXAMPLE.replace("apiVersion: xdprecon.io/v1\n", "apiVersion: xdprecon.io/v1\nnote: &n |\n" + block);
        int noteLine = lines(EXAMPLE.substring(0, EXAMPLE.indexOf("apiVersion:"))) + 2;
        List<String> composed = refused(outside);
        assertEquals(1, composed.size(), composed.toString());
        assertTrue(composed.getFirst().startsWith("f.yaml:" + noteLine + ":"), composed.getFirst());
        assertTrue(composed.getFirst().contains("the bound of one value"), composed.getFirst());
    }

    @Test
    void commentsBetweenNodesWithinTheBoundAreRead() {
        // 100,000 commented-out lines (a block of flows switched off) among flows read by SnakeYAML (a block scalar).
        int at = EXAMPLE.indexOf("  - name: rtp-alice\n");
        String text = EXAMPLE.substring(0, at) + "  - name: |\n      block\n" + "#   - name: off\n".repeat(100_000)
                + EXAMPLE.substring(at + "  - name: rtp-alice\n".length());
        List<String> errors;
        try {
            ConfigLoader.parse(NAME, text);
            errors = List.of();
        } catch (ConfigException e) {
            errors = e.lines();
        }
        assertTrue(errors.stream().noneMatch(e -> e.contains("bound")), errors.toString());
    }

    @Test
    void twentyThousandErrorsAreCountedAndTheFirstHundredShown() {
        // The issue's 20K invalid localIps: was quadratic (10 s, 1.08 GB, 20K lines printed).
        int at = EXAMPLE.indexOf("localIps:\n") + "localIps:\n".length();
        int end = EXAMPLE.indexOf("\ndatapath:");
        StringBuilder text = new StringBuilder(EXAMPLE.substring(0, at));
        for (int i = 0; i < 20_000; i++) {
            text.append("  - 300.0.").append(i >> 8).append('.').append(i & 255).append('\n');
        }
        text.append(EXAMPLE.substring(end));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(NAME, text.toString()));
        assertEquals(20_000, e.errors().size());
        assertEquals(ConfigException.SHOWN + 1, e.lines().size());
        assertEquals("f.yaml:16:5: localIps[0]: '300.0.0.0' is not an IPv4 address (octet 300 > 255)", e.lines().getFirst());
        assertEquals("... and 19900 more errors (100 of 20000 shown)", e.lines().getLast());
    }

    @Test
    void errorsOfFlowsPastTheBoundAreCountedNotKept() {
        // An unknown key a line: a file of 128 Mi characters could hold millions of errors.
        int at = EXAMPLE.indexOf("  - name: rtp-alice\n");
        StringBuilder text = new StringBuilder(EXAMPLE.substring(0, at));
        int flows = FileParser.MAX_FLOW_ERRORS / 10 + 5;
        for (int i = 0; i < flows; i++) {
            text.append("  - name: f").append(i).append('\n');
            for (int k = 0; k < 20; k++) {
                text.append("    x").append(k).append(": 1\n");
            }
        }
        text.append(EXAMPLE.substring(at));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(NAME, text.toString()));
        // Each flow: 20 unknown keys and one "are required" (client, listen, egress, server): 21 errors.
        int kept = (FileParser.MAX_FLOW_ERRORS + 20) / 21 * 21;
        assertEquals(kept, e.errors().size());
        assertEquals(flows * 21, e.count());
        assertEquals("... and " + (flows * 21 - 100) + " more errors (100 of " + flows * 21 + " shown)", e.lines().getLast());
    }

    @Test
    void clashesBetweenFlowsPastTheBoundAreCountedNotPlaced() {
        // Placing a clash reads its flow's item again and keeps its positions: 212,000 flows reusing the egress of
        // another (one port per 50,000 flows) ran the unit's 256 MB heap out. 10,100 such clashes here.
        int clashes = FileParser.MAX_FLOW_ERRORS + 100;
        StringBuilder text = new StringBuilder("""
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: ens5 }
                  private: { device: ens6 }
                localIps: [203.0.113.10, 10.0.0.1]
                flows:
                """);
        for (int i = 0; i < 2 * clashes; i++) {
            int port = 10000 + i % clashes;
            text.append("  - name: f").append(i).append("\n    client: 198.51.").append(i >> 8 & 255).append('.')
                    .append(i & 255).append(':').append(1024 + (i >> 16)).append("\n    listen: { interface: public,"
                    + " address: 203.0.113.10, port: ").append(port).append(" }\n    egress: { interface: private,"
                    + " address: 10.0.0.1, port: ").append(port).append(" }\n    server: 10.1.0.1:5004\n");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(NAME, text.toString()));
        assertEquals(clashes, e.count(), e.lines().getLast());
        assertEquals(FileParser.MAX_FLOW_ERRORS, e.errors().size(), "placed; the rest counted");
        assertTrue(e.errors().getFirst().message().contains("is already the egress of flow 'f0'"), e.errors().getFirst().toString());
        assertEquals("... and " + (clashes - 100) + " more errors (100 of " + clashes + " shown)", e.lines().getLast());
    }

    @Test
    void aliasesExpandingPastTheBoundAreRefused() {
        StringBuilder laughs = new StringBuilder("apiVersion: xdprecon.io/v1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            laughs.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, "*a" + (i - 1)))).append("]\n");
        }
        List<String> errors = refused(laughs.toString());
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().contains("aliases expand to more than 100000 values"), errors.getFirst());
    }

    @Test
    void aMessageQuotingAHugeValueIsCutInTheMiddle() {
        String value = "d".repeat(BoundedText.MAX_LINE - 100);
        List<String> errors = refused(EXAMPLE.replace("  icmpEcho: answer ", "  icmpEcho: " + value + " "));
        assertEquals(1, errors.size());
        String error = errors.getFirst();
        assertTrue(error.length() < ConfigError.MAX_MESSAGE + 100, error.length() + " characters");
        assertTrue(error.startsWith("f.yaml:23:13: datapath.icmpEcho: 'ddd") && error.endsWith("ddd' is not one of: answer, drop")
                && error.contains("[... 10"), error);
    }
}
