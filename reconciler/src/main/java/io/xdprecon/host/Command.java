package io.xdprecon.host;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a host command (ip, ethtool, sysctl…) with no input and a timeout, and returns its stdout. The
 * child starts in the calling thread's network namespace, so inside {@code NetNs.call} it acts there
 * (not from a virtual thread, whose carrier may be elsewhere).
 */
public final class Command {
    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    private Command() {}

    /** The command could not start, timed out or exited non-zero; the message names it and carries stderr. */
    public static final class Failed extends RuntimeException {
        public Failed(String message) {
            super(message);
        }

        public Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code command}; throws {@link Failed} naming it, with its stderr, unless it exits 0. */
    public static String run(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new Failed("cannot run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new Failed("`" + String.join(" ", command) + "` did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String stdout = out.get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String stderr = err.get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (process.exitValue() != 0) {
                throw new Failed("`" + String.join(" ", command) + "` exited with " + process.exitValue()
                        + (stderr.isBlank() ? "" : ": " + stderr.strip()));
            }
            return stdout;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new Failed("interrupted while running `" + String.join(" ", command) + "`", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new Failed("cannot read the output of `" + String.join(" ", command) + "`", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
