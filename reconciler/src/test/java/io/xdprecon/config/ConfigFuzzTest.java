package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Validation of hostile input, as a property: the shipped example mutated ({@link ConfigMutations}: truncated at
 * every byte, bytes flipped, lines duplicated, deleted and swapped, random unicode inserted, values and keys made
 * huge or deep, scalars replaced by the values configs get wrong; alone and stacked) is either accepted or refused
 * with errors that are each at a line and column, as {@code xdprecon validate} reads a file (bytes, decoded by the
 * loader). Nothing but a {@link ConfigException} escapes, and no case takes more than {@value #MAX_CASE_CPU_MS} ms
 * of CPU (a hang fails it too: the case never ends, surefire's timeout ends the run).
 *
 * <p>A plain {@code mvn verify} runs {@value #DEFAULT_CASES} cases; {@code scripts/test.sh}, which CI runs, passes
 * {@code -Dxdprecon.fuzz.cases=100000}, the 100,000 (about 130 s of CPU: 503 s of wall time at load 17). The seed is fixed, so a failure names a case that reproduces; its input is
 * written to {@code target/fuzz-failure.yaml}.
 */
class ConfigFuzzTest {
    static final int DEFAULT_CASES = 10_000;
    static final int CASES = Integer.getInteger("xdprecon.fuzz.cases", DEFAULT_CASES);
    /** The bound one case's validation stays within, in CPU time (wall time on a loaded machine says nothing). */
    static final long MAX_CASE_CPU_MS = 2_000;
    static final long SEED = 0x5eed_11L;
    static final Path EXAMPLE = Path.of("../examples/flows.yaml");
    static final Path NAME = Path.of("fuzz.yaml");

    /** What one case did; counted so the test can show its mutations reached each outcome. */
    enum Outcome { ACCEPTED, REFUSED, NOT_UTF8 }

    @Test
    void everyMutationOfTheExampleIsAcceptedOrRefusedAtAPlaceWithinItsBound() throws IOException {
        byte[] seed = Files.readAllBytes(EXAMPLE);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(SEED);
        int[] outcomes = new int[Outcome.values().length];
        long slowest = 0;
        long started = System.nanoTime();
        long cpuStarted = cpu.getCurrentThreadCpuTime();
        for (int n = 0; n < CASES; n++) {
            // Truncation at every offset first, then random mutations (each case's generator split off in order).
            byte[] input = n < seed.length ? Arrays.copyOf(seed, n) : ConfigMutations.mutate(seed, random.split());
            long start = cpu.getCurrentThreadCpuTime();
            Outcome outcome;
            try {
                outcome = check(input);
            } catch (Throwable t) {
                throw failure(n, input, "threw " + t, t);
            }
            long tookMs = (cpu.getCurrentThreadCpuTime() - start) / 1_000_000;
            slowest = Math.max(slowest, tookMs);
            if (tookMs > MAX_CASE_CPU_MS) {
                throw failure(n, input, "took " + tookMs + " ms of CPU, over " + MAX_CASE_CPU_MS, null);
            }
            outcomes[outcome.ordinal()]++;
        }
        System.out.println("ConfigFuzzTest: " + CASES + " cases in " + (System.nanoTime() - started) / 1_000_000
                + " ms (" + (cpu.getCurrentThreadCpuTime() - cpuStarted) / 1_000_000 + " ms of CPU), accepted " + outcomes[0] + ", refused " + outcomes[1] + " (not UTF-8 " + outcomes[2]
                + "); slowest " + slowest + " ms CPU");
        assertTrue(outcomes[Outcome.ACCEPTED.ordinal()] > CASES / 100, "mutations that keep the config valid are tried too");
        assertTrue(outcomes[Outcome.REFUSED.ordinal()] > CASES / 2, "most mutations break the config");
        assertTrue(outcomes[Outcome.NOT_UTF8.ordinal()] > CASES / 100, "byte flips reach the UTF-8 check");
    }

    /** Validates {@code input} as {@code xdprecon validate} reads a file, failing on anything but a placed, clean refusal. */
    static Outcome check(byte[] input) {
        try {
            ConfigLoader.load(NAME, List.of(new ConfigInput(NAME, "fuzz", () -> new ByteArrayInputStream(input))));
            return Outcome.ACCEPTED;
        } catch (ConfigException e) {
            boolean notUtf8 = false;
            for (ConfigError error : e.errors()) {
                if (error.line() < 1 || error.column() < 1) {
                    throw new AssertionError("an error without line:col: " + error);
                }
                notUtf8 |= error.message().contains("is not UTF-8");
            }
            return notUtf8 ? Outcome.NOT_UTF8 : Outcome.REFUSED;
        }
    }

    private static AssertionError failure(int n, byte[] input, String what, Throwable cause) {
        Path saved = Path.of("target", "fuzz-failure.yaml");
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
        } catch (IOException e) {
            saved = null;
        }
        return new AssertionError("case " + n + " (seed " + Long.toHexString(SEED) + ") " + what
                + (saved == null ? "" : "; its input is in " + saved.toAbsolutePath()), cause);
    }
}
