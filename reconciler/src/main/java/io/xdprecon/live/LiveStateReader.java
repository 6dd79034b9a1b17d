package io.xdprecon.live;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads one {@link LiveState} of this node: the pinned maps with batch lookups, the XDP program on
 * every interface the config names, and the current value of every tuning setting it names.
 * Interfaces resolve in the calling thread's network namespace.
 */
public final class LiveStateReader {
    private final Path pinRoot;
    private final Function<List<TuningSetting>, List<TuningSetting>> tuningReader;

    /**
     * @param tuningReader live values for the desired settings (those it cannot read are left out)
     */
    public LiveStateReader(Path pinRoot, Function<List<TuningSetting>, List<TuningSetting>> tuningReader) {
        this.pinRoot = pinRoot;
        this.tuningReader = tuningReader;
    }

    public Path pinRoot() {
        return pinRoot;
    }

    /** A snapshot of what {@code desired} talks about. */
    public LiveState read(DesiredState desired) {
        return read(desired.datapath().attachTo(), desired.tuning());
    }

    /** A snapshot of the maps, of the programs on {@code interfaces} (name → ifindex), and of {@code tuning}. */
    public LiveState read(Map<String, Integer> interfaces, List<TuningSetting> tuningSettings) {
        Map<String, Optional<LiveState.AttachedProgram>> attached = new HashMap<>();
        interfaces.forEach((device, ifindex) -> attached.put(device, attachedTo(ifindex)));
        List<TuningSetting> tuning = tuningReader.apply(tuningSettings);
        if (!Datapath.isPinned(pinRoot)) {
            return LiveState.absent(tuning, attached);
        }
        try (Datapath live = Datapath.openPinned(pinRoot)) {
            return new LiveState(true, live.rules().capacity(), live.rules().readAll(),
                    live.localIps().readAll().keySet(), tuning, attached);
        }
    }

    private static Optional<LiveState.AttachedProgram> attachedTo(int ifindex) {
        return Xdp.query(ifindex)
                .flatMap(attachment -> BpfProgram.describe(attachment.programId()))
                .map(info -> new LiveState.AttachedProgram(info.id(), info.name()));
    }
}
