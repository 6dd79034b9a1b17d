package io.xdprecon.daemon.dpdk;

import io.xdprecon.config.Config;
import io.xdprecon.config.Endpoint;
import io.xdprecon.config.Service;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.dpdk.Agent;
import io.xdprecon.dataplane.dpdk.Counters;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.dpdk.Eal;
import io.xdprecon.dataplane.dpdk.EthPort;
import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.dataplane.dpdk.IdleStrategy;
import io.xdprecon.dataplane.dpdk.Mempool;
import io.xdprecon.dataplane.dpdk.Payload;
import io.xdprecon.dataplane.dpdk.PortLifecycle;
import io.xdprecon.dataplane.dpdk.SlowPathLoop;
import io.xdprecon.dataplane.layout.LayoutMigration;
import io.xdprecon.dataplane.layout.PinnedLayout;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.Rules6Map;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.sessions.CounterSource;
import io.xdprecon.sessions.Legs;
import io.xdprecon.sessions.PortPool;
import io.xdprecon.sessions.RuleSink;
import io.xdprecon.sessions.Session;
import io.xdprecon.sessions.SessionService;
import io.xdprecon.sessions.SessionTable;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.TuningSetting;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import java.util.stream.Stream;

/**
 * The DPDK slow path of {@code datapath.mode: dpdk}, as an {@link Agent}: an
 * {@link io.xdprecon.dataplane.dpdk.AgentRunner} runs it on one platform thread — EAL's main lcore, so every
 * DPDK call stays on it. {@link #onStart()} initialises EAL with one {@code net_af_xdp} port per device (the PMD
 * attaches our XDP object and pins its maps by name under {@link #PIN_ROOT}) and adopts the session rules it
 * finds in the map; {@link #doWork()} runs one {@link SlowPathLoop} per port with the {@link SessionTable} as
 * router — a first packet to a service becomes a session with both rules in the map —, and every
 * {@value #SWEEP_MILLIS} ms sweeps idle sessions, takes service changes from new revisions ({@link #services})
 * and publishes {@link Stats}; every second it re-reads the kernel's neighbour table ({@link Neighbours}) for
 * the next hop's MAC. {@link #onClose()} stops the ports.
 *
 * <p>Start and stop follow a {@link PortLifecycle}, in production {@link DpdkDatapathLifecycle}: the maps are
 * pinned first when they are not, the tc bridge forwards while the PMD attaches XDP, and again from before the
 * ports close until the next start (in this process or another), so offloaded sessions keep forwarding
 * through a restart. When the bridge cannot be attached at stop the ports stay open, so XDP stays.
 *
 * <p>A service change goes to the live table ({@link SessionTable#update}): sessions of a kept service stay
 * under its new settings — those of a removed backend drain or move, per the service's
 * {@code onBackendRemoval} —, those of a removed service (or one whose listen or egress changed) lose their
 * rules. The table and its counters live as long as the loop.
 *
 * <p>A first packet whose session leaves by another device (a service listening on one interface and
 * reaching its backends on another) is sent on that device's port: the loops are each other's peers.
 *
 * <p>Limits: a rewrite toward a device without a DPDK port is dropped and counted
 * ({@code other_interface}); a next hop the kernel has no neighbour
 * entry for is dropped and counted ({@code no_neighbour}) — the session's rules are in place, so its next
 * packets go through XDP, whose FIB lookup hands them to the kernel, which resolves the neighbour.
 *
 * <p>Other threads read {@link #stats()}, {@link #sessions()} and {@link #steps()}, and hand over services.
 */
public final class DpdkLoop implements Agent {
    /** Where DPDK's PMD pins the maps: libbpf's default for pin-by-name maps. */
    public static final Path PIN_ROOT = Datapath.DEFAULT_PIN_ROOT;
    /** How the loop's thread waits when no port had a packet: spin, yield, then park up to 100 µs. */
    public static final IdleStrategy IDLE = IdleStrategy.backoff(1000, 100, 100_000);
    static final long SWEEP_MILLIS = 100;
    static final long NEIGHBOUR_REFRESH_NANOS = 1_000_000_000L;
    static final int BURST = 32;

