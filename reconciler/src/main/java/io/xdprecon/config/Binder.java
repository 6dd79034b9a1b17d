package io.xdprecon.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.xdprecon.config.Spec.At;
import io.xdprecon.config.Spec.DatapathSpec;
import io.xdprecon.config.Spec.EndpointSpec;
import io.xdprecon.config.Spec.FlowEntry;
import io.xdprecon.config.Spec.FlowSpec;
import io.xdprecon.config.Spec.HugepageSpec;
import io.xdprecon.config.Spec.InterfaceSpec;
import io.xdprecon.config.Spec.InterfaceTuningSpec;
import io.xdprecon.config.Spec.Layer;
import io.xdprecon.config.Spec.Removal;
import io.xdprecon.config.Spec.ServiceEntry;
import io.xdprecon.config.Spec.ServiceSpec;
import io.xdprecon.config.Spec.TuningSpec;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.state.DatapathSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the validated-by-schema tree into {@link Spec} layers. Lenient on shape: a value of the wrong type
 * or a missing one is skipped without a word, because the schema check already reported it, and an entry
 * missing a part (a flow without a server) is left out of the semantic checks. Strict on meaning: an octet
 * above 255 or a port pool whose first port is above its last is reported here, with the value quoted.
 */
final class Binder {
    static final long MAX_RULES_LIMIT = 16_777_216;

    private final List<Problem> problems = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();

    private Binder() {}

    /**
     * The base layer and each node's layer, in file order.
     *
     * @param skipped  pointers of the entries left out because a part of them is wrong; each must have a
     *                 problem reported at or under it, or the config would silently lose an entry
     */
    record Bound(Layer base, Map<String, Layer> nodes, List<String> skipped) {}

    static Bound bind(JsonNode root, List<Problem> sink) {
        return bind(root, Pointer.ROOT, sink);
    }

    /** As {@link #bind(JsonNode, List)}, for a document whose pointers start with {@code prefix}. */
    static Bound bind(JsonNode root, String prefix, List<Problem> sink) {
        Binder binder = new Binder();
        Layer base = binder.layer(root, prefix, false);
        Map<String, Layer> nodes = new LinkedHashMap<>();
        String nodesPointer = Pointer.child(prefix, "nodes");
        root.path("nodes").properties().forEach(e -> {
            if (e.getValue().isObject()) {
                nodes.put(e.getKey(), binder.layer(e.getValue(), Pointer.child(nodesPointer, e.getKey()), true));
            }
        });
        sink.addAll(binder.problems);
        return new Bound(base, nodes, List.copyOf(binder.skipped));
    }

    /**
     * One item of the base's {@code flows} at {@code pointer}; its problems go to {@code sink}. Empty (and its
     * pointer added to {@code skipped}) when a part of it is wrong.
     */
    static Optional<FlowSpec> flow(JsonNode item, String pointer, List<Problem> sink, List<String> skipped) {
        Binder binder = new Binder();
        Optional<FlowEntry> flow = binder.flowEntry(item, pointer, false);
        sink.addAll(binder.problems);
        if (flow.isEmpty()) {
            skipped.add(pointer);
        }
        return flow.map(FlowSpec.class::cast);
    }

    private Layer layer(JsonNode node, String pointer, boolean override) {
        String flowsPointer = Pointer.child(pointer, "flows");
        int skippedBefore = skipped.size();
        Optional<List<FlowEntry>> flows =
                list(node.path("flows"), flowsPointer, (item, p) -> flowEntry(item, p, override));
        int unreadFlows = skipped.size() - skippedBefore;
        return new Layer(pointer,
                interfaces(node.path("interfaces"), Pointer.child(pointer, "interfaces")),
                list(node.path("localIps"), Pointer.child(pointer, "localIps"), (item, p) -> parsed(item, p, Values::ip)),
                datapath(node.path("datapath"), Pointer.child(pointer, "datapath")),
                flows,
                list(node.path("services"), Pointer.child(pointer, "services"), (item, p) -> serviceEntry(item, p, override)),
                tuning(node.path("tuning"), Pointer.child(pointer, "tuning")),
                unreadFlows,
                bool(node, pointer, "suspend"),
                text(node, pointer, "unnamedNodes").flatMap(m -> switch (m.value()) {
                    case "base" -> Optional.of(new At<>(true, m.pointer()));
                    case "refuse" -> Optional.of(new At<>(false, m.pointer()));
                    default -> Optional.empty();
                }));
    }

