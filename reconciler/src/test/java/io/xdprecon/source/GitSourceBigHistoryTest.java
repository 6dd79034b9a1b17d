package io.xdprecon.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Git source whose one config file is big (57 MB, as 262,000 flows) and has history, in a JVM with the unit's
 * options: JGit resolves a delta of one revision against another whole in the heap (2 × 57 MB), which does not fit
 * {@code -XX:+UseSerialGC -Xmx144m}. The fetch must fail precisely — which file, its size, what to do — write
 * nothing, keep the applied revision to serve, and leave the JVM usable; before, a first clone threw
 * {@link OutOfMemoryError} out of the poll (the daemon died, and systemd restarted it into the same clone). Polled
 * again while the remote advertises the same refs (the daemon's backoff), the source fails at once with the same
 * message instead of downloading the history again; a new head is fetched.
 */
class GitSourceBigHistoryTest {
    /** The unit's heap options (systemd/xdprecon.env's XDPRECON_JAVA_OPTS). */
    private static final List<String> UNIT_JVM = List.of("-XX:+UseSerialGC", "-Xmx144m");
    private static final int FLOWS = 262_000;
    /** Makes a flow's line ~217 bytes, as a real one: 262,000 of them are 57 MB. */
    private static final String PAD = "x".repeat(100);

    @TempDir
    Path tmp;

    @Test
    void aBigFileWithHistoryFailsTheFetchPreciselyAndTheJvmGoesOn() throws Exception {
        Path work = tmp.resolve("work");
        Path remote = tmp.resolve("remote.git");
        git(tmp, "init", "-q", "-b", "main", work.toString());
        writeFlows(work.resolve("flows.yaml"), 0);
        git(work, "add", "flows.yaml");
        git(work, "commit", "-q", "-m", "v0");
        git(tmp, "clone", "-q", "--bare", work.toString(), remote.toString());
        String url = remote.toUri().toString();

        // One revision: a clone brings the file whole, which fits; it is applied.
        Path applied = tmp.resolve("state-applied");
        assertEquals("applied v0", child("applied", url, applied.toString()));

        // Two more revisions, packed by the host against each other: one comes as a delta of the other.
        for (int v = 1; v <= 2; v++) {
            writeFlows(work.resolve("flows.yaml"), v);
            git(work, "commit", "-q", "-am", "v" + v);
        }
        git(work, "push", "-q", remote.toString(), "main");
        git(remote, "repack", "-a", "-d", "-f", "-q");
        // What the operator pushes then (a new history whose flows.yaml is small), kept aside until the child moves main.
        Path split = tmp.resolve("split");
        git(tmp, "init", "-q", "-b", "main", split.toString());
        Files.writeString(split.resolve("flows.yaml"), "flows: []\n");
        git(split, "add", "flows.yaml");
        git(split, "commit", "-q", "-m", "split");
        git(split, "push", "-q", remote.toString(), "main:refs/pending/split");

        String out = child("history", url, applied.toString(), tmp.resolve("state-fresh").toString(),
                tmp.resolve("small.git").toUri().toString(), tmp.resolve("state-small").toString(), remote.toString());
        System.out.println(out);
        assertTrue(Files.size(work.resolve("flows.yaml")) > 56_000_000);
        String size = String.format(java.util.Locale.ROOT, "%,d", Files.size(work.resolve("flows.yaml")));
        for (String line : out.lines().toList()) {
            if (line.startsWith("fetch ")) {
                assertTrue(line.contains("does not fit this JVM's heap") && line.contains("flows.yaml is " + size + " bytes at main")
                        && line.contains("(-Xmx144m;") && line.contains("nothing was written") && line.contains("split the config")
                        && line.contains("XDPRECON_JAVA_OPTS=\"-XX:+UseSerialGC -Xmx256m\""), line);
            }
        }
        assertTrue(out.contains("fetch applied: cannot fetch"), out);
        assertTrue(out.contains("cached v0"), "the applied revision is still served: " + out);
        assertTrue(out.contains("fetch fresh: cannot fetch"), out);
        assertTrue(out.contains("cached none"), out);
        // While the remote advertises the same refs, a poll fails at once with the same message: no download (the
        // failed fetch allocates the file twice over, > 100 MB, and its probe 22 MB), no probe.
        String again = out.lines().filter(l -> l.startsWith("again fresh: ")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(again.endsWith("same message: true"), again);
        long allocated = Long.parseLong(again.replaceAll("^again fresh: allocated (\\d+) bytes.*$", "$1"));
        assertTrue(allocated < 16 << 20, "the unchanged remote is fetched again: " + again);
        assertTrue(out.contains("split fresh: fetched flows: []"), "a new head (the split pushed) is fetched: " + out);
        assertTrue(out.contains("small fetched"), "the JVM goes on fetching: " + out);
        try (Stream<Path> left = Files.list(applied)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("xdprecon-size-probe")), "no scratch left");
        }
        assertTrue(out.contains("packs fresh: []"), "a failed first clone leaves no pack (nor a temporary one): " + out);
        assertEquals(git(tmp, "--git-dir=" + applied, "rev-parse", GitMirror.APPLIED),
                git(tmp, "--git-dir=" + applied, "rev-parse", "refs/heads/main"),
                "nothing written: the mirror's branch is still the applied commit");

        // The operator splits on top of the big history instead: a node behind it still fetches v1 and v2, so the
        // advice is a heap for one fetch, not one sized by the head's small file, nor a split.
        Files.writeString(work.resolve("flows.yaml"), "flows: []\n");
        git(work, "commit", "-q", "-am", "split on top");
        git(work, "push", "-q", "-f", remote.toString(), "main");
        String behind = child("behind", url, applied.toString());
        assertTrue(behind.contains("fetch behind: cannot fetch") && behind.contains("flows.yaml is 10 bytes at main")
                && behind.contains("a bigger revision of it lies in the history this node fetches up to main")
                && behind.contains("a split at the head does not help this node") && behind.contains("-Xmx…m")
                && !behind.contains("split the config over files"), behind);
        assertTrue(behind.contains("cached v0"), behind);
    }

    /** {@code flows} flows of a config, revision {@code v} differing from the others in one flow. */
    private static void writeFlows(Path file, int v) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("flows:\n");
            for (int i = 0; i < FLOWS; i++) {
                int port = i == 7 ? 40_000 + v : 20_000 + i % 40_000;
                w.write("  - {name: flow-" + i + ", listen: \"10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255)
                        + ":" + port + "\", egress: \"192.0.2." + (i % 250 + 1) + ":" + (30_000 + i % 30_000) + "\", note: \"relay " + i + " of the fleet, " + PAD + "\"}\n");
            }
        }
    }

    private String child(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(UNIT_JVM);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> !l.startsWith("SLF4J")).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    private static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.name=T", "-c", "user.email=t@example.com"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out.strip();
    }

    /** Runs in the child JVM with the unit's heap: polls, and says what it got. */
    public static final class Child {
        public static void main(String[] a) throws Exception {
            if (a[0].equals("applied")) {
                try (GitSource s = source(a[1], Path.of(a[2]))) {
                    Revision r = s.poll();
                    s.applied(r);
                    System.out.println("applied " + r.summary().orElseThrow().split(" ")[0]);
                }
                return;
            }
            if (a[0].equals("behind")) {
                report("behind", a[1], Path.of(a[2]));
                return;
            }
            report("applied", a[1], Path.of(a[2]));
            retry("fresh", a[1], Path.of(a[3]), Path.of(a[6]));
            // The JVM is usable: a small repository is fetched and read, and the heap takes a big array again.
            Path small = Path.of(java.net.URI.create(a[4]));
            try (org.eclipse.jgit.api.Git g = org.eclipse.jgit.api.Git.init().setBare(false).setInitialBranch("main")
                    .setDirectory(small.resolveSibling("small-work").toFile()).call()) {
                Files.writeString(small.resolveSibling("small-work").resolve("flows.yaml"), "flows: []\n");
                g.add().addFilepattern("flows.yaml").call();
                g.commit().setMessage("small").setAuthor("T", "t@example.com").setCommitter("T", "t@example.com").call();
                org.eclipse.jgit.api.Git.cloneRepository().setBare(true).setURI(small.resolveSibling("small-work").toUri().toString())
                        .setDirectory(small.toFile()).call().close();
            }
            try (GitSource s = source(a[4], Path.of(a[5]))) {
                byte[] big = new byte[48 << 20];
                System.out.println("small " + (s.poll().text().equals("flows: []\n") && big.length > 0 ? "fetched" : "wrong"));
            }
        }

        private static void report(String name, String url, Path state) {
            try (GitSource s = source(url, state)) {
                s.poll();
                System.out.println("fetch " + name + ": fetched (unexpected)");
            } catch (SourceUnreachableException e) {
                System.out.println("fetch " + name + ": " + e.getMessage());
                System.out.println("cached " + e.cached().map(r -> r.summary().orElseThrow().split(" ")[0]).orElse("none"));
            } catch (SourceException e) {
                System.out.println("fetch " + name + " failed otherwise: " + e.getMessage());
            }
        }

        /**
         * A first clone that fails, polled again with the remote unchanged (what it allocates: a fetch's download and
         * deltas, or not), then after the remote's main moved to the split history.
         */
        private static void retry(String name, String url, Path state, Path remote) throws Exception {
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            try (GitSource s = source(url, state)) {
                String first;
                try {
                    s.poll();
                    System.out.println("fetch " + name + ": fetched (unexpected)");
                    return;
                } catch (SourceUnreachableException e) {
                    first = e.getMessage();
                    System.out.println("fetch " + name + ": " + first);
                    System.out.println("cached " + e.cached().map(r -> r.summary().orElseThrow().split(" ")[0]).orElse("none"));
                }
                try (Stream<Path> packs = Files.list(state.resolve("objects").resolve("pack"))) {
                    System.out.println("packs " + name + ": " + packs.toList());
                }
                long before = threads.getTotalThreadAllocatedBytes();
                try {
                    s.poll();
                    System.out.println("again " + name + ": fetched (unexpected)");
                } catch (SourceUnreachableException e) {
                    System.out.println("again " + name + ": allocated " + (threads.getTotalThreadAllocatedBytes() - before)
                            + " bytes, same message: " + e.getMessage().equals(first));
                }
                Process p = new ProcessBuilder("git", "--git-dir=" + remote, "update-ref", "refs/heads/main",
                        "refs/pending/split").redirectErrorStream(true).start();
                String git = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("git update-ref: " + git);
                }
                System.out.println("split " + name + ": fetched " + s.poll().text().strip());
            }
        }

        private static GitSource source(String url, Path state) {
            return new GitSource(new GitSource.Settings(url, "main", "flows.yaml", state, new GitCredentials.None(),
                    Optional.empty(), Duration.ofSeconds(30)));
        }
    }
}