    private static final System.Logger LOG = System.getLogger(DpdkLoop.class.getName());

    /**
     * How EAL and the ports start.
     *
     * @param devices   kernel interfaces, one AF_XDP port each (queue 0)
     * @param hugepages whether the node reserves huge pages (the config's tuning); {@code --no-huge} otherwise
     * @param memoryMb  EAL memory
     * @param maxRules  the rules map's capacity when the maps are not pinned yet (the config's datapath.maxRules)
     * @param icmpEcho  what the loops do with ICMP echo requests to a local IP (the config's datapath.icmpEcho)
     */
    public record Settings(List<String> devices, boolean hugepages, int memoryMb, int maxRules, IcmpEcho.Policy icmpEcho) {
        public Settings {
            devices = List.copyOf(devices);
            if (devices.isEmpty()) {
                throw new IllegalArgumentException("datapath.mode dpdk needs at least one service interface");
            }
        }

        /** EAL's arguments: core 0, no PCI, no telemetry, a file prefix unique to this process, the vdevs. */
        public List<String> ealArgs(Path xdpObject) {
            List<String> args = new ArrayList<>(List.of("-l", "0", "--no-pci", "--no-telemetry", "-m",
                    Integer.toString(memoryMb), "--file-prefix", "xdprecon-" + ProcessHandle.current().pid()));
            args.addAll(hugepages ? List.of("--in-memory") : List.of("--no-huge", "--no-shconf"));
            for (int i = 0; i < devices.size(); i++) {
                args.add("--vdev");
                args.add(Eal.afXdpVdev(i, devices.get(i), xdpObject.toString()));
            }
            return args;
        }

        /**
         * How a node's config starts the loop: the devices its services use, huge pages when its tuning reserves
         * them, its rules map capacity and ICMP echo policy, 256 MB of EAL memory.
         */
        public static Settings of(Config config, DesiredState desired, String node) {
            boolean hugepages = desired.tuning().stream().anyMatch(t -> t instanceof TuningSetting.Hugepages h && h.count() > 0);
            return new Settings(devicesOf(config.services(node)), hugepages, 256, desired.datapath().maxRules(),
                    config.icmpEcho(node));
        }

        /** The devices the services of a node listen and send on, in config order. */
        public static List<String> devicesOf(List<Service> services) {
            List<String> devices = new ArrayList<>();
            for (Service s : services) {
                for (String d : List.of(s.listen().device(), s.egress().device())) {
                    if (!devices.contains(d)) {
                        devices.add(d);
                    }
                }
            }
            return devices;
        }
    }

    /** A service's egress ports: in use, and in all (each backend has its own pool over the range). */
    public record PoolUse(int used, int capacity) {}

    /** What the router counts beside the table: why it gave a routed packet no rewrite. */
    public enum Counter implements Counters.Name {
        NO_NEIGHBOUR(Counters.fate("no_neighbour",
                "First packets whose next hop has no kernel neighbour entry (the session's rules carry the later ones)"));

        private final Counters.Shown shown;

        Counter(Counters.Shown shown) {
            this.shown = shown;
        }

        @Override
        public Counters.Shown shown() {
            return shown;
        }
    }

    /**
     * What the loop did, published after each sweep: the loops' counters summed over ports, the router's, the
     * table's, the pools', and DPDK's own per-port statistics (by device).
     */
    public record Stats(Counters.Values<SlowPathLoop.Counter> loop, Counters.Values<Counter> router, SessionTable.Stats table,
            Map<String, PoolUse> pools, Map<String, EthPort.Stats> ports) {
        /** Every counter the stats hold, the loops' first, then the router's and the table's. */
        public static final List<Counters.Name> COUNTERS = Stream.of(SlowPathLoop.Counter.values(), Counter.values(),
                SessionTable.Counter.values()).<Counters.Name>flatMap(Arrays::stream).toList();

        public long get(Counters.Name counter) {
            return switch (counter) {
                case SlowPathLoop.Counter c -> loop.get(c);
                case Counter c -> router.get(c);
                case SessionTable.Counter c -> table.get(c);
                default -> throw new IllegalArgumentException("not a DPDK loop counter: " + counter);
            };
        }

        /** Each counter of {@link #COUNTERS} with its value. */
        public void forEach(ObjLongConsumer<Counters.Name> action) {
            COUNTERS.forEach(c -> action.accept(c, get(c)));
        }
    }

