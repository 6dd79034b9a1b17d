package io.xdprecon.tests.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command of the machine (package.sh, dpkg and systemctl in a container…) for a test that asserts on its exit
 * code: unlike {@code host.Command} a non-zero exit is a result, not an exception. Output is stdout and
 * stderr merged; a command still running after {@code timeout} is killed and fails the test.
 */
record Shell(int exit, String output) {
    /** The checkout the tests run from (Maven runs them in tests/). */
    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    static Shell run(Duration timeout, List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeout);
            }
            return new Shell(process.exitValue(), new String(output.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(command + ": interrupted", e);
        }
    }
}
