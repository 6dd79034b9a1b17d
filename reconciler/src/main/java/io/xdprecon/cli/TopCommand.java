package io.xdprecon.cli;

import io.xdprecon.config.Config;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.sessions.SessionService;
import io.xdprecon.state.DesiredState;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "top", mixinStandardHelpOptions = true,
        description = {
            "A live view of the datapath, like top: the rules carrying the most traffic, refreshed in place, with"
                + " totals and the datapath counters per second in a header.",
            "Keys: p sort by PPS, b by BPS, t by packets, n by name, r reverse, q quit. The rows that fit the terminal"
                + " are shown; rates come from two batch reads of the per-CPU counters one interval apart.",
            "With -c CONFIG rules show their flow's name and leg, and session rules their service. When the output is"
                + " not a terminal (a pipe, a file, --once) it prints one table of the top -n rules and exits."
        })
final class TopCommand implements Callable<Integer> {
    @Mixin
    DatapathOptions datapath;

    @Mixin
    ConfigOptions config;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "Refresh every this many seconds (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = "--sort", paramLabel = "KEY", defaultValue = "pps",
            description = "pps, bps, packets or name (default: ${DEFAULT-VALUE}).")
    String sort;

    @Option(names = "--reverse", description = "Reverse the order.")
    boolean reverse;

    @Option(names = "--flow", paramLabel = "TEXT", description = "Only rules whose flow name contains TEXT.")
    String flow;

    @Option(names = "--owner", paramLabel = "OWNER", description = "Only rules of this owner: config or session.")
    String owner;

    @Option(names = "--service", paramLabel = "NAME", description = "Only the session rules of this service (needs -c).")
    String service;

    @Option(names = "--interface", paramLabel = "DEVICE", description = "Only rules arriving on or leaving by DEVICE.")
    String iface;

    @Option(names = {"-n", "--top"}, paramLabel = "N", defaultValue = "20",
            description = "Rows of the one-shot table (default: ${DEFAULT-VALUE}; 0 for all). A terminal shows what fits.")
    int top;

    @Option(names = "--once", description = "Print one table and exit, even on a terminal.")
    boolean once;

    @Spec
    CommandSpec spec;

    /** The rules map is read again every this many refreshes. */
    static final int RULES_EVERY = 10;

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One read of the maps. */
    private record Read(long nanos, Map<FlowKey, FlowRule> rules, Map<FlowKey, FlowCounters> counters,
                        Map<Stat, Long> stats, int capacity, long startNanos, long startCpu) {
    }

    @Override
    public Integer call() throws Exception {
        if (intervalSeconds < 0.1 || intervalSeconds > 3600) {
            throw new CliException("--interval must be between 0.1 and 3600 seconds, got " + intervalSeconds);
        }
        if (top < 0) {
            throw new CliException("-n must be 0 or more, got " + top);
        }
        if (owner != null && !owner.equals("config") && !owner.equals("session")) {
            throw new CliException("--owner must be config or session, got '" + owner + "'");
        }
        if (service != null && !config.given()) {
            throw new CliException("--service needs the config (-c FILE or --git URL) to know the services");
        }
        TopView.Sort order = TopView.Sort.parse(sort);
        TopView.Filter filter = new TopView.Filter(flow, owner, service, iface);
        Names names = config.given() ? names(config.config(), config.node()) : new Names(Map.of(), List.of());
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = !once && System.console() != null && System.console().isTerminal();
        try (Datapath live = datapath.open()) {
            Read before = read(live, null);
            if (!terminal) {
                Thread.sleep(Math.round(intervalSeconds * 1000)); // the sampling interval of the rates
                TopView.render(frame(before, read(live, before), names), order, reverse, filter, 0, top == 0 ? 0 : top + 6)
                        .forEach(out::println);
                out.flush();
                return 0;
            }
            return new Screen(out).run(live, before, names, order, filter);
        }
    }

    /** The full-screen loop on a terminal in raw mode (restored on exit, on q, Ctrl-C or a signal). */
    private final class Screen {
        private final PrintWriter out;
        private TopView.Sort order;
        private boolean reversed = reverse;

        Screen(PrintWriter out) {
            this.out = out;
        }

        int run(Datapath live, Read first, Names names, TopView.Sort initial, TopView.Filter filter) throws Exception {
            order = initial;
            String saved = Tty.stty("-g").strip();
            Thread restore = new Thread(() -> leave(saved));
            Runtime.getRuntime().addShutdownHook(restore);
            Tty.stty("-icanon", "-echo", "min", "0", "time", "0");
            out.print("\033[?1049h\033[?25l"); // alternate screen, no cursor: the shell's screen comes back on exit
            try {
                Read previous = first;
                long refreshes = 0;
                TopView.Frame frame = null;
                long next = first.nanos() + Math.round(intervalSeconds * 1e9);
                out.print("\033[Hxdprecon top: first read in " + intervalSeconds + " s\033[J");
                out.flush();
                while (true) {
                    if (System.nanoTime() >= next) {
                        Read now = read(live, ++refreshes % RULES_EVERY == 0 ? null : previous);
                        frame = frame(previous, now, names);
                        previous = now;
                        next = now.nanos() + Math.round(intervalSeconds * 1e9);
                        draw(frame, filter);
                    }
                    int key = System.in.available() > 0 ? System.in.read() : -1;
                    if (key == 'q' || key == 3) {
                        return 0;
                    }
                    if (key > 0 && apply((char) key) && frame != null) {
                        draw(frame, filter);
                    }
                    if (key < 0) {
                        Thread.sleep(20); // waits for a key or the next refresh; System.in has no timed read
                    }
                }
            } finally {
                leave(saved);
                Runtime.getRuntime().removeShutdownHook(restore);
            }
        }

        private boolean apply(char key) {
            for (TopView.Sort s : TopView.Sort.values()) {
                if (s.key == key) {
                    order = s;
                    return true;
                }
            }
            if (key == 'r') {
                reversed = !reversed;
                return true;
            }
            return false;
        }

        private void draw(TopView.Frame frame, TopView.Filter filter) throws IOException {
            int[] size = Tty.size();
            List<String> lines = TopView.render(frame, order, reversed, filter, size[1], size[0] - 1);
            StringBuilder screen = new StringBuilder("\033[H");
            for (String line : lines) {
                screen.append(line).append("\033[K\r\n");
            }
            screen.append("\033[J");
            out.print(screen);
            out.flush();
        }

        private void leave(String saved) {
            out.print("\033[?25h\033[?1049l");
            out.flush();
            try {
                Tty.stty(saved);
            } catch (IOException | RuntimeException ignored) {
                // the terminal is gone
            }
        }
    }

    /** The controlling terminal through stty(1): raw mode and size, no native code outside dataplane/. */
    static final class Tty {
        static String stty(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("stty"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String output = new String(p.getInputStream().readAllBytes());
            try {
                if (p.waitFor() != 0) {
                    throw new IOException("stty " + String.join(" ", args) + " failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return output;
        }

        /** {rows, columns}; asked at every refresh, so a resized window is filled at the next one. */
        static int[] size() throws IOException {
            String[] rc = stty("size").strip().split("\\s+");
            return new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
        }
    }

    /**
     * The counters, and the rules unless {@code rulesFrom} already has them: rules change far less often than
     * counters, so the rules map is read at the start and then every {@value #RULES_EVERY} refreshes (a rule added
     * meanwhile shows at the next rules read).
     */
    private Read read(Datapath live, Read rulesFrom) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        Map<FlowKey, FlowRule> rules = rulesFrom != null ? rulesFrom.rules() : live.rules().readAll();
        Map<FlowKey, FlowCounters> counters = live.rules().readAllCounters();
        Map<Stat, Long> stats = live.stats().read();
        return new Read(System.nanoTime(), rules, counters, stats, live.rules().capacity(), start, cpu);
    }

    /** Flow names by rule key, and the services (to tell a session rule's). */
    record Names(Map<FlowKey, String> flows, List<SessionService> services) {
    }

    private static Names names(Config loaded, String node) {
        InterfaceResolver resolver = InterfaceResolver.currentNetns();
        DesiredState desired = loaded.forNode(node, resolver);
        Map<FlowKey, String> flows = new HashMap<>();
        desired.rules().forEach((key, rule) ->
                flows.put(key, rule.flow() + " (" + rule.direction().name().toLowerCase(Locale.ROOT) + ")"));
        List<SessionService> services = loaded.services(node).stream()
                .map(s -> SessionService.of(s, device -> resolver.ifindex(device).orElse(-1))).toList();
        return new Names(flows, services);
    }

    private TopView.Frame frame(Read before, Read now, Names names) {
        double seconds = (now.nanos() - before.nanos()) / 1e9;
        Map<Integer, String> ifaces = new HashMap<>();
        List<TopView.Row> rows = new ArrayList<>(now.rules().size());
        now.rules().forEach((key, rule) -> {
            FlowCounters c = now.counters().getOrDefault(key, FlowCounters.ZERO);
            FlowCounters b = before.counters().getOrDefault(key, FlowCounters.ZERO);
            String service = rule.owner() == Owner.SESSION ? serviceOf(names.services(), key) : null;
            String name = names.flows().getOrDefault(key, service != null ? service + " (session)" : "-");
            rows.add(new TopView.Row(name, service, key, rule, ifname(ifaces, key.ifindex()),
                    ifname(ifaces, rule.rewrite().ifindex()), c, Math.max(0, c.packets() - b.packets()) / seconds,
                    8.0 * Math.max(0, c.bytes() - b.bytes()) / seconds));
        });
        Map<Stat, Double> statRates = new EnumMap<>(Stat.class);
        now.stats().forEach((stat, n) -> statRates.put(stat, Math.max(0, n - before.stats().getOrDefault(stat, 0L)) / seconds));
        // what one refresh costs, from the first read to the rows with their rates
        return new TopView.Frame(rows, statRates, now.capacity(), intervalSeconds,
                (System.nanoTime() - now.startNanos()) / 1_000_000,
                (THREADS.getCurrentThreadCpuTime() - now.startCpu()) / 1_000_000);
    }

    /** The service a session rule belongs to: its forward leg arrives at the listen, its reverse at an egress port. */
    static String serviceOf(List<SessionService> services, FlowKey key) {
        for (SessionService s : services) {
            if (s.listensOn(key.ifindex(), key.dstIp(), key.dstPort())
                    || (key.ifindex() == s.egressIfindex() && key.dstIp() == s.egressAddress()
                        && key.dstPort() >= s.ports().first() && key.dstPort() <= s.ports().last())) {
                return s.name();
            }
        }
        return null;
    }

    private static String ifname(Map<Integer, String> cache, int ifindex) {
        return cache.computeIfAbsent(ifindex, i -> {
            try {
                NetworkInterface nic = NetworkInterface.getByIndex(i);
                return nic == null ? "if" + i : nic.getName();
            } catch (SocketException e) {
                return "if" + i;
            }
        });
    }
}