    /** One session as {@code xdprecon sessions} shows it. Fast-path counters are both rules' (0 while on the slow path). */
    public record SessionRow(String service, Endpoint client, Endpoint backend, int egressPort,
            Duration age, Duration idle, long fastPackets, long fastBytes, long slowPackets, boolean installed) {}

    /** Services handed over by another thread, and who waits for the loop to take them. */
    private record ServiceChange(List<Service> services, CompletableFuture<Integer> taken) {}

    private final Settings settings;
    private final Function<List<Integer>, PortLifecycle> lifecycles;
    private final ConcurrentLinkedQueue<ServiceChange> serviceChanges = new ConcurrentLinkedQueue<>();
    private final List<DpdkDatapathLifecycle.Step> steps = new CopyOnWriteArrayList<>();
    private final Neighbours neighbours = new Neighbours(Neighbours.PROC_ARP);
    private final Counters<Counter> routerCounters = Counters.of(Counter.class);
    private volatile SessionTable table;
    private volatile RulesMap rules;
    private volatile Rules6Map rules6;
    private volatile Stats stats;

    // the agent's thread only, from onStart to onClose
    private List<SessionService> current = List.of();
    private Path xdpObject;
    private Eal eal;
    private Mempool pool;
    private final List<EthPort> ports = new ArrayList<>();
    private PortLifecycle lifecycle;
    private Datapath datapath;
    private List<SlowPathLoop> loops = List.of();
    private long now;
    private long nextSweep;
    private long nextNeighbours;

    /** A loop for {@code settings} whose ports start and stop through {@link DpdkDatapathLifecycle}, the tc bridge. */
    public DpdkLoop(Settings settings, List<Service> services) {
        this(settings, services, ifindexes -> new DpdkDatapathLifecycle(PIN_ROOT, ifindexes));
    }

    /**
     * A loop whose ports start and stop through the lifecycle {@code lifecycles} makes for their ifindexes (resolved
     * on the loop's thread, in its network namespace).
     */
    public DpdkLoop(Settings settings, List<Service> services, Function<List<Integer>, PortLifecycle> lifecycles) {
        this.settings = settings;
        this.lifecycles = lifecycles;
        serviceChanges.add(new ServiceChange(List.copyOf(services), new CompletableFuture<>()));
    }

    @Override
    public String roleName() {
        return "xdprecon-dpdk";
    }

