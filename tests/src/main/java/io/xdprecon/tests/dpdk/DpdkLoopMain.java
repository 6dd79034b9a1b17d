package io.xdprecon.tests.dpdk;

import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.daemon.dpdk.DpdkLoop;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.dpdk.AgentRunner;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.dpdk.EthPort;
import io.xdprecon.dataplane.dpdk.PortLifecycle;
import io.xdprecon.sessions.SessionTable;
import io.xdprecon.state.DesiredState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives the production {@link DpdkLoop} in a child JVM (EAL is once per process), started by
 * {@link DpdkPair#startJava} in the test's network namespace with the test's pins over {@code /sys/fs/bpf}:
 * {@code DpdkLoopMain CONFIG NODE [bridge|naive]}. The loop starts as the daemon starts it
 * ({@link DpdkLoop.Settings#of}, the node's services of CONFIG, on an {@link AgentRunner}); the maps are those the
 * test pinned, and nothing of the config is applied to them. Its ports start and stop through the tc bridge
 * ({@link DpdkDatapathLifecycle}, the default), or {@code naive}ly: a stale XDP program detached, the ports
 * started, and at the end closed — what one does without the bridge.
 *
 * <p>Prints the start's {@code STEP} lines and {@code READY adopted=N orphans=M}; then takes lines on stdin:
 * {@code CONFIG PATH} hands the loop the services of another config and answers {@code UPDATED moved=N} once it
 * took them; {@code STOP} (or the end of stdin, or SIGTERM) stops it. At the end: the {@code SESSION} lines (read
 * before the stop), the stop's {@code STEP} lines, the counters ({@code LOOP}, {@code ROUTER}, {@code TABLE}: each
 * {@code key=value} by counter name), DPDK's port counters ({@code STATS}) and {@code DONE}; {@code FAIL} and
 * exit status 1 when the loop failed.
 */
public final class DpdkLoopMain {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static boolean finished;

    private DpdkLoopMain() {}

    public static void main(String[] args) throws Exception {
        Path configFile = Path.of(args[0]);
        String node = args[1];
        boolean naive = args.length > 2 && args[2].equals("naive");
        Config config = load(configFile);
        DesiredState desired = config.forNode(node, InterfaceResolver.currentNetns());
        DpdkLoop.Settings settings = DpdkLoop.Settings.of(config, desired, node);
        DpdkLoop loop = naive ? new DpdkLoop(settings, config.services(node), Naive::new)
                : new DpdkLoop(settings, config.services(node));
        AgentRunner runner;
        try {
            runner = AgentRunner.start(loop, DpdkLoop.IDLE, TIMEOUT);
        } catch (AgentRunner.StartException e) {
            printSteps(loop.steps());
            fail(e);
            System.exit(1);
            return;
        }
        // SIGTERM, as a service manager stops a daemon: the same end as STOP. Registered before READY, which the
        // test may answer with SIGTERM at once (a hook added during shutdown throws, and the stop was not clean).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> finish(loop, runner)));
        printSteps(loop.steps());
        DpdkLoop.Stats started = loop.stats().orElseThrow();
        System.out.println("READY adopted=" + started.get(SessionTable.Counter.ADOPTED) + " orphans="
                + started.get(SessionTable.Counter.ORPHANS_REMOVED));
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null && !line.equals("STOP"); ) {
                if (line.startsWith("CONFIG ")) {
                    Config next = load(Path.of(line.substring("CONFIG ".length())));
                    int moved = loop.services(next.services(node)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    System.out.println("UPDATED moved=" + moved);
                    System.out.flush();
                }
            }
        } catch (Exception e) {
            fail(e);
            finish(loop, runner);
            System.exit(1);
        }
        System.exit(finish(loop, runner) ? 0 : 1);
    }

    private static Config load(Path file) throws Exception {
        return ConfigLoader.parse(file, Files.readString(file));
    }

    /** Stops the loop once and prints what it did; false when it had failed. */
    private static synchronized boolean finish(DpdkLoop loop, AgentRunner runner) {
        if (finished) {
            return true;
        }
        finished = true;
        for (DpdkLoop.SessionRow s : loop.sessions()) {
            System.out.printf("SESSION client=%s backend=%s egress_port=%d slow=%d installed=%b%n",
                    s.client(), s.backend(), s.egressPort(),
                    s.slowPackets(), s.installed());
        }
        int startSteps = loop.steps().size();
        runner.close(TIMEOUT);
        printSteps(loop.steps().subList(startSteps, loop.steps().size()));
        DpdkLoop.Stats stats = loop.stats().orElseThrow();
        System.out.println("LOOP " + stats.loop());
        System.out.println("ROUTER " + stats.router());
        System.out.println("TABLE " + stats.table());
        for (EthPort.Stats st : stats.ports().values()) {
            System.out.printf("STATS ipackets=%d opackets=%d imissed=%d ierrors=%d oerrors=%d%n", st.rxPackets(),
                    st.txPackets(), st.rxMissed(), st.rxErrors(), st.txErrors());
        }
        if (runner.failure().isPresent()) {
            fail(runner.failure().get());
            return false;
        }
        System.out.println("DONE");
        System.out.flush();
        return true;
    }

    /** Says why the loop failed (the caller exits: never from the shutdown hook, where exit would block). */
    private static void fail(Throwable t) {
        System.out.println("FAIL " + t);
        t.printStackTrace(System.out);
        System.out.flush();
    }

    private static void printSteps(List<DpdkDatapathLifecycle.Step> steps) {
        steps.forEach(step -> System.out.println("STEP " + step.action() + " " + step.ifindex() + " " + step.detail()));
        System.out.flush();
    }

    /** The ports without the bridge: what a restart loses without {@link DpdkDatapathLifecycle}. */
    private record Naive(List<Integer> ifindexes) implements PortLifecycle {
        @Override
        public List<DpdkDatapathLifecycle.Step> start(Runnable startPorts) {
            List<DpdkDatapathLifecycle.Step> steps = new ArrayList<>();
            for (int ifindex : ifindexes) {
                Xdp.query(ifindex).ifPresent(stale -> {
                    Xdp.detach(ifindex, stale.mode());
                    steps.add(new DpdkDatapathLifecycle.Step(DpdkDatapathLifecycle.Action.STALE_XDP_DETACHED, ifindex,
                            "program id " + stale.programId()));
                });
            }
            startPorts.run();
            steps.add(new DpdkDatapathLifecycle.Step(DpdkDatapathLifecycle.Action.PORTS_STARTED, 0, "ports started"));
            return steps;
        }

        @Override
        public List<DpdkDatapathLifecycle.Step> stop(Runnable closePorts) {
            closePorts.run();
            return List.of(new DpdkDatapathLifecycle.Step(DpdkDatapathLifecycle.Action.PORTS_CLOSED, 0, "ports closed"));
        }
    }
}