    private Map<String, InterfaceSpec> interfaces(JsonNode node, String pointer) {
        Map<String, InterfaceSpec> interfaces = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            String keyPointer = Pointer.child(pointer, e.getKey());
            text(e.getValue(), keyPointer, "device").ifPresentOrElse(
                    device -> interfaces.put(e.getKey(), new InterfaceSpec(e.getKey(), keyPointer, device)),
                    () -> skipped.add(keyPointer));
        });
        return interfaces;
    }

    private DatapathSpec datapath(JsonNode node, String pointer) {
        Optional<At<DatapathSettings.Mode>> mode = text(node, pointer, "mode").flatMap(m -> switch (m.value()) {
            case "xdp" -> Optional.of(new At<>(DatapathSettings.Mode.XDP, m.pointer()));
            case "dpdk" -> Optional.of(new At<>(DatapathSettings.Mode.DPDK, m.pointer()));
            default -> Optional.empty();
        });
        return new DatapathSpec(
                mode,
                text(node, pointer, "attachMode").flatMap(m -> switch (m.value()) {
                    case "native" -> Optional.of(new At<>(XdpMode.NATIVE, m.pointer()));
                    case "generic" -> Optional.of(new At<>(XdpMode.GENERIC, m.pointer()));
                    case "auto" -> Optional.of(new At<>(XdpMode.AUTO, m.pointer()));
                    default -> Optional.empty();
                }),
                integer(node, pointer, "maxRules", 2, MAX_RULES_LIMIT),
                text(node, pointer, "icmpEcho").flatMap(m -> switch (m.value()) {
                    case "answer" -> Optional.of(new At<>(IcmpEcho.Policy.ANSWER, m.pointer()));
                    case "drop" -> Optional.of(new At<>(IcmpEcho.Policy.DROP, m.pointer()));
                    default -> Optional.empty();
                }),
                node.has("mode") && mode.isEmpty() ? Optional.of(Pointer.child(pointer, "mode")) : Optional.empty());
    }

    private Optional<FlowEntry> flowEntry(JsonNode node, String pointer, boolean override) {
        if (override && node.has("remove")) {
            return removal(node, pointer).map(r -> r);
        }
        Optional<At<String>> name = text(node, pointer, "name");
        Optional<At<Endpoint>> client = parsed(node, pointer, "client", Values::endpoint);
        Optional<EndpointSpec> listen = endpoint(node, pointer, "listen");
        Optional<EndpointSpec> egress = endpoint(node, pointer, "egress");
        Optional<At<Endpoint>> server = parsed(node, pointer, "server", Values::endpoint);
        if (name.isEmpty() || client.isEmpty() || listen.isEmpty() || egress.isEmpty() || server.isEmpty()) {
            return Optional.empty();
        }
        if (!oneFamily("flow's client", client.get().value(), List.of(new At<>(listen.get().address().value(), listen.get().address().pointer()),
                new At<>(egress.get().address().value(), egress.get().address().pointer()),
                new At<>(server.get().value().ip(), server.get().pointer())))) {
            return Optional.empty();
        }
        return Optional.of(new FlowSpec(pointer, name.get(), client.get(), listen.get(), egress.get(), server.get()));
    }

    private Optional<ServiceEntry> serviceEntry(JsonNode node, String pointer, boolean override) {
        if (override && node.has("remove")) {
            return removal(node, pointer).map(r -> r);
        }
        Optional<At<String>> name = text(node, pointer, "name");
        Optional<EndpointSpec> listen = endpoint(node, pointer, "listen");
        String backendsPointer = Pointer.child(pointer, "backends");
        List<At<Endpoint>> backends = new ArrayList<>();
        JsonNode backendsNode = node.path("backends");
        for (int i = 0; i < backendsNode.size(); i++) {
            parsed(backendsNode.get(i), Pointer.child(backendsPointer, i), Values::endpoint).ifPresent(backends::add);
        }
        String egressPointer = Pointer.child(pointer, "egress");
        JsonNode egress = node.path("egress");
        Optional<At<String>> egressIface = text(egress, egressPointer, "interface");
        Optional<At<IpAddress>> egressAddress = parsed(egress, egressPointer, "address", Values::ip);
        Optional<At<PortRange>> ports = parsed(egress, egressPointer, "ports", Values::portRange);
        Optional<At<Duration>> idleTimeout = parsed(node, pointer, "idleTimeout", Values::duration);
        Optional<At<SessionIdentity>> identity = identity(node.path("identity"), Pointer.child(pointer, "identity"));
        Optional<At<Service.OnBackendRemoval>> onBackendRemoval = text(node, pointer, "onBackendRemoval")
                .flatMap(m -> switch (m.value()) {
                    case "drain" -> Optional.of(new At<>(Service.OnBackendRemoval.DRAIN, m.pointer()));
                    case "move" -> Optional.of(new At<>(Service.OnBackendRemoval.MOVE, m.pointer()));
                    default -> Optional.empty();
                });
        // Bad backends, timeout or identity are reported already and do not affect the checks between entries.
        if (name.isEmpty() || listen.isEmpty() || egressIface.isEmpty() || egressAddress.isEmpty() || ports.isEmpty()) {
            return Optional.empty();
        }
        List<At<IpAddress>> others = new ArrayList<>();
        others.add(egressAddress.get());
        backends.forEach(b -> others.add(new At<>(b.value().ip(), b.pointer())));
        if (!oneFamily("service's listen", new Endpoint(listen.get().address().value(), listen.get().port().value()),
                others)) {
            return Optional.empty();
        }
        return Optional.of(new ServiceSpec(pointer, name.get(), listen.get(), List.copyOf(backends), egressPointer,
                egressIface.get(), egressAddress.get(), ports.get(), idleTimeout, identity, onBackendRemoval));
    }

    /**
     * Whether every address of a flow or service is of {@code endpoint}'s family; else the first that is not is
     * reported. We do not translate between IPv6 and IPv4 (NAT64-style relaying): the rewrite keeps the IP
     * header, and a translation would need its own rule format, checksum path and tests; refused precisely
     * rather than half done.
     */
    private boolean oneFamily(String first, Endpoint endpoint, List<At<IpAddress>> others) {
        boolean v6 = endpoint.ipv6();
        for (At<IpAddress> other : others) {
            if (other.value() instanceof IpAddress.V6 != v6) {
                // No Mention: a streamed flow's problems are placed with its own positions only.
                problems.add(new Problem.AtValue(other.pointer(), "'" + other.value() + "' is " + family(!v6) + " but the "
                        + first + " is " + family(v6) + " (" + endpoint + "): one family end to end; xdprecon does not"
                        + " translate between IPv6 and IPv4 (NAT64)"));
                return false;
            }
        }
        return true;
    }

    private static String family(boolean v6) {
        return v6 ? "IPv6" : "IPv4";
    }

    /** {@code {offset, length}}: the identity must end within the largest UDP payload a packet can carry. */
    private Optional<At<SessionIdentity>> identity(JsonNode node, String pointer) {
        Optional<At<Integer>> offset = integer(node, pointer, "offset", 0, SessionIdentity.MAX_END - 1);
        Optional<At<Integer>> length = integer(node, pointer, "length", 1, SessionIdentity.MAX_LENGTH);
        if (offset.isEmpty() || length.isEmpty()) {
            return Optional.empty();
        }
        int end = offset.get().value() + length.get().value();
        if (end > SessionIdentity.MAX_END) {
            problems.add(new Problem.AtValue(length.get().pointer(), "offset " + offset.get().value() + " + length "
                    + length.get().value() + " ends at payload byte " + end + ", past the largest UDP payload of a"
                    + " 1500-byte packet (" + SessionIdentity.MAX_END + "): no datagram could carry this identity"));
            return Optional.empty();
        }
        return Optional.of(new At<>(new SessionIdentity(offset.get().value(), length.get().value()), pointer));
    }

    private Optional<Removal> removal(JsonNode node, String pointer) {
        JsonNode remove = node.get("remove");
        if (!remove.isBoolean() || !remove.booleanValue()) {
            return Optional.empty(); // the schema says it must be true
        }
        return text(node, pointer, "name").map(name -> new Removal(pointer, name));
    }

    private Optional<EndpointSpec> endpoint(JsonNode parent, String parentPointer, String field) {
        JsonNode node = parent.path(field);
        String pointer = Pointer.child(parentPointer, field);
        Optional<At<String>> iface = text(node, pointer, "interface");
        Optional<At<IpAddress>> address = parsed(node, pointer, "address", Values::ip);
        Optional<At<Integer>> port = integer(node, pointer, "port", 1, 65535);
        if (iface.isEmpty() || address.isEmpty() || port.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new EndpointSpec(pointer, iface.get(), address.get(), port.get()));
    }

    private TuningSpec tuning(JsonNode node, String pointer) {
        String hugepagesPointer = Pointer.child(pointer, "hugepages");
        Optional<List<HugepageSpec>> hugepages = list(node.path("hugepages"), hugepagesPointer, (item, p) -> {
            Optional<At<Integer>> size = parsed(item, p, "pageSize", Values::pageSizeKb);
            Optional<At<Integer>> count = integer(item, p, "count", 0, 16_777_216);
            Optional<At<Integer>> numa = integer(item, p, "numaNode", 0, 1023);
            if (size.isEmpty() || count.isEmpty() || (item.has("numaNode") && numa.isEmpty())) {
                return Optional.empty();
            }
            return Optional.of(new HugepageSpec(p, size.get(), count.get(), numa));
        });
        Map<String, InterfaceTuningSpec> interfaces = new LinkedHashMap<>();
        String interfacesPointer = Pointer.child(pointer, "interfaces");
        node.path("interfaces").properties().forEach(e -> {
            String keyPointer = Pointer.child(interfacesPointer, e.getKey());
            if (!e.getValue().isObject()) {
                skipped.add(keyPointer);
            } else {
                interfaces.put(e.getKey(), new InterfaceTuningSpec(e.getKey(), keyPointer,
                        integer(e.getValue(), keyPointer, "queues", 1, 256),
                        parsed(e.getValue(), keyPointer, "rssKey", Values::rssKey)));
            }
        });
        return new TuningSpec(hugepages, interfaces);
    }

    /** Items that bind, in order; absent when the list is not written (or is not a list). */
    private <T> Optional<List<T>> list(JsonNode node, String pointer, ItemBinder<T> binder) {
        if (!node.isArray()) {
            return Optional.empty();
        }
        List<T> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String itemPointer = Pointer.child(pointer, i);
            binder.bind(node.get(i), itemPointer).ifPresentOrElse(items::add, () -> skipped.add(itemPointer));
        }
        return Optional.of(items);
    }

    @FunctionalInterface
    private interface ItemBinder<T> {
        Optional<T> bind(JsonNode item, String pointer);
    }

    private static Optional<At<Boolean>> bool(JsonNode parent, String parentPointer, String field) {
        JsonNode value = parent.get(field);
        return value != null && value.isBoolean()
                ? Optional.of(new At<>(value.booleanValue(), Pointer.child(parentPointer, field))) : Optional.empty();
    }

    private static Optional<At<String>> text(JsonNode parent, String parentPointer, String field) {
        JsonNode node = parent.get(field);
        return node != null && node.isTextual()
                ? Optional.of(new At<>(node.textValue(), Pointer.child(parentPointer, field))) : Optional.empty();
    }

    private Optional<At<Integer>> integer(JsonNode parent, String parentPointer, String field, long min, long max) {
        JsonNode node = parent.get(field);
        // 2.0 is an integer to JSON Schema too; 2.5 is not, and the schema says so.
        if (node == null || !node.isNumber() || !node.canConvertToExactIntegral()) {
            return Optional.empty();
        }
        String pointer = Pointer.child(parentPointer, field);
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            problems.add(new Problem.AtValue(pointer, node.asText() + " is out of range " + min + ".." + max));
            return Optional.empty();
        }
        return Optional.of(new At<>(node.intValue(), pointer));
    }

    private <T> Optional<At<T>> parsed(JsonNode parent, String parentPointer, String field,
            Function<String, Values.Parsed<T>> parser) {
        JsonNode node = parent.get(field);
        return node == null ? Optional.empty() : parsed(node, Pointer.child(parentPointer, field), parser);
    }

    private <T> Optional<At<T>> parsed(JsonNode node, String pointer, Function<String, Values.Parsed<T>> parser) {
        if (!node.isTextual()) {
            return Optional.empty();
        }
        return switch (parser.apply(node.textValue())) {
            case Values.Parsed.Ok<T> ok -> Optional.of(new At<>(ok.value(), pointer));
            case Values.Parsed.Bad<T> bad -> {
                problems.add(new Problem.AtValue(pointer, bad.message()));
                yield Optional.empty();
            }
        };
    }
}
