package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/install.sh} makes a prefix that runs on its own: the systemd unit hides /root
 * (ProtectHome=yes), so the installed launcher must need neither ~/.m2 nor the checkout. Proven by running it
 * in a private mount namespace where both are covered by empty tmpfs mounts.
 */
class InstallTest {

    @TempDir
    Path dir;

    @Test
    void theInstalledPrefixRunsWithoutTheCheckoutOrMavensRepository() throws Exception {
        Path prefix = dir.resolve("opt-xdprecon");
        Shell install = Shell.install(prefix);
        assertEquals(0, install.exit(), install.output());

        List<String> classpath = List.of(Files.readString(Shell.REPOSITORY.resolve("reconciler/target/runtime.classpath"))
                .strip().split(":"));
        try (Stream<Path> jars = Files.list(prefix.resolve("lib"))) {
            List<Path> installed = jars.filter(p -> p.toString().endsWith(".jar")).toList();
            assertEquals(classpath.size() + 1, installed.size(), "every runtime jar and the reconciler: " + installed);
            assertTrue(installed.stream().noneMatch(Files::isSymbolicLink), "copies, not links into the build");
        }
        assertTrue(Files.isRegularFile(prefix.resolve("lib/xdprecon.aot")), "the AOT cache was made at install");

        String hidden = "mount -t tmpfs none /root && mount -t tmpfs none '" + Shell.REPOSITORY + "' && '"
                + prefix.resolve("xdprecon") + "' validate '" + prefix.resolve("examples/flows.yaml") + "'";
        Shell validate = Shell.run(Duration.ofMinutes(1),
                List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", hidden));
        assertEquals(0, validate.exit(), validate.output());
        assertTrue(validate.output().contains("flows.yaml: ok"), validate.output());
        assertTrue(validate.output().lines().count() == 1, "nothing but the answer (no JVM cache warnings): " + validate.output());

        // Installing again (an upgrade) swaps lib/ whole and leaves no staging directory behind.
        Shell again = Shell.install(prefix);
        assertEquals(0, again.exit(), again.output());
        try (Stream<Path> entries = Files.list(prefix)) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".lib.")
                    || p.getFileName().toString().equals("lib.old")), "no staging left in " + prefix);
        }
    }
}
