package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.lab.FleetConfigs;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The daemon's loader reads a revision's files only where their content is new, and still says everything a full
 * load says: a cached file's values are placed under the revision that delivers them now.
 */
class ConfigCacheTest {
    private static final InterfaceResolver LAB = InterfaceResolver.of(Map.of("pc", 2, "ps", 3));

    private static Map<String, String> fleet(int files, int flowsPerFile) {
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("base.yaml", FleetConfigs.base(FleetConfigs.maxRules(1), false));
        for (int f = 0; f < files; f++) {
            StringBuilder text = new StringBuilder("flows:\n");
            for (int i = 0; i < flowsPerFile; i++) {
                text.append(FleetConfigs.flow(f * flowsPerFile + i, FleetConfigs.Keys.EVEN, 7, 0));
            }
            texts.put("flows/%02d.yaml".formatted(f), text.toString());
        }
        return texts;
    }

    private static List<ConfigInput> inputs(Path root, Map<String, String> texts) {
        return texts.entrySet().stream().map(e -> ConfigInput.ofText(root.resolve(e.getKey()), e.getValue())).toList();
    }

    @Test
    void onlyFilesOfNewContentAreReadAndTheResultIsAFullLoads() {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(8, 50);
        ConfigCache cache = new ConfigCache();
        cache.load(root, inputs(root, texts));
        assertEquals(new ConfigCache.Reads(9, 0), cache.lastReads());
        cache.load(root, inputs(root, texts));
        assertEquals(new ConfigCache.Reads(0, 9), cache.lastReads(), "the same revision again reads nothing");

        texts.put("flows/03.yaml", texts.get("flows/03.yaml").replace("5004", "5005"));
        ConfigCache.Loaded loaded = cache.load(root, inputs(root, texts), "n", LAB);
        assertEquals(new ConfigCache.Reads(1, 8), cache.lastReads(), "one changed file is read");
        assertEquals(ConfigLoader.load(root, inputs(root, texts)).forNode("n", LAB).rules(), loaded.desired().rules(),
                "what a full load gives");
    }

    @Test
    void aProblemBetweenAKeptFileAndANewOneNamesTheKeptFileUnderTheNewRevision() {
        Map<String, String> texts = fleet(2, 3);
        ConfigCache cache = new ConfigCache();
        Path first = Path.of("https:/git.example.org/fleet.git@aaaaaaaaaaaa:edge");
        cache.load(first, inputs(first, texts));
        // The next commit adds a file whose flow takes the name of one in flows/00.yaml (kept, not read again).
        texts.put("flows/99.yaml", "flows:\n" + FleetConfigs.flow(100, FleetConfigs.Keys.EVEN, 7, 0).replace("f100", "f1"));
        Path second = Path.of("https:/git.example.org/fleet.git@bbbbbbbbbbbb:edge");
        ConfigException e = assertThrows(ConfigException.class, () -> cache.load(second, inputs(second, texts)));
        assertEquals(1, cache.lastReads().read(), "only the new file was read");
        String all = String.join("\n", e.lines());
        assertTrue(all.contains(second.resolve("flows/00.yaml") + ":"), all);
        assertFalse(all.contains("aaaaaaaaaaaa"), "nothing names the revision the kept file was read in: " + all);
        assertEquals(String.join("\n", assertThrows(ConfigException.class,
                () -> ConfigLoader.load(second, inputs(second, texts))).lines()), all, "what a full load says");
    }

    /**
     * One file's edits replace the only table of the kept index (cleared at once): each revision is still checked
     * as a full load checks it — a name taken twice found, then gone once the edit undoes it.
     */
    @Test
    void aOneFileConfigEditedAgainAndAgainIsCheckedAsAFullLoad() {
        Path file = Path.of("/srv/edge.yaml");
        ConfigCache cache = new ConfigCache();
        List<String> revisions = List.of(oneFile(40, -1, 0), oneFile(40, 7, 1), oneFile(40, 7, 1).replace("f8\n", "f7\n"),
                oneFile(40, 7, 2), oneFile(41, 7, 2));
        for (String text : revisions) {
            List<ConfigInput> input = List.of(ConfigInput.ofText(file, text));
            List<ConfigInput> again = List.of(ConfigInput.ofText(file, text));
            try {
                ConfigCache.Loaded loaded = cache.load(file, input, "n", LAB);
                assertEquals(1, cache.lastReads().read());
                assertEquals(ConfigLoader.load(file, again).forNode("n", LAB).rules(), loaded.desired().rules(),
                        "what a full load gives");
            } catch (ConfigException e) {
                assertEquals(String.join("\n", assertThrows(ConfigException.class,
                        () -> ConfigLoader.load(file, again)).lines()), String.join("\n", e.lines()), "what a full load says");
                assertTrue(String.join("\n", e.lines()).contains("f7"), String.join("\n", e.lines()));
            }
        }
    }

    private static String oneFile(int flows, int edited, int variant) {
        StringBuilder text = new StringBuilder(FleetConfigs.base(FleetConfigs.maxRules(flows), true));
        for (int i = 0; i < flows; i++) {
            text.append(FleetConfigs.flow(i, FleetConfigs.Keys.EVEN, 7, i == edited ? variant : 0));
        }
        return text.toString();
    }

    @Test
    void aFileWithProblemsIsReadAgain() {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(2, 3);
        texts.put("flows/01.yaml", "flows:\n  - name: broken\n    client: 10.0.0.300:1\n");
        ConfigCache cache = new ConfigCache();
        assertThrows(ConfigException.class, () -> cache.load(root, inputs(root, texts)));
        assertThrows(ConfigException.class, () -> cache.load(root, inputs(root, texts)));
        assertEquals(new ConfigCache.Reads(1, 2), cache.lastReads(), "its errors are found again, not kept");
    }
}
