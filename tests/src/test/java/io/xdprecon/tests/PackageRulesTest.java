package io.xdprecon.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package-info files are the architecture: each main package has one, and its "May import" paragraph lists the
 * xdprecon packages its code may use (names relative to {@code io.xdprecon}). This test reads every main source of
 * every module — imports and fully qualified names outside comments — and holds each package to its list; the
 * lists themselves may not form a cycle. Plain source reading: no library, no class files.
 */
class PackageRulesTest {
    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    static final List<String> MODULES = List.of("dataplane", "reconciler", "tests");
    static final Pattern MAY_IMPORT = Pattern.compile("<p>May import:(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
    static final Pattern CODE = Pattern.compile("\\{@code ([a-z][a-z0-9.]*)}");
    static final Pattern USE = Pattern.compile("io\\.xdprecon\\.((?:[a-z][a-z0-9]*\\.)*[a-z][a-z0-9]*)\\.[A-Z]");
    static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    static final Pattern PACKAGE = Pattern.compile("^package io\\.xdprecon\\.([\\w.]+);", Pattern.MULTILINE);

    /** Package (relative to io.xdprecon) → its source files, over every module's main sources. */
    static Map<String, List<Path>> packages() throws IOException {
        Map<String, List<Path>> packages = new TreeMap<>();
        for (String module : MODULES) {
            Path root = REPOSITORY.resolve(module).resolve("src/main/java/io/xdprecon");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                    packages.computeIfAbsent(pkg, p -> new ArrayList<>()).add(file);
                }
            }
        }
        return packages;
    }

    /** What a package-info allows; nothing, with a violation, when the file or its paragraph is missing. */
    static Set<String> allowed(String pkg, List<Path> files, List<String> violations) throws IOException {
        Set<String> allowed = new TreeSet<>();
        Path info = files.stream().filter(f -> f.getFileName().toString().equals("package-info.java")).findFirst().orElse(null);
        if (info == null) {
            violations.add("io.xdprecon." + pkg + " has no package-info.java saying what lives there and what it may import");
            return allowed;
        }
        Matcher paragraph = MAY_IMPORT.matcher(Files.readString(info));
        if (!paragraph.find()) {
            violations.add(REPOSITORY.relativize(info) + " has no '<p>May import:' paragraph");
            return allowed;
        }
        CODE.matcher(paragraph.group(1)).results().forEach(m -> allowed.add(m.group(1)));
        return allowed;
    }

    @Test
    void everyPackageUsesOnlyWhatItsPackageInfoAllows() throws IOException {
        Map<String, List<Path>> packages = packages();
        Map<String, Set<String>> rules = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : packages.entrySet()) {
            Set<String> allowed = allowed(e.getKey(), e.getValue(), violations);
            rules.put(e.getKey(), allowed);
            allowed.stream().filter(p -> !packages.containsKey(p))
                    .forEach(p -> violations.add(e.getKey() + " allows " + p + ", which is no package"));
            for (Path file : e.getValue()) {
                String code = COMMENTS.matcher(Files.readString(file)).replaceAll(" ");
                Matcher declared = PACKAGE.matcher(code);
                assertTrue(declared.find() && declared.group(1).equals(e.getKey()), file + " declares another package");
                Set<String> used = new TreeSet<>();
                USE.matcher(code).results().map(m -> m.group(1)).filter(p -> !p.equals(e.getKey())).forEach(used::add);
                used.removeAll(allowed);
                used.forEach(p -> violations.add(REPOSITORY.relativize(file) + " uses " + p
                        + ", which io.xdprecon." + e.getKey() + "'s package-info does not allow"));
            }
        }
        assertEquals(List.of(), violations);
        assertEquals(List.of(), cycles(rules), "the allowed imports form a cycle");
    }

    /**
     * Native memory stays behind the dataplane's typed views: no source outside the {@code dataplane} module — main,
     * test or bench — names {@code java.lang.foreign}; tests that play the datapath's part use the byte-array forms
     * ({@code BpfMap.update(byte[], byte[], …)}, {@code Abi.u32Bytes}, {@code Abi.perCpuCounterBytes}).
     */
    @Test
    void nativeMemoryIsUsedOnlyInTheDataplane() throws IOException {
        String foreign = "java.lang" + ".foreign"; // spelled apart: this file is read too
        List<String> violations = new ArrayList<>();
        for (String module : MODULES.stream().filter(m -> !m.equals("dataplane")).toList()) {
            try (Stream<Path> files = Files.walk(REPOSITORY.resolve(module).resolve("src"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    if (COMMENTS.matcher(Files.readString(file)).replaceAll(" ").contains(foreign)) {
                        violations.add(REPOSITORY.relativize(file).toString());
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "sources outside dataplane/ that use " + foreign);
    }

    @Test
    void aCycleInTheRulesIsFound() {
        assertEquals(List.of("a", "b", "c", "a"), cycles(new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")))));
        assertEquals(List.of(), cycles(new TreeMap<>(Map.of("a", Set.of("b", "c"), "b", Set.of("c"), "c", Set.of()))));
    }

    /** The packages on a cycle of {@code rules}, if any (depth-first search). */
    static List<String> cycles(Map<String, Set<String>> rules) {
        List<String> cycle = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (String start : rules.keySet()) {
            visit(start, rules, new ArrayList<>(), done, cycle);
        }
        return cycle;
    }

    private static void visit(String pkg, Map<String, Set<String>> rules, List<String> path, Set<String> done, List<String> cycle) {
        if (!cycle.isEmpty() || done.contains(pkg)) {
            return;
        }
        int at = path.indexOf(pkg);
        if (at >= 0) {
            cycle.addAll(path.subList(at, path.size()));
            cycle.add(pkg);
            return;
        }
        path.add(pkg);
        for (String next : rules.getOrDefault(pkg, Set.of())) {
            visit(next, rules, path, done, cycle);
        }
        path.removeLast();
        done.add(pkg);
    }
}
