package io.xdprecon.config;

import io.xdprecon.config.Spec.At;
import io.xdprecon.config.Spec.EndpointSpec;
import io.xdprecon.config.Spec.FlowSpec;
import io.xdprecon.config.Spec.HugepageSpec;
import io.xdprecon.config.Spec.InterfaceSpec;
import io.xdprecon.config.Spec.NodeSpec;
import io.xdprecon.config.Spec.ServiceSpec;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.state.Direction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks a schema cannot express, on what one node gets (the base, or the base with a node's override
 * merged): names unique, references to declared interfaces, no two rules with the same key, egress ports
 * used once, port pools disjoint from each other and from static flows, and the datapath's capacities.
 * Every problem points at the value that causes it and names the other party with its line.
 */
final class Checks {
    /** The rules map's default capacity, the header's (checked against the object by AbiLayoutTest). */
    static final int DEFAULT_MAX_RULES = Abi.MAX_RULES;
    static final int MAX_LOCAL_IPS = Abi.MAX_LOCAL_IPS;

    private final NodeSpec spec;
    private final SourceMap sourceMap;
    private final List<Problem> problems = new ArrayList<>();

    private Checks(NodeSpec spec, SourceMap sourceMap) {
        this.spec = spec;
        this.sourceMap = sourceMap;
    }

    static List<Problem> check(NodeSpec spec, SourceMap sourceMap) {
        Checks checks = new Checks(spec, sourceMap);
        checks.interfaces();
        checks.localIps();
        checks.flows();
        checks.services();
        checks.portPools();
        checks.tuning();
        checks.capacity();
        return checks.problems;
    }

    /** A rule key with the interface still a kernel device name: equal devices mean equal ifindexes. */
    private record RuleKey(String device, int srcIp, int dstIp, int srcPort, int dstPort) {
        /** Mixed: keys of neighbouring addresses and ports would share buckets with a record's own hash. */
        @Override
        public int hashCode() {
            long h = device.hashCode();
            h = h * 0x9E3779B97F4A7C15L + srcIp;
            h = h * 0x9E3779B97F4A7C15L + dstIp;
            h = h * 0x9E3779B97F4A7C15L + ((long) srcPort << 16 | dstPort);
            h *= 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        @Override
        public String toString() {
            return device + " " + Ipv4.format(srcIp) + ":" + srcPort + " -> " + Ipv4.format(dstIp) + ":" + dstPort;
        }
    }

    private record RuleOrigin(FlowSpec flow, Direction direction) {}

    private void interfaces() {
        Map<String, InterfaceSpec> byDevice = new HashMap<>();
        for (InterfaceSpec iface : spec.interfaces().values()) {
            InterfaceSpec first = byDevice.putIfAbsent(iface.device().value(), iface);
            if (first != null) {
                add(iface.device(), "'" + iface.device().value() + "' is already the device of interface '" + first.name()
                        + "' (line " + line(first.device()) + "); each logical interface names its own device");
            }
        }
    }

    private void localIps() {
        Map<Integer, At<Integer>> seen = new HashMap<>();
        for (At<Integer> ip : spec.localIps()) {
            At<Integer> first = seen.putIfAbsent(ip.value(), ip);
            if (first != null) {
                add(ip, "'" + Ipv4.format(ip.value()) + "' is listed twice (first at line " + line(first) + ")");
            }
        }
    }

    private void flows() {
        Map<String, At<String>> names = new HashMap<>();
        Map<Endpoint, FlowSpec> egresses = new HashMap<>();
        Map<RuleKey, RuleOrigin> keys = new HashMap<>();
        for (FlowSpec flow : spec.flows()) {
            At<String> first = names.putIfAbsent(flow.name().value(), flow.name());
            if (first != null) {
                add(flow.name(), "'" + flow.name().value() + "' is already the name of the flow at line " + line(first));
            }
            boolean known = declared(flow.listen().iface()) & declared(flow.egress().iface());
            FlowSpec sameEgress = egresses.putIfAbsent(flow.egress().endpoint(), flow);
            if (sameEgress != null) {
                add(flow.egress().port(), "egress " + flow.egress().endpoint() + " is already the egress of flow '"
                        + sameEgress.name().value() + "' (line " + line(sameEgress.egress().port())
                        + "); each flow needs its own egress address:port");
            }
            if (!known) {
                continue; // its keys cannot be compared: the unknown interface is the error
            }
            checkKey(keys, forwardKey(flow), new RuleOrigin(flow, Direction.FORWARD), flow.listen().pointer());
            checkKey(keys, reverseKey(flow), new RuleOrigin(flow, Direction.REVERSE), flow.egress().pointer());
        }
    }

    private void checkKey(Map<RuleKey, RuleOrigin> keys, RuleKey key, RuleOrigin origin, String pointer) {
        RuleOrigin first = keys.putIfAbsent(key, origin);
        if (first == null) {
            return;
        }
        if (first.direction() == Direction.REVERSE && origin.direction() == Direction.REVERSE) {
            return; // same egress address:port and server: reported as the egress collision
        }
        problems.add(new Problem.AtValue(pointer, "the " + origin.direction() + " rule key (" + key + ") of flow '"
                + origin.flow().name().value() + "' is also the " + first.direction() + " rule key of flow '"
                + first.flow().name().value() + "' (line " + line(first.flow().name()) + "); one key can have one rule"));
    }

    private RuleKey forwardKey(FlowSpec flow) {
        return new RuleKey(device(flow.listen().iface()), flow.client().value().address(), flow.listen().address().value(),
                flow.client().value().port(), flow.listen().port().value());
    }

