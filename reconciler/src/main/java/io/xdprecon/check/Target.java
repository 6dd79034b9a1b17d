package io.xdprecon.check;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.TuningSetting;
import java.util.List;
import java.util.Optional;

/**
 * What this node is to run, from its config: the node's name and source, the datapath mode and attach mode,
 * the kernel devices the config names, and the huge pages its tuning reserves.
 */
public record Target(String node, String source, DatapathSettings.Mode mode, XdpMode attachMode, List<String> devices,
        Optional<TuningSetting.Hugepages> hugepages) {
    public Target {
        devices = List.copyOf(devices);
    }

    public static Target of(DesiredState desired) {
        Optional<TuningSetting.Hugepages> hugepages = desired.tuning().stream()
                .filter(t -> t instanceof TuningSetting.Hugepages h && h.count() > 0)
                .map(TuningSetting.Hugepages.class::cast).findFirst();
        return new Target(desired.node(), desired.source(), desired.datapath().mode(), desired.datapath().attachMode(),
                desired.datapath().attachTo().keySet().stream().sorted().toList(), hugepages);
    }
}
