package io.xdprecon.tests.bench;

import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code xdprecon run} as the unit runs it — through a launcher, with the unit's JVM options — in the lab's proxy
 * namespace: started, watched through its log and {@code /proc}, stopped. For the scale benchmark and tests.
 */
public final class DaemonUnderTest implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final long started;

    private DaemonUnderTest(Process process, Path log, long started) {
        this.process = process;
        this.log = log;
        this.started = started;
    }

    /**
     * Starts {@code launcher run --source SOURCE ...} in the proxy namespace of {@code lab}.
     *
     * @param javaOptions what XDPRECON_JAVA_OPTS holds (the unit's, from systemd/xdprecon.env)
     * @param extra       more options of {@code run} (e.g. --admin, --webhook-secret-file)
     */
    public static DaemonUnderTest start(Lab lab, Path launcher, String javaOptions, String source, Path stateDir,
            Path log, List<String> extra) {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "run", "--source", source, "--node", "lab",
                "--pin-root", lab.pinRoot().toString(), "--interval", "10m", "--state-dir", stateDir.toString()));
        command.addAll(extra);
        if (!extra.contains("--admin")) {
            command.addAll(List.of("--admin", "off"));
        }
        long started = System.nanoTime();
        Process process = NetNs.call(lab.proxyNs(), () -> {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("XDPRECON_JAVA_OPTS", javaOptions);
            return builder.start();
        });
        return new DaemonUnderTest(process, log, started);
    }

    /** The JVM options the shipped unit gives the daemon: XDPRECON_JAVA_OPTS of systemd/xdprecon.env. */
    public static String unitJavaOptions(Path repository) {
        try {
            for (String line : Files.readAllLines(repository.resolve("systemd/xdprecon.env"))) {
                if (line.startsWith("XDPRECON_JAVA_OPTS=")) {
                    return line.substring("XDPRECON_JAVA_OPTS=".length()).trim();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("systemd/xdprecon.env sets no XDPRECON_JAVA_OPTS");
    }

    public Process process() {
        return process;
    }

    public long startedNanos() {
        return started;
    }

    /** The daemon's log so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many times {@code text} stands in the log. */
    public int count(String text) {
        String all = log();
        int n = 0;
        for (int at = all.indexOf(text); at >= 0; at = all.indexOf(text, at + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Waits until {@code condition} holds, polling every {@code every}; fails when the daemon dies or
     * {@code timeout} passes. Returns the nanoTime at which it held.
     */
    public long await(String what, Duration timeout, Duration every, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return System.nanoTime();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the daemon died before " + what + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " within " + timeout + ":\n" + tail());
            }
            try {
                Thread.sleep(every.toMillis()); // polling what the daemon leaves outside: there is nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The last lines of the log, for failures. */
    public String tail() {
        String all = log();
        return all.length() > 4000 ? "..." + all.substring(all.length() - 4000) : all;
    }

    /** VmRSS and VmHWM (peak) of the daemon's process, in kB, from /proc. */
    public Map<String, Long> memory() {
        try {
            Map<String, Long> kb = new java.util.LinkedHashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                for (String key : List.of("VmRSS", "VmHWM")) {
                    if (line.startsWith(key + ":")) {
                        kb.put(key, Long.parseLong(line.replaceAll("[^0-9]", "")));
                    }
                }
            }
            return kb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * CPU time (user + system, ms) of the daemon's live threads, summed by name with digits dropped (a pool's threads
     * together), from /proc/PID/task; "(exited threads)" is what the process used beyond them.
     */
    public Map<String, Long> threadCpuMillis() {
        Map<String, Long> ms = new java.util.TreeMap<>();
        long threads = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile: counted below
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
                ms.merge(name, cpu, Long::sum);
                threads += cpu;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ms.put("(exited threads)", Math.max(0, cpuMillis() - threads));
        return ms;
    }

    /** CPU time the daemon used so far (user + system), from /proc/PID/stat, in ms. */
    public long cpuMillis() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, then waits for the process to end (SIGKILL after 30 s). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
