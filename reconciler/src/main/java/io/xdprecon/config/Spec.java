package io.xdprecon.config;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.state.DatapathSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The config as written, every value paired with the JSON pointer it came from, so that a problem found
 * after node overrides are merged (where values of the base and of a node sit side by side) still points
 * at the line that holds the value. Internal to the loader; {@link Config} hands out plain values.
 */
final class Spec {
    private Spec() {}

    /** A value and where it stands. */
    record At<T>(T value, String pointer) {}

    /** {@code interfaces.NAME.device}. */
    record InterfaceSpec(String name, String keyPointer, At<String> device) {}

    /** {@code {interface, address, port}} of a flow's listen or egress, or a service's listen. */
    record EndpointSpec(String pointer, At<String> iface, At<IpAddress> address, At<Integer> port) {
        Endpoint endpoint() {
            return new Endpoint(address.value(), port.value());
        }
    }

    /** An entry of a {@code flows} list: a flow, or (in a node override) the removal of a base flow. */
    sealed interface FlowEntry {
        At<String> name();
    }

    /** An entry of a {@code services} list. */
    sealed interface ServiceEntry {
        At<String> name();
    }

    /** {@code {name: x, remove: true}} in a node override. */
    record Removal(String pointer, At<String> name) implements FlowEntry, ServiceEntry {}

    record FlowSpec(String pointer, At<String> name, At<Endpoint> client, EndpointSpec listen, EndpointSpec egress,
            At<Endpoint> server) implements FlowEntry {}

    /** @param idleTimeout  absent: the default; likewise identity (none) and onBackendRemoval (drain) */
    record ServiceSpec(String pointer, At<String> name, EndpointSpec listen, List<At<Endpoint>> backends,
            String egressPointer, At<String> egressIface, At<IpAddress> egressAddress, At<PortRange> egressPorts,
            Optional<At<Duration>> idleTimeout, Optional<At<SessionIdentity>> identity,
            Optional<At<Service.OnBackendRemoval>> onBackendRemoval) implements ServiceEntry {}

    record HugepageSpec(String pointer, At<Integer> pageSizeKb, At<Integer> count, Optional<At<Integer>> numaNode) {}

    record InterfaceTuningSpec(String name, String keyPointer, Optional<At<Integer>> queues, Optional<At<byte[]>> rssKey) {}

    /**
     * Each setting absent when not written: defaults apply after merging.
     *
     * @param unreadMode  where a {@code mode} stands that the schema rejected (mode is then absent): checks that
     *                    depend on the mode say nothing, since which mode was meant is unknown and its own error
     *                    already stands for it
     */
    record DatapathSpec(Optional<At<DatapathSettings.Mode>> mode, Optional<At<XdpMode>> attachMode,
            Optional<At<Integer>> maxRules, Optional<At<IcmpEcho.Policy>> icmpEcho, Optional<String> unreadMode) {
        static final DatapathSpec UNSET = new DatapathSpec(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** @param hugepages  absent when not written (a node then keeps the base list) */
    record TuningSpec(Optional<List<HugepageSpec>> hugepages, Map<String, InterfaceTuningSpec> interfaces) {
        static final TuningSpec UNSET = new TuningSpec(Optional.empty(), Map.of());
    }

    /**
     * One layer as written: the base document (pointer "") or one node's override ({@code /nodes/NAME}).
     * {@code unnamedNodesGetBase} ({@code unnamedNodes: base}) is the base's alone; the schema keeps it out of a node's.
     * Lists absent when not written, so a node that does not mention them keeps the base's. The base's flows
     * are not here but in {@link FlowTable}s, read as a stream; a node's few are.
     */
    record Layer(String pointer, Map<String, InterfaceSpec> interfaces, Optional<List<At<IpAddress>>> localIps,
            DatapathSpec datapath, Optional<List<FlowEntry>> flows, Optional<List<ServiceEntry>> services,
            TuningSpec tuning, int unreadFlows, Optional<At<Boolean>> suspend, Optional<At<Boolean>> unnamedNodesGetBase) {}

    /**
     * What one node gets: the base, or the base with a node's layer merged over it.
     *
     * @param node         the node's name, or "" for the base as written
     * @param flows        the static flows in order: the base's in one table per file, or a node's merged view
     * @param unreadFlows  flow entries left out because they are wrong (and reported): counted for capacity
     * @param suspend      {@code suspend:} as it applies to the node (its own, else the base's), absent when unwritten
     */
    record NodeSpec(String node, Map<String, InterfaceSpec> interfaces, List<At<IpAddress>> localIps,
            DatapathSpec datapath, List<FlowTable> flows, List<ServiceSpec> services, TuningSpec tuning, int unreadFlows,
            Optional<At<Boolean>> suspend) {}
}
