package io.xdprecon.daemon;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DatapathSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a (re)starting daemon does with a datapath it finds running (XDP mode): the pinned maps are
 * adopted as they are, and on every configured interface running {@code xdp_main} the program is kept
 * when it is the same build (same kernel tag) or swapped in one atomic step for this build's — never
 * detached, so no packet meets an interface without the program. No map entry is written.
 */
public final class DatapathAdoption {
    private DatapathAdoption() {}

    /** What happened on one interface. */
    public record Result(String iface, String action) {}

    /**
     * Adopts what runs under {@code pinRoot} on {@code settings.attachTo()}; interfaces without the
     * program, or with no datapath pinned at all, are left to the plan (which loads and attaches).
     */
    public static List<Result> adopt(Path pinRoot, DatapathSettings settings) {
        List<Result> results = new ArrayList<>();
        if (settings.mode() != DatapathSettings.Mode.XDP || !Datapath.isPinned(pinRoot)) {
            return results;
        }
        int capacity;
        try (Datapath pinned = Datapath.openPinned(pinRoot)) {
            capacity = pinned.rules().capacity();
        }
        // Loading reuses the pinned maps (their entries untouched) and gives this build's tag.
        try (Datapath fresh = Datapath.load(pinRoot, capacity)) {
            BpfProgram program = fresh.program().orElseThrow();
            String tag = program.tag();
            settings.attachTo().forEach((iface, ifindex) -> {
                Optional<Xdp.Attachment> xdp = Xdp.query(ifindex);
                Optional<BpfProgram.Info> attached = xdp.flatMap(a -> BpfProgram.describe(a.programId()));
                if (attached.isEmpty() || !attached.get().name().equals(Planner.PROGRAM_NAME)) {
                    return; // nothing of ours there: the plan attaches, or refuses a foreign program
                }
                if (attached.get().tag().equals(tag)) {
                    results.add(new Result(iface, "kept program id " + attached.get().id() + " (same build)"));
                } else {
                    // In the mode it runs in: the kernel swaps within one mode; a change of mode is the plan's step.
                    Xdp.replace(ifindex, attached.get().id(), program, xdp.get().mode());
                    results.add(new Result(iface, "replaced program id " + attached.get().id() + " by this build's"
                            + " (tag " + attached.get().tag() + " -> " + tag + ") atomically"));
                }
            });
        }
        return results;
    }
}
