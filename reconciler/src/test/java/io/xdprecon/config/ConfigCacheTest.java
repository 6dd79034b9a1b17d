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

    /** {@code texts} as inputs whose opening is counted, by the thread that opens them, and may first run {@code before}. */
    private static List<ConfigInput> counted(Path root, Map<String, String> texts, List<String> openedOn, Runnable before) {
        return inputs(root, texts).stream().map(input -> new ConfigInput(input.name(), input.id(), () -> {
            before.run();
            openedOn.add(Thread.currentThread().getName());
            return input.bytes().open();
        })).toList();
    }

    private static List<ConfigInput> counted(Path root, Map<String, String> texts, List<String> openedOn) {
        return counted(root, texts, openedOn, () -> { });
    }

    /**
     * A daemon's start reads its first revision ahead, on a thread of its own, while it makes the rest of itself; its
     * first load, of the same files, takes that result and reads no file (issue 9). Fails before: the load reads all 9.
     */
    @Test
    void aLoadOfTheFilesReadAheadTakesTheirResultAndReadsNoFile() {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(8, 50);
        List<String> aheadOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> loadOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConfigCache cache = new ConfigCache();
        cache.readAhead(root, counted(root, texts, aheadOn), "n", LAB);
        ConfigCache.Loaded loaded = cache.load(root, counted(root, texts, loadOn), "n", LAB);
        assertEquals(List.of(), loadOn, "the load read no file");
        assertEquals(9, aheadOn.size());
        assertFalse(aheadOn.contains(Thread.currentThread().getName()), "read ahead on other threads: " + aheadOn);
        assertEquals(new ConfigCache.Reads(9, 0), cache.lastReads(), "what the read ahead read");
        ConfigCache.Stages stages = cache.lastStages();
        assertTrue(stages.aheadNanos() + stages.readNanos() + stages.checksNanos() + stages.rulesNanos() > 0, stages.toString());
        assertTrue(stages.readAhead(), stages.toString());
        assertEquals(ConfigLoader.load(root, inputs(root, texts)).forNode("n", LAB).rules(), loaded.desired().rules(),
                "what a full load gives");

        texts.put("flows/03.yaml", texts.get("flows/03.yaml").replace("5004", "5005"));
        cache.readAhead(root, counted(root, texts, aheadOn), "n", LAB);
        assertEquals(new ConfigCache.Reads(1, 8), reload(cache, root, texts), "no read ahead after a load");
    }

    private static ConfigCache.Reads reload(ConfigCache cache, Path root, Map<String, String> texts) {
        ConfigCache.Loaded loaded = cache.load(root, inputs(root, texts), "n", LAB);
        assertEquals(ConfigLoader.load(root, inputs(root, texts)).forNode("n", LAB).rules(), loaded.desired().rules(),
                "what a full load gives");
        return cache.lastReads();
    }

    /** A file changed after the read ahead: the load reads it alone, as any load after another. */
    @Test
    void aLoadOfOtherFilesThanReadAheadReadsTheNewContentOnly() {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(8, 50);
        ConfigCache cache = new ConfigCache();
        cache.readAhead(root, inputs(root, texts), "n", LAB);
        texts.put("flows/03.yaml", texts.get("flows/03.yaml").replace("5004", "5005"));
        assertEquals(new ConfigCache.Reads(1, 8), reload(cache, root, texts));
        assertEquals(0, cache.lastStages().aheadNanos());
        assertFalse(cache.lastStages().readAhead(), "the load took no read ahead");
    }

    /**
     * Rules read ahead in another network namespace (other ifindexes, a device missing) are built again where the load
     * resolves them: a daemon's loop may run elsewhere than the thread that started it.
     */
    @Test
    void rulesReadAheadWhereDevicesResolveOtherwiseAreBuiltAgain() {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(2, 5);
        for (InterfaceResolver elsewhere : List.of(InterfaceResolver.of(Map.of("pc", 7, "ps", 3)),
                InterfaceResolver.of(Map.of()))) {
            ConfigCache cache = new ConfigCache();
            cache.readAhead(root, inputs(root, texts), "n", elsewhere);
            List<String> loadOn = new java.util.concurrent.CopyOnWriteArrayList<>();
            ConfigCache.Loaded loaded = cache.load(root, counted(root, texts, loadOn), "n", LAB);
            assertEquals(List.of(), loadOn, "the files were read ahead all the same");
            assertEquals(ConfigLoader.load(root, inputs(root, texts)).forNode("n", LAB).rules(), loaded.desired().rules(),
                    "the rules of the load's devices");
            assertEquals(Map.of("pc", 2, "ps", 3), loaded.desired().datapath().attachTo());
        }
    }

    /** A bad config read ahead: the load finds and throws the errors a full load finds, its bad files read again. */
    @Test
    void aBadConfigReadAheadFailsTheLoadWithAFullLoadsErrors() {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(2, 3);
        texts.put("flows/99.yaml", "flows:\n" + FleetConfigs.flow(100, FleetConfigs.Keys.EVEN, 7, 0).replace("f100", "f1"));
        texts.put("flows/98.yaml", "flows:\n  - name: broken\n    client: 10.0.0.300:1\n");
        String full = String.join("\n", assertThrows(ConfigException.class,
                () -> ConfigLoader.load(root, inputs(root, texts))).lines());
        ConfigCache cache = new ConfigCache();
        cache.readAhead(root, inputs(root, texts), "n", LAB);
        ConfigException e = assertThrows(ConfigException.class, () -> cache.load(root, inputs(root, texts), "n", LAB));
        assertEquals(full, String.join("\n", e.lines()));
        assertEquals(1, cache.lastReads().read(), "the file with problems, read again");
    }

    /**
     * The load waits for the read ahead as busy as it is: its CPU counts as the load's work where the caller counts it
     * (the daemon's watchdog, fed while its loop works). Fails before: the loop waiting counted nothing, and the read
     * ahead here spins to its bound.
     */
    @Test
    void aLoadWaitingForTheReadAheadCountsItsCpu() throws Exception {
        Path root = Path.of("/srv/fleet");
        Map<String, String> texts = fleet(2, 5);
        io.xdprecon.host.InOrder.WorkCpu loop = new io.xdprecon.host.InOrder.WorkCpu();
        long bound = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos(); // a failure's bound, not a timing
        java.util.concurrent.atomic.AtomicBoolean spun = new java.util.concurrent.atomic.AtomicBoolean();
        ConfigCache cache = new ConfigCache();
        cache.readAhead(root, counted(root, texts, new java.util.concurrent.CopyOnWriteArrayList<>(), () -> {
            long work = 0;
            while (!spun.get() && loop.nanos() < 20_000_000L && System.nanoTime() < bound) {
                work += Long.numberOfTrailingZeros(work * 31 + 1); // until the waiting load has counted it
            }
            spun.set(true);
        }), "n", LAB);
        io.xdprecon.host.InOrder.countingCpuIn(loop, () -> cache.load(root, inputs(root, texts), "n", LAB));
        assertTrue(loop.nanos() >= 20_000_000L && System.nanoTime() < bound, "counted: " + loop.nanos());
        assertEquals(new ConfigCache.Reads(3, 0), cache.lastReads(), "taken from the read ahead");
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
