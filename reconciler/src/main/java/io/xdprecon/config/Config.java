package io.xdprecon.config;

import io.xdprecon.config.Spec.At;
import io.xdprecon.config.Spec.EndpointSpec;
import io.xdprecon.config.Spec.HugepageSpec;
import io.xdprecon.config.Spec.InterfaceSpec;
import io.xdprecon.config.Spec.InterfaceTuningSpec;
import io.xdprecon.config.Spec.NodeSpec;
import io.xdprecon.config.Spec.ServiceSpec;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.Direction;
import io.xdprecon.state.DesiredRule6;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.TuningSetting;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A loaded, valid config: the base and every node's merged view have passed the schema and the semantic
 * checks (see {@link ConfigLoader}). What is left to check is what only a node can tell: whether its
 * devices exist, which {@link #forNode} asks through an {@link InterfaceResolver}.
 *
 * <p>Immutable and free of I/O, except {@link #defaultNode()}, which reads the host name.
 */
public final class Config {
    /** The format version this build reads. */
    public static final String API_VERSION = "xdprecon.io/v1";
    /** Every apiVersion this build reads, oldest first. */
    public static final List<String> SUPPORTED_API_VERSIONS = List.of(API_VERSION);

    private final Path file;
    private final List<ParsedFile> files;
    private final NodeSpec base;
    private final Map<String, NodeSpec> nodes;
    private final List<String> nodeOrder;
    /** {@code unnamedNodes} as written (true: base), absent when not. */
    private final Optional<At<Boolean>> unnamedNodesGetBase;
    /** Where {@code nodes} stands, for an error about a node it lacks. */
    private final String nodesPointer;

    Config(Path file, List<ParsedFile> files, NodeSpec base, Map<String, NodeSpec> nodes,
            Optional<At<Boolean>> unnamedNodesGetBase, String nodesPointer) {
        this.file = file;
        this.files = List.copyOf(files);
        this.base = base;
        this.nodes = Map.copyOf(nodes);
        this.nodeOrder = List.copyOf(nodes.keySet());
        this.unnamedNodesGetBase = unnamedNodesGetBase;
        this.nodesPointer = nodesPointer;
    }

    /**
     * Whether the config serves node {@code node}: it lists it under {@code nodes}, lists no node at all (then every
     * node gets the base), or says {@code unnamedNodes: base}. Any other name is most likely a typo: with the
     * default {@code unnamedNodes: refuse} it gets nothing rather than the base.
     */
    public boolean serves(String node) {
        return nodes.isEmpty() || nodes.containsKey(node) || unnamedNodesGetBase.map(At::value).orElse(false);
    }

    /** Why node {@code node} is not served, to follow "node 'NAME' ": what it lacks and the two ways to fix it. */
    public String whyNotServed(String node) {
        return "is not listed under nodes (" + String.join(", ", nodeOrder) + ") and unnamedNodes is "
                + unnamedNodesGetBase.map(u -> "refuse").orElse("refuse (the default)") + ": list it ('" + node
                + ": {}' gets the base) or say 'unnamedNodes: base'";
    }

    /**
     * Where the {@code suspend: true} that holds node {@code node} still is written ({@code FILE:LINE:COL}; the
     * node's own {@code suspend}, else the base's), or empty when the config lets it reconcile.
     */
    public Optional<String> suspendedAt(String node) {
        return spec(node).suspend().filter(At::value).map(at -> {
            ConfigError place = new Locator(files).place(new Problem.AtValue(at.pointer(), "suspend"));
            return place.file() + ":" + place.line() + ":" + place.column();
        });
    }

    /** The file (or directory) it was read from, or the name it was given. */
    public Path file() {
        return file;
    }

    /** The files it was read from, in path order. */
    List<ParsedFile> files() {
        return files;
    }

    /** How many static flows node {@code node} gets. */
    public int flowCount(String node) {
        int count = 0;
        for (FlowTable table : spec(node).flows()) {
            count += table.size();
        }
        return count;
    }

    /** The nodes with an override under {@code nodes}, in file order. Any other node gets the base. */
    public List<String> nodes() {
        return nodeOrder;
    }

    /** The static flows node {@code node} gets, in file order (base entries first, then the node's new ones). */
    public List<Flow> flows(String node) {
        NodeSpec spec = spec(node);
        List<Flow> flows = new ArrayList<>();
        for (FlowTable table : spec.flows()) {
            for (int r = 0; r < table.size(); r++) {
                flows.add(new Flow(table.name(r), table.client(r), attachment(spec, table.listenIface(r),
                        new Endpoint(table.listenAddress(r), table.listenPort(r))), attachment(spec, table.egressIface(r),
                        new Endpoint(table.egressAddress(r), table.egressPort(r))), table.server(r)));
            }
        }
        return flows;
    }

    /** The services node {@code node} gets, for the DPDK loop. */
    public List<Service> services(String node) {
        NodeSpec spec = spec(node);
        return spec.services().stream().map(s -> service(spec, s)).toList();
    }

    /** What the DPDK loop of {@code node} does with ICMP echo requests to its local IPs (default: answer). */
    public IcmpEcho.Policy icmpEcho(String node) {
        return spec(node).datapath().icmpEcho().map(At::value).orElse(IcmpEcho.Policy.ANSWER);
    }

    /**
     * What node {@code node} should hold: its rules (two per flow), local IPs, tuning and datapath settings,
     * with each kernel device resolved to its ifindex. A node without an override gets the base, when served.
     *
     * @throws ConfigException naming the {@code device:} line of every device the resolver does not know,
     *                         or {@code nodes} (or {@code unnamedNodes}) for a node it does not {@link #serves serve}
     */
    public DesiredState forNode(String node, InterfaceResolver resolver) {
        return forNode(node, resolver, Optional.empty()).desired();
    }

    /**
     * What a node's desired state was built from: its flow tables in order, each with the ifindex of each of its
     * interfaces. A later revision's tables that are the same objects (an unchanged file's, {@link ConfigCache})
     * with the same ifindexes give the same rules: those are taken from {@code desired}, not derived and sorted anew.
     */
    record NodeRules(String node, List<FlowTable> tables, List<int[]> ifindexes, DesiredState desired) {}

    /**
     * {@link #forNode(String, InterfaceResolver)}, reusing the rules of the tables {@code previous} was built from
     * (same table, same ifindexes): one merged walk of them and the new tables' rules.
     */
    NodeRules forNode(String node, InterfaceResolver resolver, Optional<NodeRules> previous) {
        if (!serves(node)) {
            String at = unnamedNodesGetBase.map(At::pointer).orElse(nodesPointer);
            throw new ConfigException(List.of(new Locator(files).place(new Problem.AtKey(at, "node '" + node + "' "
                    + whyNotServed(node)))));
        }
        NodeSpec spec = spec(node);
        Map<String, Integer> ifindexByDevice = new LinkedHashMap<>();
        List<ConfigError> missing = new ArrayList<>();
        for (InterfaceSpec iface : spec.interfaces().values()) {
            OptionalInt ifindex = resolver.ifindex(iface.device().value());
            if (ifindex.isPresent()) {
                ifindexByDevice.put(iface.device().value(), ifindex.getAsInt());
            } else {
                missing.add(new Locator(files).place(new Problem.AtValue(iface.device().pointer(),
                        "there is no device '" + iface.device().value() + "' on node '" + node + "' (interface '"
                                + iface.name() + "')")));
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(missing);
        }
        List<int[]> ifindexes = new ArrayList<>(spec.flows().size());
        for (FlowTable table : spec.flows()) {
            int[] numbers = new int[table.interfaces().size()];
            for (int i = 0; i < numbers.length; i++) {
                numbers[i] = ifindexByDevice.get(spec.interfaces().get(table.interfaces().get(i)).device().value());
            }
            ifindexes.add(numbers);
        }
        boolean anyV6 = spec.flows().stream().anyMatch(FlowTable::anyV6);
        DesiredRules rules = previous.filter(p -> p.node().equals(node) && !anyV6) // IPv6 rows are not in the packed rules
                .flatMap(p -> reuse(spec.flows(), ifindexes, p))
                .orElseGet(() -> build(spec.flows(), ifindexes, t -> true));
        Map<FlowKey6, DesiredRule6> rules6 = anyV6 ? rules6(spec.flows(), ifindexes) : Map.of();
        DatapathSettings datapath = new DatapathSettings(
                spec.datapath().mode().map(At::value).orElse(DatapathSettings.Mode.XDP),
                spec.datapath().attachMode().map(At::value).orElse(XdpMode.NATIVE),
                spec.datapath().maxRules().map(At::value).orElse(Checks.DEFAULT_MAX_RULES),
                ifindexByDevice);
        return new NodeRules(node, spec.flows(), ifindexes, new DesiredState(node, file.toString(), rules, localIps(spec),
                tuning(spec), datapath, rules6, localIps6(spec)));
    }

    /** The IPv6 flows' rules, two per flow, as objects (the IPv6 map holds at most 65,536). */
    private static Map<FlowKey6, DesiredRule6> rules6(List<FlowTable> tables, List<int[]> ifindexes) {
        Map<FlowKey6, DesiredRule6> rules = new LinkedHashMap<>();
        for (int t = 0; t < tables.size(); t++) {
            FlowTable table = tables.get(t);
            for (int r = table.firstV6(); r >= 0 && r < table.size(); r++) {
                if (!table.v6(r)) {
                    continue;
                }
                String name = table.name(r);
                for (Direction direction : Direction.values()) {
                    FlowKey6[] leg = table.leg6(r, direction, ifindexes.get(t));
                    rules.put(leg[0], new DesiredRule6(new FlowRule6(leg[1], Owner.CONFIG), name, direction));
                }
            }
        }
        return rules;
    }

    /** The rules of {@code tables} for which {@code which} holds: two per flow, sorted by key. */
    private static DesiredRules build(List<FlowTable> tables, List<int[]> ifindexes, java.util.function.IntPredicate which) {
        int flows = 0;
        for (int t = 0; t < tables.size(); t++) {
            flows += which.test(t) ? tables.get(t).size() : 0;
        }
        DesiredRules.Builder rules = new DesiredRules.Builder(2 * flows);
        long[] leg = new long[4];
        Direction[] directions = Direction.values();
        for (int t = 0; t < tables.size(); t++) {
            if (!which.test(t)) {
                continue;
            }
            FlowTable table = tables.get(t);
            for (int r = 0; r < table.size(); r++) {
                if (table.v6(r)) {
                    continue; // DesiredState.rules6
                }
                int flow = table.nameInto(r, rules);
                for (Direction direction : directions) {
                    table.leg(r, direction, ifindexes.get(t), leg);
                    rules.rule(flow, direction, leg[Flow.KEY_HIGH], leg[Flow.KEY_LOW], leg[Flow.REWRITE_HIGH],
                            leg[Flow.REWRITE_LOW]);
                }
            }
        }
        return rules.build();
    }

    /**
     * The rules of {@code tables} from {@code previous}'s for the tables it had, and built for the others; empty
     * when there is little to reuse (a cold start's build is a sort anyway) or a key is held twice.
     */
    private static Optional<DesiredRules> reuse(List<FlowTable> tables, List<int[]> ifindexes, NodeRules previous) {
        DesiredRules before = previous.desired().packed();
        Map<FlowTable, Integer> firstFlow = new java.util.IdentityHashMap<>();
        Map<FlowTable, int[]> ifindexesBefore = new java.util.IdentityHashMap<>();
        int flow = 0;
        for (int t = 0; t < previous.tables().size(); t++) {
            FlowTable table = previous.tables().get(t);
            firstFlow.put(table, flow);
            ifindexesBefore.put(table, previous.ifindexes().get(t));
            flow += table.size();
        }
        if (flow != before.flows() || before.size() != 2 * flow) {
            return Optional.empty(); // not what those tables build: take no part of it
        }
        boolean[] fresh = new boolean[tables.size()];
        int freshFlows = 0;
        int allFlows = 0;
        for (int t = 0; t < tables.size(); t++) {
            FlowTable table = tables.get(t);
            fresh[t] = !firstFlow.containsKey(table) || !java.util.Arrays.equals(ifindexesBefore.get(table), ifindexes.get(t));
            freshFlows += fresh[t] ? table.size() : 0;
            allFlows += table.size();
        }
        if (2L * freshFlows > allFlows) {
            return Optional.empty();
        }
        DesiredRules built = build(tables, ifindexes, t -> fresh[t]);
        List<DesiredRules.Span> spans = new ArrayList<>(tables.size());
        int builtFlow = 0;
        for (int t = 0; t < tables.size(); t++) {
            FlowTable table = tables.get(t);
            if (fresh[t]) {
                spans.add(new DesiredRules.Span(built, builtFlow, table.size()));
                builtFlow += table.size();
            } else {
                spans.add(new DesiredRules.Span(before, firstFlow.get(table), table.size()));
            }
        }
        return DesiredRules.concat(spans);
    }

    /**
     * This host's node name: the kernel's host name (as {@code hostname} prints it), which is what
     * {@code --node} defaults to.
     */
    public static String defaultNode() {
        for (Path source : List.of(Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname"))) {
            try {
                String name = Files.readString(source).strip();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException e) {
                // not Linux, or a container without it: try the next source
            }
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private NodeSpec spec(String node) {
        return nodes.getOrDefault(node, base);
    }

    /** The IPv4 local IPs: the config's and its services' listen and egress addresses. */
    private static Set<Integer> localIps(NodeSpec spec) {
        Set<Integer> ips = new LinkedHashSet<>();
        for (IpAddress ip : localAddresses(spec)) {
            if (ip instanceof IpAddress.V4 v4) {
                ips.add(v4.bits());
            }
        }
        return ips;
    }

    /** The IPv6 local IPs ({@code xdp_local_ips6}), as {@link #localIps} finds them. */
    private static Set<IpAddress.V6> localIps6(NodeSpec spec) {
        Set<IpAddress.V6> ips = new LinkedHashSet<>();
        for (IpAddress ip : localAddresses(spec)) {
            if (ip instanceof IpAddress.V6 v6) {
                ips.add(v6);
            }
        }
        return ips;
    }

    private static List<IpAddress> localAddresses(NodeSpec spec) {
        List<IpAddress> ips = new ArrayList<>();
        spec.localIps().forEach(ip -> ips.add(ip.value()));
        for (ServiceSpec service : spec.services()) {
            // clients' first packets must reach the DPDK loop
            ips.add(service.listen().address().value());
            // and so must backends' answers to a new session
            ips.add(service.egressAddress().value());
        }
        return ips;
    }

    private static List<TuningSetting> tuning(NodeSpec spec) {
        List<TuningSetting> settings = new ArrayList<>();
        for (HugepageSpec pages : spec.tuning().hugepages().orElse(List.of())) {
            settings.add(new TuningSetting.Hugepages(pages.pageSizeKb().value(),
                    pages.numaNode().map(n -> OptionalInt.of(n.value())).orElse(OptionalInt.empty()), pages.count().value()));
        }
        for (InterfaceTuningSpec iface : spec.tuning().interfaces().values()) {
            String device = spec.interfaces().get(iface.name()).device().value();
            iface.queues().ifPresent(q -> settings.add(new TuningSetting.QueueCount(device, q.value())));
            iface.rssKey().ifPresent(k -> settings.add(new TuningSetting.RssKey(device, k.value())));
        }
        return settings;
    }


    private static Service service(NodeSpec spec, ServiceSpec s) {
        String egressIface = s.egressIface().value();
        return new Service(s.name().value(), attachment(spec, s.listen()), s.backends().stream().map(At::value).toList(),
                new Service.Egress(egressIface, spec.interfaces().get(egressIface).device().value(),
                        s.egressAddress().value(), s.egressPorts().value()),
                s.idleTimeout().map(At::value).orElse(Service.DEFAULT_IDLE_TIMEOUT), s.identity().map(At::value),
                s.onBackendRemoval().map(At::value).orElse(Service.OnBackendRemoval.DRAIN));
    }

    private static Attachment attachment(NodeSpec spec, EndpointSpec endpoint) {
        return attachment(spec, endpoint.iface().value(), endpoint.endpoint());
    }

    private static Attachment attachment(NodeSpec spec, String iface, Endpoint endpoint) {
        return new Attachment(iface, spec.interfaces().get(iface).device().value(), endpoint);
    }
}
