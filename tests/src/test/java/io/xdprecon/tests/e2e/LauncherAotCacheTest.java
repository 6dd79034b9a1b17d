package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' class path holds only jars whose classes the JDK's AOT cache can hold (the build's copies,
 * reconciler/CacheableJars.java): picocli's jar, compiled for Java 5, and JGit's and Bouncy Castle's, signed, left
 * their classes out of the cache, loaded and verified at every start of every command. And the checkout's launcher
 * runs picocli and the command from the cache it trains.
 */
class LauncherAotCacheTest {
    @TempDir
    Path dir;

    @Test
    void theLaunchersClassPathHasNoClassOlderThanJava6AndNoSignedJar() throws IOException {
        Path classpath = Shell.REPOSITORY.resolve("reconciler/target/runtime.classpath");
        List<String> refused = new ArrayList<>();
        List<String> jars = List.of(Files.readString(classpath).strip().split(":"));
        assertTrue(jars.stream().anyMatch(j -> j.contains("/picocli-")), "picocli is on " + classpath + ": " + jars);
        for (String jar : jars) {
            try (ZipFile zip = new ZipFile(jar)) {
                for (ZipEntry entry : zip.stream().toList()) {
                    String name = entry.getName();
                    if (name.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)")) {
                        refused.add(jar + " is signed (" + name + ")");
                    } else if (name.endsWith(".class") && !name.startsWith("META-INF/") && majorVersion(zip, entry) < 50) {
                        refused.add(jar + " holds " + name + " of class file version " + majorVersion(zip, entry));
                        break;
                    }
                }
            }
        }
        assertEquals(List.of(), refused, "jars whose classes the AOT cache cannot hold");
    }

    @Test
    void theLauncherRunsPicocliAndTheCommandFromItsAotCache() throws IOException {
        Path log = dir.resolve("class-load.log");
        // the launcher trains its cache first if the build is newer than it (10–20 s)
        Shell validate = Shell.run(Duration.ofMinutes(5), List.of("env", "XDPRECON_JAVA_OPTS=-Xlog:class+load=info:file=" + log,
                Shell.REPOSITORY.resolve("xdprecon").toString(), "validate",
                Shell.REPOSITORY.resolve("examples/flows.yaml").toString()));
        assertEquals(0, validate.exit(), validate.output());
        List<String> lines = Files.readAllLines(log);
        for (String type : List.of("picocli.CommandLine", "picocli.CommandLine$Model$CommandSpec", "io.xdprecon.cli.ValidateCommand")) {
            String loaded = lines.stream().filter(l -> l.contains(" " + type + " source: ")).findFirst().orElse("(not loaded)");
            assertTrue(loaded.endsWith("source: shared objects file"), type + " from the AOT cache: " + loaded);
        }
    }

    private static int majorVersion(ZipFile zip, ZipEntry entry) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] header = in.readNBytes(8);
            return (header[6] & 0xff) << 8 | (header[7] & 0xff);
        }
    }
}
