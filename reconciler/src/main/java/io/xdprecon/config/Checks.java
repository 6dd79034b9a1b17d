package io.xdprecon.config;

import io.xdprecon.config.Spec.At;
import io.xdprecon.config.Spec.EndpointSpec;
import io.xdprecon.config.Spec.HugepageSpec;
import io.xdprecon.config.Spec.InterfaceSpec;
import io.xdprecon.config.Spec.NodeSpec;
import io.xdprecon.config.Spec.ServiceSpec;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.Direction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The checks a schema cannot express, on what one node gets (the base, or the base with a node's override
 * merged): names unique, references to declared interfaces, no two rules with the same key, egress ports
 * used once, port pools disjoint from each other and from static flows, and the datapath's capacities.
 * Every problem points at the value that causes it and names the other party where it stands
 * ({@link Mention}).
 *
 * <p>Flows are compared through a {@link FlowIndex} of the node's flow tables: built here for one check, or
 * kept by the caller and updated table by table between revisions ({@link #check(NodeSpec, FlowIndex)}).
 */
final class Checks {
    /** The rules map's default capacity, the header's (checked against the object by AbiLayoutTest). */
    static final int DEFAULT_MAX_RULES = Abi.MAX_RULES;
    static final int MAX_LOCAL_IPS = Abi.MAX_LOCAL_IPS;

    private final NodeSpec spec;
    private final FlowIndex index;
    /** Device number → device name, numbered in declaration order. */
    private final List<String> devices = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();

    private Checks(NodeSpec spec, FlowIndex index) {
        this.spec = spec;
        this.index = index;
    }

    /** Checks {@code spec}, its flows through an index built for it. */
    static List<Problem> check(NodeSpec spec) {
        return check(spec, ConfigLoader.index(spec));
    }

    /**
     * Checks {@code spec} whose flow tables, and no others, stand in {@code index}, each with the device numbers
     * {@link #devices} gives.
     */
    static List<Problem> check(NodeSpec spec, FlowIndex index) {
        Checks checks = new Checks(spec, index);
        spec.interfaces().values().forEach(i -> {
            if (!checks.devices.contains(i.device().value())) {
                checks.devices.add(i.device().value());
            }
        });
        checks.interfaces();
        checks.localIps();
        checks.flows();
        checks.services();
        checks.portPools();
        checks.tuning();
        checks.capacity();
        return checks.problems;
    }

    /**
     * The device number of each interface {@code table} uses (-1 when not declared): devices numbered in the
     * order of first declaration, so that two logical names of one device (itself an error) give equal keys.
     */
    static int[] devices(NodeSpec spec, FlowTable table) {
        List<String> order = new ArrayList<>();
        spec.interfaces().values().forEach(i -> {
            if (!order.contains(i.device().value())) {
                order.add(i.device().value());
            }
        });
        int[] numbers = new int[table.interfaces().size()];
        for (int i = 0; i < numbers.length; i++) {
            InterfaceSpec declared = spec.interfaces().get(table.interfaces().get(i));
            numbers[i] = declared == null ? -1 : order.indexOf(declared.device().value());
        }
        return numbers;
    }

    private void interfaces() {
        Map<String, InterfaceSpec> byDevice = new HashMap<>();
        for (InterfaceSpec iface : spec.interfaces().values()) {
            InterfaceSpec first = byDevice.putIfAbsent(iface.device().value(), iface);
            if (first != null) {
                add(iface.device(), "'" + iface.device().value() + "' is already the device of interface '" + first.name()
                        + "' (" + Mention.of(first.device().pointer()) + "); each logical interface names its own device");
            }
        }
    }

    private void localIps() {
        Map<IpAddress, At<IpAddress>> seen = new HashMap<>();
        for (At<IpAddress> ip : spec.localIps()) {
            At<IpAddress> first = seen.putIfAbsent(ip.value(), ip);
            if (first != null) {
                add(ip, "'" + ip.value() + "' is listed twice (first at " + Mention.of(first.pointer()) + ")");
            }
        }
    }

    private void flows() {
        for (List<FlowIndex.Entry> same : index.sameNames()) {
            FlowIndex.Entry first = same.getFirst();
            for (FlowIndex.Entry later : same.subList(1, same.size())) {
                problems.add(new Problem.AtValue(pointer(later, "/name"), "'" + table(later).name(later.row())
                        + "' is already the name of the flow at " + Mention.of(pointer(first, "/name"))));
            }
        }
        for (int i = 0; i < spec.flows().size(); i++) {
            undeclared(spec.flows().get(i));
            selfAddressed(spec.flows().get(i));
        }
        for (List<FlowIndex.Entry> same : index.sameEgresses()) {
            FlowIndex.Entry first = same.getFirst();
            for (FlowIndex.Entry later : same.subList(1, same.size())) {
                FlowTable t = table(later);
                problems.add(new Problem.AtValue(pointer(later, "/egress/port"), "egress "
                        + new Endpoint(t.egressAddress(later.row()), t.egressPort(later.row())) + " is already the egress of flow '"
                        + table(first).name(first.row()) + "' (" + Mention.of(pointer(first, "/egress/port"))
                        + "); each flow needs its own egress address:port"));
            }
        }
        long[] leg = new long[4];
        for (List<FlowIndex.Entry> same : index.sameKeys()) {
            FlowIndex.Entry first = same.getFirst();
            for (FlowIndex.Entry later : same.subList(1, same.size())) {
                if (first.direction() == Direction.REVERSE && later.direction() == Direction.REVERSE) {
                    continue; // same egress address:port and server: reported as the egress collision
                }
                index.leg(later, leg);
                FlowKey key = FlowKey.unpack(leg[Flow.KEY_HIGH], leg[Flow.KEY_LOW]);
                FlowTable t = table(later);
                int r = later.row();
                boolean forward = later.direction() == Direction.FORWARD;
                String keyText = devices.get(key.ifindex()) + " " + (forward ? t.client(r) : t.server(r)) + " -> "
                        + (forward ? t.listenAddress(r) : t.egressAddress(r)).withPort(key.dstPort());
                problems.add(new Problem.AtValue(pointer(later, later.direction() == Direction.FORWARD ? "/listen" : "/egress"),
                        "the " + later.direction() + " rule key (" + keyText + ") of flow '" + table(later).name(later.row())
                        + "' is also the " + first.direction() + " rule key of flow '" + table(first).name(first.row()) + "' ("
                        + Mention.of(pointer(first, "/name")) + "); one key can have one rule"));
            }
        }
    }

    /** Every use of an interface {@code table} names but {@code interfaces} does not declare. */
    private void undeclared(FlowTable table) {
        if (spec.interfaces().keySet().containsAll(table.interfaces())) {
            return;
        }
        for (int r = 0; r < table.size(); r++) {
            if (!spec.interfaces().containsKey(table.listenIface(r))) {
                problems.add(new Problem.AtValue(table.pointer(r) + "/listen/interface", unknownInterface(table.listenIface(r))));
            }
            if (!spec.interfaces().containsKey(table.egressIface(r))) {
                problems.add(new Problem.AtValue(table.pointer(r) + "/egress/interface", unknownInterface(table.egressIface(r))));
            }
        }
    }

    /** A client or server at one of its flow's own endpoints: its packets would go from this node to itself. */
    private void selfAddressed(FlowTable table) {
        for (int r = 0; r < table.size(); r++) {
            selfAddressed(table, r, false, table.clientPort(r));
            selfAddressed(table, r, true, table.serverPort(r));
        }
    }

    private void selfAddressed(FlowTable table, int r, boolean server, int port) {
        String peer = server ? "server" : "client";
        String own = port == table.listenPort(r) && table.peerIsOwnAddress(r, server, false) ? "listen"
                : port == table.egressPort(r) && table.peerIsOwnAddress(r, server, true) ? "egress" : null;
        if (own != null) {
            problems.add(new Problem.AtValue(table.pointer(r) + "/" + peer, peer + " " + (server ? table.server(r) : table.client(r))
                    + " is the flow's own " + own + " endpoint: its packets would go from this node to itself, which no"
                    + " interface receives"));
        }
    }

    private FlowTable table(FlowIndex.Entry entry) {
        return index.table(entry.slot());
    }

    private String pointer(FlowIndex.Entry entry, String field) {
        return table(entry).pointer(entry.row()) + field;
    }

    private void services() {
        Map<String, At<String>> names = new HashMap<>();
        Map<String, ServiceSpec> listens = new HashMap<>();
        Optional<At<DatapathSettings.Mode>> mode = spec.datapath().mode();
        // A mode the schema rejected is not the default: its one error says it all.
        boolean xdp = spec.datapath().unreadMode().isEmpty()
                && mode.map(At::value).orElse(DatapathSettings.Mode.XDP) == DatapathSettings.Mode.XDP;
        for (ServiceSpec service : spec.services()) {
            if (xdp) {
                // Only the DPDK loop turns a first packet into a session: in xdp mode a service would never run.
                add(service.name(), "service '" + service.name().value() + "' needs datapath.mode: dpdk (the DPDK loop runs"
                        + " services), but datapath.mode is xdp" + mode.map(m -> " (" + Mention.of(m.pointer()) + ")")
                                .orElse(" (the default)"));
            }
            At<String> first = names.putIfAbsent(service.name().value(), service.name());
            if (first != null) {
                add(service.name(), "'" + service.name().value() + "' is already the name of the service at "
                        + Mention.of(first.pointer()));
            }
            boolean known = declared(service.listen().iface()) & declared(service.egressIface());
            if (known) {
                EndpointSpec listen = service.listen();
                String device = device(listen.iface());
                String key = device + " " + listen.address().value() + " " + listen.port().value();
                ServiceSpec other = listens.putIfAbsent(key, service);
                if (other != null) {
                    add(listen.port(), listen.address().value().withPort(listen.port().value())
                            + " is already where service '" + other.name().value() + "' listens ("
                            + Mention.of(other.listen().port().pointer()) + ")");
                }
                // the table would make a session of the flow's client: a session rule on the flow's key, which the
                // config claims back and the session's expiry then deletes
                for (FlowTable table : spec.flows()) {
                    for (int r = 0; r < table.size(); r++) {
                        InterfaceSpec at = spec.interfaces().get(table.listenIface(r));
                        if (at != null && at.device().value().equals(device) && table.listenPort(r) == listen.port().value()
                                && table.isAddress(r, false, listen.address().value())) {
                            problems.add(new Problem.AtValue(table.pointer(r) + "/listen", listen.address().value()
                                    .withPort(listen.port().value()) + " on " + table.listenIface(r) + " is where service '"
                                    + service.name().value() + "' listens (" + Mention.of(listen.port().pointer())
                                    + "); a session of this client would take the flow's rule, and remove it when it expires"));
                        }
                    }
                }
            }
            Map<Endpoint, At<Endpoint>> backends = new HashMap<>();
            for (At<Endpoint> backend : service.backends()) {
                At<Endpoint> same = backends.putIfAbsent(backend.value(), backend);
                if (same != null) {
                    add(backend, "'" + backend.value() + "' is listed twice (first at " + Mention.of(same.pointer()) + ")");
                }
            }
        }
    }

    private void portPools() {
        List<ServiceSpec> services = spec.services();
        for (int i = 0; i < services.size(); i++) {
            ServiceSpec service = services.get(i);
            At<PortRange> pool = service.egressPorts();
            IpAddress address = service.egressAddress().value();
            for (int j = 0; j < i; j++) {
                ServiceSpec other = services.get(j);
                if (other.egressAddress().value().equals(address) && other.egressPorts().value().overlaps(pool.value())) {
                    add(pool, "'" + pool.value() + "' overlaps '" + other.egressPorts().value() + "', the pool of service '"
                            + other.name().value() + "' on " + address + " ("
                            + Mention.of(other.egressPorts().pointer()) + "); two sessions would get the same egress port");
                }
            }
            for (ServiceSpec listening : services) {
                EndpointSpec listen = listening.listen();
                if (listen.address().value().equals(address) && pool.value().contains(listen.port().value())
                        && declared(listen.iface()) && declared(service.egressIface())
                        && device(listen.iface()).equals(device(service.egressIface()))) {
                    add(pool, "'" + pool.value() + "' contains " + address.withPort(listen.port().value()) + " on "
                            + listen.iface().value() + ", where service '" + listening.name().value() + "' listens ("
                            + Mention.of(listen.port().pointer()) + "); a session's replies would be taken for a new client's"
                            + " first packets");
                }
            }
            // Through the index of the node's flows, which the daemon keeps between revisions: a lookup per port of
            // the pool, not a walk of every flow (the errors are sorted by where they stand, not found in order).
            for (FlowIndex.Entry taken : index.egressesWithin(address, pool.value())) {
                FlowTable table = table(taken);
                int r = taken.row();
                add(pool, "'" + pool.value() + "' contains " + new Endpoint(address, table.egressPort(r))
                        + ", the egress of flow '" + table.name(r) + "' (" + Mention.of(table.pointer(r) + "/egress/port")
                        + "); a session could take it");
            }
        }
    }

    private void tuning() {
        for (var iface : spec.tuning().interfaces().values()) {
            if (!spec.interfaces().containsKey(iface.name())) {
                problems.add(new Problem.AtKey(iface.keyPointer(), unknownInterface(iface.name())));
            }
        }
        Map<String, HugepageSpec> seen = new HashMap<>();
        Map<Integer, HugepageSpec> systemWide = new HashMap<>();
        Map<Integer, HugepageSpec> perNode = new HashMap<>();
        for (HugepageSpec pages : spec.tuning().hugepages().orElse(List.of())) {
            int size = pages.pageSizeKb().value();
            String where = Values.formatPageSize(size)
                    + pages.numaNode().map(n -> " on NUMA node " + n.value()).orElse(" system-wide");
            HugepageSpec first = seen.putIfAbsent(where, pages);
            if (first != null) {
                add(pages.pageSizeKb(), where + " is already set at " + Mention.of(first.pageSizeKb().pointer()));
                continue;
            }
            (pages.numaNode().isPresent() ? perNode : systemWide).putIfAbsent(size, pages);
            HugepageSpec clash = pages.numaNode().isPresent() ? systemWide.get(size) : perNode.get(size);
            if (clash != null) {
                add(pages.pageSizeKb(), Values.formatPageSize(size) + " pages are set both system-wide and per NUMA node"
                        + " (" + Mention.of(clash.pageSizeKb().pointer()) + "); the kernel keeps one count: choose one way");
            }
        }
    }

    private void capacity() {
        int maxRules = spec.datapath().maxRules().map(At::value).orElse(DEFAULT_MAX_RULES);
        int written = 0;
        for (FlowTable table : spec.flows()) {
            written += table.size();
        }
        int flows = written + spec.unreadFlows(); // the wrong ones will take room once fixed
        long rules = 2L * flows;
        if (rules > maxRules) {
            String message = flows + " flows need " + rules + " rules, more than maxRules " + maxRules;
            // At maxRules when written, else at the first flow that does not fit.
            String pointer = written == 0 ? Pointer.ROOT : rowPointer(Math.min(maxRules / 2, written - 1));
            spec.datapath().maxRules().ifPresentOrElse(m -> add(m, message),
                    () -> problems.add(new Problem.AtValue(pointer, message + " (the default; raise datapath.maxRules)")));
        }
        Set<IpAddress> local = new LinkedHashSet<>();
        spec.localIps().forEach(ip -> local.add(ip.value()));
        for (ServiceSpec service : spec.services()) {
            local.add(service.listen().address().value());
            local.add(service.egressAddress().value());
        }
        if (local.size() > MAX_LOCAL_IPS) {
            String pointer = spec.localIps().isEmpty() ? Pointer.ROOT : Pointer.parent(spec.localIps().getFirst().pointer());
            problems.add(new Problem.AtValue(pointer, local.size() + " local IPs (localIps and services' addresses) are more"
                    + " than the datapath holds (" + MAX_LOCAL_IPS + ")"));
        }
    }

    /** The pointer of the node's {@code n}th flow, counting over its tables. */
    private String rowPointer(int n) {
        for (FlowTable table : spec.flows()) {
            if (n < table.size()) {
                return table.pointer(n);
            }
            n -= table.size();
        }
        throw new IndexOutOfBoundsException(n);
    }

    private boolean declared(At<String> iface) {
        if (spec.interfaces().containsKey(iface.value())) {
            return true;
        }
        add(iface, unknownInterface(iface.value()));
        return false;
    }

    private String unknownInterface(String name) {
        return "'" + name + "' is not an interface declared under 'interfaces' (declared: "
                + String.join(", ", spec.interfaces().keySet()) + ")";
    }

    private String device(At<String> iface) {
        return spec.interfaces().get(iface.value()).device().value();
    }

    private void add(At<?> at, String message) {
        problems.add(new Problem.AtValue(at.pointer(), message));
    }
}
