package io.xdprecon.tests.bench;

import io.xdprecon.tests.dpdk.DpdkSessionMemory;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The daemon in dpdk mode with many live sessions, as the unit runs it (this checkout's launcher with the unit's
 * {@code XDPRECON_JAVA_OPTS}): the whole process's RSS beside the DPDK memory it configures (EAL's {@code -m}; without
 * reserved huge pages, as in this lab, EAL's memory is ordinary memory and what of it is touched counts in RSS).
 * Issue 9's goal: RSS ≤ 256 MB plus that memory with 100,000 sessions. See {@link DpdkSessionMemory} for the lab.
 *
 * <p>Usage: {@code SessionMemoryBench CHECKOUT [SESSIONS [RATE]]} (default 100,000 sessions, first datagrams sent at
 * 2,000 a second: the loop here took a few hundred new sessions a second); needs root.
 */
public final class SessionMemoryBench {
    private static final Duration REST = Duration.ofSeconds(15);

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SessionMemoryBench CHECKOUT [SESSIONS [RATE]]");
            System.exit(2);
        }
        Path checkout = Path.of(args[0]).toAbsolutePath().normalize();
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        String options = DaemonUnderTest.unitJavaOptions(checkout);
        String loadBefore = ScaleBench.load();
        DpdkSessionMemory.Result r = DpdkSessionMemory.measure(checkout.resolve("xdprecon"), options, sessions, rate, REST);
        System.out.printf("%nxdprecon run in dpdk mode (%s), %,d clients' first datagrams at %,d/s; %s before, %s after%n",
                checkout, sessions, rate, loadBefore, ScaleBench.load());
        System.out.printf("  XDPRECON_JAVA_OPTS=%s; EAL memory configured: %d MB (-m, no huge pages reserved: --no-huge)%n",
                options, DpdkSessionMemory.EAL_MEMORY_MB);
        System.out.printf("| %-44s | %12s |%n|%s|%s|%n", "measure", "value", "-".repeat(46), "-".repeat(14));
        row("sessions live", "%,d".formatted(r.sessions()));
        for (int i = 0; i < r.rounds().size(); i++) {
            DpdkSessionMemory.Round round = r.rounds().get(i);
            row("round %d: every client's datagram sent in, s".formatted(i + 1), "%.1f".formatted(round.sendSeconds()));
            row("round %d: sessions live after it".formatted(i + 1), "%,d".formatted(round.live()));
        }
        row("first datagram to last session live, s", "%.1f".formatted(r.seconds()));
        row("RSS, loop running, no session, MB", Long.toString(r.idleKb() / 1024));
        row("RSS, every session live, MB", Long.toString(r.rssKb() / 1024));
        row("RSS at rest (15 s later), MB", Long.toString(r.restKb() / 1024));
        row("peak RSS (VmHWM), MB", Long.toString(r.peakKb() / 1024));
        row("goal: RSS ≤ 256 MB + EAL memory, MB", Integer.toString(256 + DpdkSessionMemory.EAL_MEMORY_MB));
        System.out.println("mappings with 16 MB or more resident (every session live):");
        r.mappings().forEach(m -> System.out.println("  " + m));
    }

    private static void row(String what, String value) {
        System.out.printf("| %-44s | %12s |%n", what, value);
    }
}
