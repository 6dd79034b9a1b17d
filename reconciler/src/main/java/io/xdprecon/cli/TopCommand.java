package io.xdprecon.cli;

import io.xdprecon.config.Config;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.RuleTable;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.SlotCounters;
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
            "A live view of the datapath, like top: the rules (IPv4 and IPv6) carrying the most traffic, refreshed in place, with"
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

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", converter = SampleIntervalConverter.class,
            description = "Refresh this often, 100ms to 1h (default: ${DEFAULT-VALUE}).")
    java.time.Duration interval;

    private double intervalSeconds;

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

    @Option(names = "--json", description = "As --once, one JSON document (kind xdprecon-top/v1) instead of the table:"
            + " the totals, the datapath counters per second, and the top -n rules with flow, owner, match and rewrite"
            + " (iface and ifindex), exact packets and bytes, pps and bps.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The rules map is read again every this many refreshes. */
    static final int RULES_EVERY = 10;

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * One read of the maps. {@code rules} is shared by the reads between two reads of the rules map, and the
     * counters come from one of two buffers used in turn: a refresh compares the last two reads only.
     */
    private record Read(long nanos, RuleTable rules, List<Rule6> rules6, Labels labels, SlotCounters counters,
                        Map<Stat, Long> stats, int capacity, int capacity6, long startNanos, long startCpu) {
        /** Rules of both families: IPv4 at indexes {@code 0..rules.size()-1}, IPv6 after them. */
        int size() {
            return rules.size() + rules6.size();
        }

        Rule6 rule6(int i) {
            return rules6.get(i - rules.size());
        }
    }

    /** An IPv6 rule of a rules read and its counters' slot: xdp_rules6 holds few enough to keep them as records. */
    private record Rule6(FlowKey6 key, FlowRule6 rule, int slot) {
    }

    private final RuleTable ruleTable = new RuleTable();
    private final SlotCounters[] counterBuffers = new SlotCounters[2];
    private int reads;
    private Rates rates;

    @Override
    public Integer call() throws Exception {
        intervalSeconds = interval.toNanos() / 1e9;
        if (top < 0) {
            throw new UsageException("-n must be 0 or more, got " + top);
        }
        if (owner != null && !owner.equals("config") && !owner.equals("session")) {
            throw new UsageException("--owner must be config or session, got '" + owner + "'");
        }
        if (service != null && !config.given()) {
            throw new UsageException("--service needs the config (--source, -c FILE or --git URL) to know the services");
        }
        TopView.Sort order = TopView.Sort.parse(sort);
        TopView.Filter filter = new TopView.Filter(flow, owner, service, iface);
        Names names = config.given() ? names(config.config(), config.node()) : new Names(Map.of(), Map.of(), List.of());
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = !once && !json && System.console() != null && System.console().isTerminal();
        try (Datapath live = datapath.open()) {
            Read before = read(live, null, names);
            if (!terminal) {
                Thread.sleep(Math.round(intervalSeconds * 1000)); // the sampling interval of the rates
                TopView.Frame frame = frame(before, read(live, before, names));
                if (json) {
                    out.println(new com.fasterxml.jackson.databind.ObjectMapper()
                            .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(TopView.json(frame, order, reverse, filter, top, new DeviceNames())));
                } else {
                    // a table to read, as flows prints: 120 columns, the endpoints cut with '…' (--json is exact)
                    TopView.render(frame, order, reverse, filter, FlowsCommand.WIDTH, top == 0 ? 0 : top + 6)
                            .forEach(out::println);
                }
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
                        Read now = read(live, ++refreshes % RULES_EVERY == 0 ? null : previous, names);
                        frame = frame(previous, now);
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
     * meanwhile shows at the next rules read). Nothing is allocated per rule but the labels of a rules read.
     */
    private Read read(Datapath live, Read rulesFrom, Names names) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        Labels labels;
        List<Rule6> rules6;
        if (rulesFrom != null) {
            labels = rulesFrom.labels();
            rules6 = rulesFrom.rules6();
        } else {
            live.rules().readRules(ruleTable);
            List<Rule6> read6 = new ArrayList<>();
            live.rules6().forEach((Rules6Map.SlotVisitor) (key, rule, slot) -> read6.add(new Rule6(key, rule, slot)));
            rules6 = read6;
            labels = Labels.of(ruleTable, rules6, names);
        }
        SlotCounters counters = counterBuffers[reads++ % 2];
        if (counters == null) {
            counters = counterBuffers[(reads - 1) % 2] = new SlotCounters(live.rules().capacity() + 1);
        }
        live.rules().readCounters(counters);
        Map<Stat, Long> stats = live.stats().read();
        return new Read(System.nanoTime(), ruleTable, rules6, labels, counters, stats, live.rules().capacity(),
                live.rules6().capacity(), start, cpu);
    }

    /** Flow names by rule key of each family, and the services (to tell a session rule's). */
    record Names(Map<FlowKey, String> flows, Map<FlowKey6, String> flows6, List<SessionService> services) {
    }

    private static Names names(Config loaded, String node) {
        InterfaceResolver resolver = InterfaceResolver.currentNetns();
        DesiredState desired = loaded.forNode(node, resolver);
        Map<FlowKey, String> flows = new HashMap<>();
        desired.rules().forEach((key, rule) ->
                flows.put(key, rule.flow() + " (" + rule.direction().name().toLowerCase(Locale.ROOT) + ")"));
        Map<FlowKey6, String> flows6 = new HashMap<>();
        desired.rules6().forEach((key, rule) ->
                flows6.put(key, rule.flow() + " (" + rule.direction().name().toLowerCase(Locale.ROOT) + ")"));
        List<SessionService> services = loaded.services(node).stream()
                .map(s -> SessionService.of(s, device -> resolver.ifindex(device).orElse(-1))).toList();
        return new Names(flows, flows6, services);
    }

    /** What each rule of a rules read is called: its flow (or service) and its interfaces' names, by index. */
    private record Labels(String[] names, String[] services, String[] ingress, String[] egress) {
        static Labels of(RuleTable rules, List<Rule6> rules6, Names names) {
            int n = rules.size();
            int all = n + rules6.size();
            String[] flow = new String[all];
            String[] service = new String[all];
            String[] in = new String[all];
            String[] out = new String[all];
            DeviceNames ifaces = new DeviceNames();
            boolean named = !names.flows().isEmpty() || !names.flows6().isEmpty() || !names.services().isEmpty();
            for (int i = 0; i < all; i++) {
                String s = null;
                String f = null;
                if (i < n) {
                    if (named) {
                        FlowKey key = rules.key(i);
                        s = rules.ownerCode(i) == Owner.SESSION.code()
                                ? serviceOf(names.services(), key.ifindex(), new IpAddress.V4(key.dstIp()), key.dstPort())
                                : null;
                        f = names.flows().get(key);
                    }
                    in[i] = ifaces.name(rules.ifindex(i));
                    out[i] = ifaces.name(rules.egressIfindex(i));
                } else {
                    Rule6 r = rules6.get(i - n);
                    FlowKey6 key = r.key();
                    s = r.rule().owner() == Owner.SESSION
                            ? serviceOf(names.services(), key.ifindex(), key.dstIp(), key.dstPort()) : null;
                    f = names.flows6().get(key);
                    in[i] = ifaces.name(key.ifindex());
                    out[i] = ifaces.name(r.rule().rewrite().ifindex());
                }
                service[i] = s;
                flow[i] = f != null ? f : s != null ? s + " (session)" : "-";
            }
            return new Labels(flow, service, in, out);
        }
    }

    /** The rates of a refresh by rule index; its arrays are reused by the next refresh, which replaces the frame. */
    private static final class Rates implements TopView.Table {
        private final double[] pps;
        private final double[] bps;
        private final long[] packets;
        private final long[] bytes;
        private Read now;

        Rates(int capacity) {
            pps = new double[capacity];
            bps = new double[capacity];
            packets = new long[capacity];
            bytes = new long[capacity];
        }

        Rates fill(Read before, Read now) {
            this.now = now;
            double seconds = (now.nanos() - before.nanos()) / 1e9;
            RuleTable rules = now.rules();
            for (int i = 0; i < now.size(); i++) {
                int slot = i < rules.size() ? rules.slot(i) : now.rule6(i).slot();
                packets[i] = now.counters().packets(slot);
                bytes[i] = now.counters().bytes(slot);
                pps[i] = Math.max(0, packets[i] - before.counters().packets(slot)) / seconds;
                bps[i] = 8.0 * Math.max(0, bytes[i] - before.counters().bytes(slot)) / seconds;
            }
            return this;
        }

        public int size() {
            return now.size();
        }

        public String name(int i) {
            return now.labels().names()[i];
        }

        public String service(int i) {
            return now.labels().services()[i];
        }

        public int ownerCode(int i) {
            return i < now.rules().size() ? now.rules().ownerCode(i) : now.rule6(i).rule().owner().code();
        }

        public boolean ipv6(int i) {
            return i >= now.rules().size();
        }

        public String ingress(int i) {
            return now.labels().ingress()[i];
        }

        public String egress(int i) {
            return now.labels().egress()[i];
        }

        public double pps(int i) {
            return pps[i];
        }

        public double bps(int i) {
            return bps[i];
        }

        public long packets(int i) {
            return packets[i];
        }

        public int compareKeys(int a, int b) {
            if (!ipv6(a) && !ipv6(b)) {
                return now.rules().compareKeys(a, b);
            }
            return ipv6(a) != ipv6(b) ? Boolean.compare(ipv6(a), ipv6(b))
                    : FlowEnds.BY_SOURCE.compare(FlowEnds.of(now.rule6(a).key()), FlowEnds.of(now.rule6(b).key()));
        }

        public TopView.Row row(int i) {
            ShownRule rule = ipv6(i) ? ShownRule.of(now.rule6(i).key(), now.rule6(i).rule())
                    : ShownRule.of(now.rules().key(i), now.rules().rule(i));
            return new TopView.Row(name(i), service(i), rule, ingress(i), egress(i),
                    new FlowCounters(packets[i], bytes[i]), pps[i], bps[i]);
        }
    }

    private TopView.Frame frame(Read before, Read now) {
        if (rates == null) {
            rates = new Rates(now.capacity() + now.capacity6());
        }
        TopView.Table table = rates.fill(before, now);
        Map<Stat, Double> statRates = new EnumMap<>(Stat.class);
        double seconds = (now.nanos() - before.nanos()) / 1e9;
        now.stats().forEach((stat, n) -> statRates.put(stat, Math.max(0, n - before.stats().getOrDefault(stat, 0L)) / seconds));
        // what one refresh costs, from the first read to the rows with their rates
        return new TopView.Frame(table, statRates, now.capacity(), now.capacity6(), intervalSeconds,
                (System.nanoTime() - now.startNanos()) / 1_000_000,
                (THREADS.getCurrentThreadCpuTime() - now.startCpu()) / 1_000_000);
    }

    /**
     * The service a session rule arriving on {@code ifindex} to {@code dst:dstPort} (either family) belongs to: its
     * forward leg arrives at the listen address, its reverse at an egress port.
     */
    static String serviceOf(List<SessionService> services, int ifindex, IpAddress dst, int dstPort) {
        for (SessionService s : services) {
            if (s.listensOn(ifindex, dst, dstPort) || (ifindex == s.egressIfindex() && s.egressAddress().equals(dst)
                    && dstPort >= s.ports().first() && dstPort <= s.ports().last())) {
                return s.name();
            }
        }
        return null;
    }
}
