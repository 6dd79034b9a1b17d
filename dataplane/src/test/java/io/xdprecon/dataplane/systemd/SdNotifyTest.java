package io.xdprecon.dataplane.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify through FFM, end to end: a child JVM with NOTIFY_SOCKET (and WATCHDOG_USEC/WATCHDOG_PID) in its
 * environment talks to a {@link NotifySocketListener} bound where systemd's manager would listen.
 */
class SdNotifyTest {
    private static final Duration CHILD_DEADLINE = Duration.ofSeconds(60);
    private static final int PINGS = 5;
    private static final long WATCHDOG_USEC = 400_000; // WatchdogSec=400ms: pings every 200 ms

    @TempDir
    Path dir;

    @Test
    void lifecycleDatagramsArriveInOrderAndWatchdogPingsAtHalfTheInterval() throws Exception {
        try (NotifySocketListener listener = new NotifySocketListener(dir.resolve("notify.sock"))) {
            Process child = start(Map.of("NOTIFY_SOCKET", listener.path().toString(),
                    "WATCHDOG_USEC", Long.toString(WATCHDOG_USEC)), true, "lifecycle", Integer.toString(PINGS));

            List<String> got = new ArrayList<>();
            List<Long> pingNanos = new ArrayList<>();
            long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
            while (got.isEmpty() || !got.getLast().equals("STOPPING=1")) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("no STOPPING=1 within " + CHILD_DEADLINE + "; got " + got + "; child: " + output(child));
                }
                Optional<String> datagram = listener.receive(Duration.ofNanos(Math.min(left, 1_000_000_000L)));
                if (datagram.isPresent()) {
                    got.add(datagram.get());
                    if (datagram.get().equals("WATCHDOG=1")) {
                        pingNanos.add(System.nanoTime());
                    }
                } else if (!child.isAlive() && child.exitValue() != 0) {
                    fail("child failed (" + child.exitValue() + "): " + output(child) + "; got " + got);
                }
            }
            assertTrue(child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS), "child did not exit");
            assertEquals(0, child.exitValue(), () -> output(child));
            assertEquals("watchdog=400\nsent=true", output(child).strip(), "WATCHDOG_PID is the child: watchdog on");

            assertEquals(5 + PINGS, got.size(), got::toString);
            assertEquals("READY=1\nSTATUS=applied 0123456789ab; 2 config rules, 0 session rules", got.get(0));
            assertEquals("STATUS=reconciled again", got.get(1), "a status is one line");
            for (int i = 0; i < PINGS; i++) {
                assertEquals("WATCHDOG=1", got.get(2 + i));
            }
            String reloading = got.get(2 + PINGS);
            assertTrue(Pattern.matches("RELOADING=1\nMONOTONIC_USEC=[1-9][0-9]*", reloading), reloading);
            long usec = Long.parseLong(reloading.substring(reloading.indexOf('=', 12) + 1));
            long nowUsec = System.nanoTime() / 1000; // HotSpot on Linux: CLOCK_MONOTONIC
            assertTrue(Math.abs(nowUsec - usec) < CHILD_DEADLINE.toNanos() / 1000, "MONOTONIC_USEC " + usec + " vs " + nowUsec);
            assertEquals("READY=1", got.get(3 + PINGS));
            assertEquals("STOPPING=1", got.get(4 + PINGS));

            // Paced at WatchdogSec/2 = 200 ms (the child sleeps between pings; receive times are a little noisy).
            long spanMillis = (pingNanos.getLast() - pingNanos.getFirst()) / 1_000_000;
            long meanGap = spanMillis / (PINGS - 1);
            assertTrue(meanGap >= 150 && meanGap <= 1_000, "mean ping gap " + meanGap + " ms, expected about 200");
        }
    }

    @Test
    void watchdogIsOffWhenWatchdogPidIsAnotherProcess() throws Exception {
        try (NotifySocketListener listener = new NotifySocketListener(dir.resolve("notify.sock"))) {
            Process child = start(Map.of("NOTIFY_SOCKET", listener.path().toString(),
                    "WATCHDOG_USEC", "400000", "WATCHDOG_PID", "1"), false, "unsupervised");
            assertTrue(child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS), "child did not exit");
            assertEquals(0, child.exitValue(), () -> output(child));
            assertEquals("supervised=true\nsent=true\nwatchdog=-1", output(child).strip());
        }
    }

    @Test
    void withoutNotifySocketEveryCallIsANoOp() throws Exception {
        Process child = start(Map.of(), false, "unsupervised");
        assertTrue(child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS), "child did not exit");
        assertEquals(0, child.exitValue(), () -> output(child));
        assertEquals("supervised=false\nsent=false\nwatchdog=-1", output(child).strip());
    }

    @Test
    void anUnreachableSocketIsATypedErrorNamingTheMessage() throws Exception {
        Process child = start(Map.of("NOTIFY_SOCKET", dir.resolve("nobody-listens.sock").toString()), false, "error");
        assertTrue(child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS), "child did not exit");
        assertEquals(0, child.exitValue(), () -> output(child));
        assertEquals("error=sd_notify(\"READY=1\\nSTATUS=x\") failed: No such file or directory (ENOENT, errno 2)\nerrno=2", output(child).strip());
    }

    /** A child JVM on this test's classpath; {@code ownWatchdogPid} sets WATCHDOG_PID to the child's own pid. */
    private Process start(Map<String, String> env, boolean ownWatchdogPid, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new AssertionError("no java command"));
        List<String> command = new ArrayList<>();
        if (ownWatchdogPid) { // exec keeps the shell's pid, so $$ is the JVM's pid
            command.addAll(List.of("/bin/sh", "-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\""));
        }
        command.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), SdNotifyChild.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.equals("NOTIFY_SOCKET") || k.startsWith("WATCHDOG_"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "child", ".out");
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process p = pb.start();
        processOutputs.put(p, out);
        return p;
    }

    private final Map<Process, Path> processOutputs = new java.util.IdentityHashMap<>();

    private String output(Process p) {
        try {
            return Files.readAllLines(processOutputs.get(p)).stream().collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

}
