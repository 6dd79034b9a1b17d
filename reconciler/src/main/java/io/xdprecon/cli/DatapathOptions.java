package io.xdprecon.cli;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.ffm.BpfException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the live datapath's maps are pinned; shared by every command that reads or writes them. */
final class DatapathOptions {
    @Option(names = "--pin-root", paramLabel = "DIR", defaultValue = "/sys/fs/bpf",
            description = "bpffs directory holding the pinned maps (default: ${DEFAULT-VALUE}).")
    Path pinRoot;

    /** Opens the pinned maps, or explains in one line why there is no live datapath. */
    Datapath open() {
        try {
            return Datapath.openPinned(pinRoot);
        } catch (BpfException.NotFound e) {
            throw new CliException("no live datapath under " + pinRoot + " (" + e.getMessage()
                    + "); is the program loaded, and is --pin-root right?");
        } catch (BpfException.PermissionDenied e) {
            throw new CliException(e.getMessage() + "; reading BPF maps needs root (CAP_BPF)");
        }
    }
}
