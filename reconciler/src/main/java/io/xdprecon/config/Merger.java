package io.xdprecon.config;

import io.xdprecon.config.Spec.At;
import io.xdprecon.config.Spec.DatapathSpec;
import io.xdprecon.config.Spec.FlowEntry;
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
 *   <li>{@code localIps} and {@code tuning.hugepages} replace the base list when written, and {@code suspend} the
 *       base's value;
 *   <li>{@code flows} and {@code services} merge by name: the same name replaces the base entry in its place,
 *       a new name is added after the base entries, {@code {name: x, remove: true}} removes x.
 * </ul>
 * Every merged value keeps the pointer it was written at, so checks on the result point into the file.
 */
final class Merger {
    private Merger() {}

    /** The base document on its own: {@code base} with its flows in {@code flows}, one table per file. */
    static NodeSpec base(Layer base, List<FlowTable> flows, int unreadFlows) {
        return new NodeSpec("", base.interfaces(), base.localIps().orElse(List.of()), base.datapath(), List.copyOf(flows),
                only(base.services().orElse(List.of()), ServiceSpec.class), base.tuning(), unreadFlows, base.suspend());
    }

    /** The base with {@code layer} (node {@code node}'s override) merged over it; problems go to {@code sink}. */
    static NodeSpec merge(NodeSpec base, String node, Layer layer, List<Problem> sink) {
        Map<String, InterfaceSpec> interfaces = new LinkedHashMap<>(base.interfaces());
        interfaces.putAll(layer.interfaces());
        DatapathSpec written = layer.datapath();
        boolean modeWritten = written.mode().isPresent() || written.unreadMode().isPresent();
        DatapathSpec datapath = new DatapathSpec(
                modeWritten ? written.mode() : base.datapath().mode(), // a rejected mode hides the base's: meant to differ
                written.attachMode().or(() -> base.datapath().attachMode()),
                written.maxRules().or(() -> base.datapath().maxRules()),
                written.icmpEcho().or(() -> base.datapath().icmpEcho()),
                modeWritten ? written.unreadMode() : base.datapath().unreadMode());
        List<FlowTable> flows = layer.flows().isEmpty() ? base.flows() : List.of(flows(base.flows(), layer.flows().get(), sink));
        List<ServiceSpec> services =
                byName(base.services(), layer.services(), ServiceSpec.class, ServiceSpec::name, "service", sink);
        Map<String, InterfaceTuningSpec> tuned = new LinkedHashMap<>(base.tuning().interfaces());
        layer.tuning().interfaces().forEach((name, over) -> tuned.merge(name, over, (under, o) ->
                new InterfaceTuningSpec(name, o.keyPointer(), o.queues().or(under::queues), o.rssKey().or(under::rssKey))));
        TuningSpec tuning = new TuningSpec(layer.tuning().hugepages().or(() -> base.tuning().hugepages()), tuned);
        return new NodeSpec(node, interfaces, layer.localIps().orElse(base.localIps()), datapath, flows, services, tuning,
                base.unreadFlows() + layer.unreadFlows(), layer.suspend().or(base::suspend));
    }

    private static <E, T extends E> List<T> byName(List<T> base, Optional<List<E>> layer, Class<T> type,
            Function<T, At<String>> nameOf, String what, List<Problem> sink) {
        if (layer.isEmpty()) {
            return base;
        }
        List<T> merged = new ArrayList<>(base);
        Map<String, At<String>> seen = new HashMap<>();
        for (E entry : layer.get()) {
            At<String> name = entry instanceof Removal r ? r.name() : nameOf.apply(type.cast(entry));
            At<String> earlier = seen.putIfAbsent(name.value(), name);
            if (earlier != null) {
                sink.add(alreadyListed(name, earlier, what));
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

    private static Problem alreadyListed(At<String> name, At<String> earlier, String what) {
        return new Problem.AtValue(name.pointer(), "'" + name.value() + "' is already listed for this node at "
                + Mention.of(earlier.pointer()) + "; a node names each " + what + " once");
    }

    /**
     * The base's flows with a node's entries merged by name, as {@link #byName} merges services: one table,
     * each row keeping the list and item it was written at.
     */
    private static FlowTable flows(List<FlowTable> base, List<FlowEntry> layer, List<Problem> sink) {
        int total = 0;
        for (FlowTable table : base) {
            total += table.size();
        }
        int[] tableOf = new int[total];
        int[] rowOf = new int[total];
        Map<String, Integer> first = HashMap.newHashMap(total);
        for (int t = 0, p = 0; t < base.size(); t++) {
            for (int r = 0; r < base.get(t).size(); r++, p++) {
                tableOf[p] = t;
                rowOf[p] = r;
                first.putIfAbsent(base.get(t).name(r), p);
            }
        }
        java.util.BitSet removed = new java.util.BitSet(total);
        Map<Integer, FlowSpec> replaced = new HashMap<>();
        List<FlowSpec> added = new ArrayList<>();
        Map<String, At<String>> seen = new HashMap<>();
        for (FlowEntry entry : layer) {
            At<String> name = entry.name();
            At<String> earlier = seen.putIfAbsent(name.value(), name);
            if (earlier != null) {
                sink.add(alreadyListed(name, earlier, "flow"));
                continue;
            }
            int index = present(first.get(name.value()), name.value(), base, tableOf, rowOf, removed);
            if (entry instanceof Removal) {
                if (index < 0) {
                    sink.add(new Problem.AtValue(name.pointer(), "there is no flow '" + name.value() + "' in the base to remove"));
                } else {
                    removed.set(index);
                }
            } else if (index >= 0) {
                replaced.put(index, (FlowSpec) entry);
            } else {
                added.add((FlowSpec) entry);
            }
        }
        FlowTable merged = new FlowTable();
        for (int p = 0; p < total; p++) {
            if (removed.get(p)) {
                continue;
            }
            FlowSpec replacement = replaced.get(p);
            if (replacement != null) {
                add(merged, replacement);
            } else {
                merged.add(base.get(tableOf[p]), rowOf[p]);
            }
        }
        added.forEach(f -> add(merged, f));
        return merged.trim();
    }

    /** The first base position with this name not removed yet, or -1. */
    private static int present(Integer first, String name, List<FlowTable> base, int[] tableOf, int[] rowOf,
            java.util.BitSet removed) {
        if (first == null) {
            return -1;
        }
        for (int p = first; p < tableOf.length; p++) {
            if (!removed.get(p) && base.get(tableOf[p]).name(rowOf[p]).equals(name)) {
                return p; // a base that names a flow twice (an error of its own) has a second one
            }
        }
        return -1;
    }

    private static void add(FlowTable table, FlowSpec flow) {
        table.add(table.list(Pointer.parent(flow.pointer())), SourceMap.SeqPlace.index(last(flow.pointer())),
                flow.name().value(), flow.client().value(), flow.listen().iface().value(), flow.listen().address().value(),
                flow.listen().port().value(), flow.egress().iface().value(), flow.egress().address().value(),
                flow.egress().port().value(), flow.server().value());
    }

    private static String last(String pointer) {
        return pointer.substring(pointer.lastIndexOf('/') + 1);
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
