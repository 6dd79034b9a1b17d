package io.xdprecon.config;

import io.xdprecon.config.Spec.At;
import io.xdprecon.config.Spec.DatapathSpec;
import io.xdprecon.config.Spec.FlowSpec;
import io.xdprecon.config.Spec.InterfaceSpec;
import io.xdprecon.config.Spec.InterfaceTuningSpec;
import io.xdprecon.config.Spec.Layer;
import io.xdprecon.config.Spec.NodeSpec;
import io.xdprecon.config.Spec.Removal;
import io.xdprecon.config.Spec.ServiceSpec;
import io.xdprecon.config.Spec.TuningSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Node overrides: what a node gets is the base with its {@code nodes.NAME} layer merged over it.
 * <ul>
 *   <li>mappings merge key by key: {@code interfaces} by logical name, {@code datapath} by setting,
 *       {@code tuning.interfaces} by logical name and then by setting;
 *   <li>{@code localIps} and {@code tuning.hugepages} replace the base list when written;
 *   <li>{@code flows} and {@code services} merge by name: the same name replaces the base entry in its place,
 *       a new name is added after the base entries, {@code {name: x, remove: true}} removes x.
 * </ul>
 * Every merged value keeps the pointer it was written at, so checks on the result point into the file.
 */
final class Merger {
    private Merger() {}

    /** The base document on its own. */
    static NodeSpec base(Layer base) {
        return new NodeSpec("", base.interfaces(), base.localIps().orElse(List.of()), base.datapath(),
                only(base.flows().orElse(List.of()), FlowSpec.class),
                only(base.services().orElse(List.of()), ServiceSpec.class), base.tuning(), base.unreadFlows());
    }

    /** The base with {@code layer} (node {@code node}'s override) merged over it; problems go to {@code sink}. */
    static NodeSpec merge(NodeSpec base, String node, Layer layer, SourceMap sourceMap, List<Problem> sink) {
        Map<String, InterfaceSpec> interfaces = new LinkedHashMap<>(base.interfaces());
        interfaces.putAll(layer.interfaces());
        DatapathSpec datapath = new DatapathSpec(
                layer.datapath().mode().or(() -> base.datapath().mode()),
                layer.datapath().attachMode().or(() -> base.datapath().attachMode()),
                layer.datapath().maxRules().or(() -> base.datapath().maxRules()),
                layer.datapath().icmpEcho().or(() -> base.datapath().icmpEcho()));
        List<FlowSpec> flows = byName(base.flows(), layer.flows(), FlowSpec.class, FlowSpec::name, "flow", sourceMap, sink);
        List<ServiceSpec> services =
                byName(base.services(), layer.services(), ServiceSpec.class, ServiceSpec::name, "service", sourceMap, sink);
        Map<String, InterfaceTuningSpec> tuned = new LinkedHashMap<>(base.tuning().interfaces());
        layer.tuning().interfaces().forEach((name, over) -> tuned.merge(name, over, (under, o) ->
                new InterfaceTuningSpec(name, o.keyPointer(), o.queues().or(under::queues), o.rssKey().or(under::rssKey))));
        TuningSpec tuning = new TuningSpec(layer.tuning().hugepages().or(() -> base.tuning().hugepages()), tuned);
        return new NodeSpec(node, interfaces, layer.localIps().orElse(base.localIps()), datapath, flows, services, tuning,
                base.unreadFlows() + layer.unreadFlows());
    }

    private static <E, T extends E> List<T> byName(List<T> base, Optional<List<E>> layer, Class<T> type,
            Function<T, At<String>> nameOf, String what, SourceMap sourceMap, List<Problem> sink) {
        if (layer.isEmpty()) {
            return base;
        }
        List<T> merged = new ArrayList<>(base);
        Map<String, At<String>> seen = new HashMap<>();
        for (E entry : layer.get()) {
            At<String> name = entry instanceof Removal r ? r.name() : nameOf.apply(type.cast(entry));
            At<String> earlier = seen.putIfAbsent(name.value(), name);
            if (earlier != null) {
                sink.add(new Problem.AtValue(name.pointer(), "'" + name.value() + "' is already listed for this node at line "
                        + sourceMap.valueAt(earlier.pointer()).line() + "; a node names each " + what + " once"));
                continue;
            }
            int index = indexOf(merged, nameOf, name.value());
            if (entry instanceof Removal) {
                if (index < 0) {
                    sink.add(new Problem.AtValue(name.pointer(), "there is no " + what + " '" + name.value()
                            + "' in the base to remove"));
                } else {
                    merged.remove(index);
                }
            } else if (index >= 0) {
                merged.set(index, type.cast(entry));
            } else {
                merged.add(type.cast(entry));
            }
        }
        return merged;
    }

    private static <T> int indexOf(List<T> list, Function<T, At<String>> nameOf, String name) {
        for (int i = 0; i < list.size(); i++) {
            if (nameOf.apply(list.get(i)).value().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static <E, T extends E> List<T> only(List<E> entries, Class<T> type) {
        List<T> result = new ArrayList<>();
        for (E entry : entries) {
            if (type.isInstance(entry)) {
                result.add(type.cast(entry));
            }
        }
        return result;
    }
}