    private RuleKey reverseKey(FlowSpec flow) {
        return new RuleKey(device(flow.egress().iface()), flow.server().value().address(), flow.egress().address().value(),
                flow.server().value().port(), flow.egress().port().value());
    }

    private void services() {
        Map<String, At<String>> names = new HashMap<>();
        Map<RuleKey, ServiceSpec> listens = new HashMap<>();
        for (ServiceSpec service : spec.services()) {
            At<String> first = names.putIfAbsent(service.name().value(), service.name());
            if (first != null) {
                add(service.name(), "'" + service.name().value() + "' is already the name of the service at line " + line(first));
            }
            boolean known = declared(service.listen().iface()) & declared(service.egressIface());
            if (known) {
                EndpointSpec listen = service.listen();
                RuleKey key = new RuleKey(device(listen.iface()), 0, listen.address().value(), 0, listen.port().value());
                ServiceSpec other = listens.putIfAbsent(key, service);
                if (other != null) {
                    add(listen.port(), Ipv4.format(listen.address().value()) + ":" + listen.port().value()
                            + " is already where service '" + other.name().value() + "' listens (line "
                            + line(other.listen().port()) + ")");
                }
                // the table would make a session of the flow's client: a session rule on the flow's key, which the
                // config claims back and the session's expiry then deletes
                for (FlowSpec flow : spec.flows()) {
                    EndpointSpec at = flow.listen();
                    if (declared(at.iface()) && device(at.iface()).equals(key.device())
                            && at.address().value().equals(listen.address().value()) && at.port().value().equals(listen.port().value())) {
                        problems.add(new Problem.AtValue(at.pointer(), Ipv4.format(listen.address().value()) + ":"
                                + listen.port().value() + " on " + at.iface().value() + " is where service '" + service.name().value()
                                + "' listens (line " + line(listen.port()) + "); a session of this client would take the flow's"
                                + " rule, and remove it when it expires"));
                    }
                }
            }
            Map<Endpoint, At<Endpoint>> backends = new HashMap<>();
            for (At<Endpoint> backend : service.backends()) {
                At<Endpoint> same = backends.putIfAbsent(backend.value(), backend);
                if (same != null) {
                    add(backend, "'" + backend.value() + "' is listed twice (first at line " + line(same) + ")");
                }
            }
        }
    }

    private void portPools() {
        List<ServiceSpec> services = spec.services();
        for (int i = 0; i < services.size(); i++) {
            ServiceSpec service = services.get(i);
            At<PortRange> pool = service.egressPorts();
            int address = service.egressAddress().value();
            for (int j = 0; j < i; j++) {
                ServiceSpec other = services.get(j);
                if (other.egressAddress().value() == address && other.egressPorts().value().overlaps(pool.value())) {
                    add(pool, "'" + pool.value() + "' overlaps '" + other.egressPorts().value() + "', the pool of service '"
                            + other.name().value() + "' on " + Ipv4.format(address) + " (line " + line(other.egressPorts())
                            + "); two sessions would get the same egress port");
                }
            }
            for (ServiceSpec listening : services) {
                EndpointSpec listen = listening.listen();
                if (listen.address().value() == address && pool.value().contains(listen.port().value())
                        && declared(listen.iface()) && declared(service.egressIface())
                        && device(listen.iface()).equals(device(service.egressIface()))) {
                    add(pool, "'" + pool.value() + "' contains " + Ipv4.format(address) + ":" + listen.port().value() + " on "
                            + listen.iface().value() + ", where service '" + listening.name().value() + "' listens (line "
                            + line(listen.port()) + "); a session's replies would be taken for a new client's first packets");
                }
            }
            for (FlowSpec flow : spec.flows()) {
                EndpointSpec egress = flow.egress();
                if (egress.address().value() == address && pool.value().contains(egress.port().value())) {
                    add(pool, "'" + pool.value() + "' contains " + egress.endpoint() + ", the egress of flow '"
                            + flow.name().value() + "' (line " + line(egress.port()) + "); a session could take it");
                }
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
                add(pages.pageSizeKb(), where + " is already set at line " + line(first.pageSizeKb()));
                continue;
            }
            (pages.numaNode().isPresent() ? perNode : systemWide).putIfAbsent(size, pages);
            HugepageSpec clash = pages.numaNode().isPresent() ? systemWide.get(size) : perNode.get(size);
            if (clash != null) {
                add(pages.pageSizeKb(), Values.formatPageSize(size) + " pages are set both system-wide and per NUMA node"
                        + " (line " + line(clash.pageSizeKb()) + "); the kernel keeps one count: choose one way");
            }
        }
    }

    private void capacity() {
        int maxRules = spec.datapath().maxRules().map(At::value).orElse(DEFAULT_MAX_RULES);
        int flows = spec.flows().size() + spec.unreadFlows(); // the wrong ones will take room once fixed
        long rules = 2L * flows;
        if (rules > maxRules) {
            String message = flows + " flows need " + rules + " rules, more than maxRules " + maxRules;
            // At maxRules when written, else at the first flow that does not fit.
            String pointer = spec.flows().isEmpty() ? Pointer.ROOT
                    : spec.flows().get(Math.min(maxRules / 2, spec.flows().size() - 1)).pointer();
            spec.datapath().maxRules().ifPresentOrElse(m -> add(m, message),
                    () -> problems.add(new Problem.AtValue(pointer, message + " (the default; raise datapath.maxRules)")));
        }
        Set<Integer> local = new LinkedHashSet<>();
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

    private int line(At<?> value) {
        return sourceMap.valueAt(value.pointer()).line();
    }

    private void add(At<?> at, String message) {
        problems.add(new Problem.AtValue(at.pointer(), message));
    }
}