    @Override
    public void onStart() throws IOException {
        List<Integer> ifindexes = settings.devices().stream().map(NetNs::ifindex).toList();
        int capacity = pinOrMigrate(ifindexes);
        // the PMD loads the object as it is, and libbpf adopts pinned maps only of the capacity it declares
        xdpObject = Files.createTempFile("xdprecon-xdp_fwd-", ".o");
        Files.write(xdpObject, Datapath.objectFor(capacity));
        lifecycle = lifecycles.apply(ifindexes);
        record("DPDK start", lifecycle.start(this::startPorts));
        datapath = Datapath.openPinned(PIN_ROOT);
        rules = datapath.rules();
        rules6 = datapath.rules6();
        neighbours.refresh();
        int[] portIfindexes = ifindexes.stream().mapToInt(Integer::intValue).toArray();
        long[] portMacs = ports.stream().mapToLong(p -> SlowPathLoop.mac(p.macAddress())).toArray();
        List<SlowPathLoop> made = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            made.add(loop(portIfindexes[i], ports.get(i), portIfindexes, portMacs));
        }
        made.forEach(l -> l.peers(made));
        loops = List.copyOf(made);
        now = System.nanoTime();
        nextNeighbours = now + NEIGHBOUR_REFRESH_NANOS;
        takeServices();
        publish();
        nextSweep = now + SWEEP_MILLIS * 1_000_000;
        LOG.log(Level.INFO, "DPDK loop running on " + settings.devices() + " (" + Eal.version() + "), "
                + table.stats().get(SessionTable.Counter.ADOPTED) + " sessions adopted from the map");
    }

    /**
     * The maps first, so that the tc bridge and the PMD's program share them: pinned when they are not; migrated
     * when they are of an older layout or another capacity than the config's ({@link LayoutMigration}, before any
     * port: the loop is their one writer, and what runs on the devices — the bridge a stop left, or the XDP
     * program a crash left — moves onto the new maps in one step). Returns the rules capacity now pinned.
     */
    private int pinOrMigrate(List<Integer> ifindexes) {
        LayoutMigration.recover(PIN_ROOT).ifPresent(done -> LOG.log(Level.WARNING, done));
        Optional<PinnedLayout> pinned = PinnedLayout.probe(PIN_ROOT);
        if (pinned.isPresent() && pinned.get().isNewer()) {
            throw new Datapath.LayoutMismatch(PIN_ROOT, pinned.get().version());
        }
        if (pinned.isPresent() && (!pinned.get().isCurrent() || pinned.get().rulesCapacity() != settings.maxRules())) {
            LayoutMigration.Report report = LayoutMigration.migrate(PIN_ROOT, settings.maxRules(),
                    new LayoutMigration.Devices(ifindexes, true), Set.of(), LayoutMigration.Checkpoint.NONE);
            record("DPDK start", List.of(new DpdkDatapathLifecycle.Step(DpdkDatapathLifecycle.Action.MAPS_MIGRATED, 0,
                    "layout " + report.fromLayout() + " -> " + report.toLayout() + ", rules map " + report.fromCapacity() + " -> "
                    + report.toCapacity() + " entries: " + report.rulesMoved() + " rules moved, " + report.countsCarried()
                    + " packets counted meanwhile carried" + (report.swapped().isEmpty() ? "" : "; " + String.join("; ", report.swapped())))));
            return settings.maxRules();
        }
        if (!Datapath.isPinned(PIN_ROOT)) {
            try (Datapath created = Datapath.load(PIN_ROOT, settings.maxRules())) {
                LOG.log(Level.INFO, "pinned the datapath maps under " + PIN_ROOT);
                return created.rules().capacity();
            }
        }
        return pinned.orElseThrow().rulesCapacity();
    }

    private void startPorts() {
        eal = Eal.init(settings.ealArgs(xdpObject));
        pool = Mempool.create("xdprecon_slow", 8191, 250, Mempool.DEFAULT_DATA_ROOM, Mempool.ANY_SOCKET);
        for (int i = 0; i < settings.devices().size(); i++) {
            EthPort port = EthPort.byName("net_af_xdp" + i);
            ports.add(port);
            port.configure(1, 1).rxQueueSetup(0, 1024, pool).txQueueSetup(0, 1024).start();
        }
    }

    @Override
    public int doWork() {
        now = System.nanoTime();
        int work = 0;
        for (int i = 0, n = loops.size(); i < n; i++) {
            work += loops.get(i).doWork();
        }
        if (now - nextSweep >= 0) {
            takeServices();
            table.sweep(now);
            publish();
            nextSweep = now + SWEEP_MILLIS * 1_000_000;
        }
        if (now - nextNeighbours >= 0) {
            try {
                neighbours.refresh();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "cannot read the neighbour table, keeping the last one: " + e);
            }
            nextNeighbours = now + NEIGHBOUR_REFRESH_NANOS;
        }
        return work;
    }

    /**
     * Publishes the last stats, then stops the ports: the tc bridge first (flows keep forwarding), then the ports
     * close (the PMD detaches XDP), the pool, EAL; when the bridge cannot be attached, nothing more (XDP stays).
     * Copes with a start that failed part way.
     */
    @Override
    public void onClose() {
        if (table != null) {
            loops.forEach(SlowPathLoop::drain);
            publish();
        }
        table = null;
        rules = null;
        rules6 = null;
        if (datapath != null) {
            datapath.close();
        }
        if (stopPorts()) {
            if (pool != null) {
                pool.close();
            }
            if (eal != null) {
                eal.close();
            }
        }
        serviceChanges.forEach(c -> c.taken().cancel(false));
        try {
            if (xdpObject != null) {
                Files.deleteIfExists(xdpObject);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove " + xdpObject + ": " + e.getMessage());
        }
    }

    /** Closes the ports behind the lifecycle; false when they are left open (the bridge could not be attached). */
    private boolean stopPorts() {
        boolean[] closing = {false};
        try {
            if (lifecycle != null && !ports.isEmpty()) {
                record("DPDK stop", lifecycle.stop(() -> {
                    closing[0] = true;
                    ports.forEach(EthPort::close);
                }));
            } else {
                closing[0] = true;
                ports.forEach(EthPort::close);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "DPDK stop: " + e.getMessage(), e);
            if (e instanceof DpdkDatapathLifecycle.LifecycleException failed) {
                steps.addAll(failed.done());
            }
            if (!closing[0]) {
                // no bridge: rte_eal_cleanup would close the ports (DPDK 22.11 cleans the buses up) and the PMD detach
                // XDP, leaving nothing to forward; open ports keep XDP attached past the process, as after a crash
                LOG.log(Level.ERROR, "DPDK stop: ports, pool and EAL left as they are, so that XDP keeps forwarding");
                return false;
            }
        }
        return true;
    }

    private void record(String phase, List<DpdkDatapathLifecycle.Step> done) {
        steps.addAll(done);
        done.forEach(step -> LOG.log(Level.INFO, phase + ": " + step));
    }

    /**
     * One port's loop. Its router gives a rewrite the source MAC of the port it leaves by (a peer's, when
     * the session's egress is another interface) and the next hop's MAC from the kernel's neighbours.
     */
    private SlowPathLoop loop(int ifindex, EthPort port, int[] portIfindexes, long[] portMacs) {
        return new SlowPathLoop(port, 0, ifindex, BURST, new Router(portIfindexes, portMacs), settings.icmpEcho());
    }

    /** The session table as the loops' router, for both families; the next hop is the rewrite's destination. */
    private final class Router implements SlowPathLoop.Router {
        private final int[] portIfindexes;
        private final long[] portMacs;

        Router(int[] portIfindexes, long[] portMacs) {
            this.portIfindexes = portIfindexes;
            this.portMacs = portMacs;
        }

        @Override
        public boolean route(int in, int srcIp, int dstIp, int srcPort, int dstPort, Payload payload,
                SlowPathLoop.Rewrite out) {
            FlowKey r = table.route(in, srcIp, dstIp, srcPort, dstPort, payload, now);
            if (r == null) {
                return false;
            }
            long mac = neighbours.mac(r.dstIp());
            return mac >= 0 ? out.set(r, sourceMac(r.ifindex()), mac) : noNeighbour();
        }

        @Override
        public boolean route6(int in, long srcHigh, long srcLow, long dstHigh, long dstLow, int srcPort, int dstPort,
                Payload payload, SlowPathLoop.Rewrite out) {
            FlowKey6 r = table.route6(in, srcHigh, srcLow, dstHigh, dstLow, srcPort, dstPort, payload, now);
            if (r == null) {
                return false;
            }
            long mac = neighbours.mac6(r.dstIp().high(), r.dstIp().low());
            return mac >= 0 ? out.set(r, sourceMac(r.ifindex()), mac) : noNeighbour();
        }

        private long sourceMac(int egress) {
            int p = 0;
            while (p < portIfindexes.length - 1 && portIfindexes[p] != egress) {
                p++;
            }
            return portIfindexes[p] == egress ? portMacs[p] : portMacs[0];
        }

        private boolean noNeighbour() {
            routerCounters.increment(Counter.NO_NEIGHBOUR);
            return false;
        }
    }

    /**
     * Services of a newly applied revision; the loop takes them at its next sweep. The future completes then,
     * with the sessions moved off removed backends (cancelled if the loop ends first).
     */
    public CompletableFuture<Integer> services(List<Service> services) {
        ServiceChange change = new ServiceChange(List.copyOf(services), new CompletableFuture<>());
        serviceChanges.add(change);
        return change.taken();
    }

    /** The newest services handed over, if any: given to the table (or the table made of them). */
    private void takeServices() {
        List<ServiceChange> taken = new ArrayList<>();
        for (ServiceChange c; (c = serviceChanges.poll()) != null; ) {
            taken.add(c);
        }
        if (taken.isEmpty()) {
            return;
        }
        List<Service> next = taken.getLast().services();
        List<String> portless = Settings.devicesOf(next).stream().filter(d -> !settings.devices().contains(d)).toList();
        if (!portless.isEmpty()) {
            LOG.log(Level.WARNING, "services now use " + portless + ", where DPDK has no port (it started on "
                    + settings.devices() + "): their first packets reach no session until the daemon restarts");
        }
        List<SessionService> resolved = next.stream().map(s -> SessionService.of(s, NetNs::ifindex)).toList();
        int moved = 0;
        if (table == null) {
            // a session holds two rules: the maps bound the table (Caffeine evicts past it, releasing rules and port)
            SessionTable fresh = new SessionTable(resolved, RuleSink.of(rules, rules6), CounterSource.of(rules, rules6),
                    Math.max(1, (rules.capacity() + rules6.capacity()) / 2));
            fresh.adopt(rules.readAll(), rules6.readAll(), now);
            table = fresh;
        } else if (!resolved.equals(current)) {
            SessionTable.Stats before = table.stats();
            moved = table.update(resolved);
            SessionTable.Stats after = table.stats();
            LOG.log(Level.INFO, "services changed: " + after.sessions() + " sessions kept, " + moved + " moved off removed"
                    + " backends, " + after.draining() + " draining, "
                    + (after.get(SessionTable.Counter.RETIRED) - before.get(SessionTable.Counter.RETIRED)) + " retired");
        }
        current = resolved;
        int result = moved;
        taken.forEach(c -> c.taken().complete(result));
    }

    private void publish() {
        Counters.Values<SlowPathLoop.Counter> sum = Counters.Values.zero(SlowPathLoop.Counter.class);
        for (SlowPathLoop l : loops) {
            sum = sum.plus(l.counters());
        }
        Map<String, PoolUse> pools = new LinkedHashMap<>();
        for (SessionService s : current) {
            int used = 0;
            int capacity = 0;
            for (Endpoint backend : s.backends()) {
                PortPool p = table.pool(s.name(), backend);
                used += p.inUse();
                capacity += p.range().size();
            }
            pools.put(s.name(), new PoolUse(used, capacity));
        }
        Map<String, EthPort.Stats> portStats = new LinkedHashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            portStats.put(settings.devices().get(i), ports.get(i).stats());
        }
        stats = new Stats(sum, routerCounters.values(), table.stats(), pools, portStats);
    }

    /** The latest stats, empty before the loop started. */
    public Optional<Stats> stats() {
        return Optional.ofNullable(stats);
    }

    /** The steps the ports' lifecycle took so far: those of the start, then those of the stop. */
    public List<DpdkDatapathLifecycle.Step> steps() {
        return List.copyOf(steps);
    }

    /** Both rules' counters of a session, from its family's rules map. */
    private static FlowCounters fastPath(Legs legs, RulesMap r, Rules6Map r6) {
        return switch (legs) {
            case Legs.V4 v4 -> r.counters(v4.forwardKey()).plus(r.counters(v4.reverseKey()));
            case Legs.V6 v6 -> r6.counters(v6.forwardKey()).plus(r6.counters(v6.reverseKey()));
        };
    }

    /** The live sessions with their counters, read now (safe from any thread; none before the start or after the close). */
    public List<SessionRow> sessions() {
        SessionTable t = table;
        RulesMap r = rules;
        Rules6Map r6 = rules6;
        if (t == null || r == null || r6 == null) {
            return List.of();
        }
        long nowNanos = System.nanoTime();
        List<SessionRow> rows = new ArrayList<>();
        for (Session s : t.sessions()) {
            FlowCounters fast = s.installed() ? fastPath(s.legs(), r, r6) : FlowCounters.ZERO;
            rows.add(new SessionRow(s.key().service(), new Endpoint(s.key().client(), s.key().clientPort()), s.backend(),
                    s.egressPort(), Duration.ofNanos(nowNanos - s.createdNanos()),
                    Duration.ofNanos(Math.max(0, nowNanos - s.lastActiveNanos())), fast.packets(), fast.bytes(),
                    s.slowPathPackets(), s.installed()));
        }
        return rows;
    }
}
