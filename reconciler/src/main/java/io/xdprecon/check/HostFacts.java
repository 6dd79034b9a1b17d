package io.xdprecon.check;

import io.xdprecon.dataplane.bpf.LibbpfVersion;
import io.xdprecon.dataplane.dpdk.Eal;
import io.xdprecon.dataplane.link.LinkState;
import io.xdprecon.dataplane.link.XdpFeatures;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.TuningSetting;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What {@link Preflight} judges, read from this host as it is now (the calling thread's network namespace),
 * changing nothing. Each fact is read on its own: one that cannot be read is recorded as such, not thrown.
 *
 * @param capabilities the effective capability set ({@code CapEff} of /proc/self/status), bit N = capability N
 * @param pinRootType  the file system type of the pin root ("bpf"), empty when it does not exist
 * @param bpfJit       {@code net.core.bpf_jit_enable}, empty when unreadable
 * @param devices      the config's devices, empty without a config
 * @param hugepages    the pool of the page size the config reserves, when it reserves any (dpdk mode)
 * @param admin        what holds the admin address, when one is checked
 */
public record HostFacts(String kernelRelease, boolean btf, long capabilities, Optional<String> pinRootType,
        Library libbpf, Library dpdk, Optional<String> bpfJit, List<Device> devices, Optional<HugepagePool> hugepages,
        Optional<Admin> admin) {

    /** A shared library: its version, or why it could not be loaded. */
    public record Library(Optional<String> version, String problem) {
        static Library found(String version) {
            return new Library(Optional.of(version), "");
        }

        static Library missing(String problem) {
            return new Library(Optional.empty(), problem);
        }
    }

    /**
     * One device of the config.
     *
     * @param xdpFeatures empty when this kernel does not report them (before 6.3)
     * @param problem     why a fact could not be read, empty when all were
     */
    public record Device(String name, OptionalInt ifindex, Optional<LinkState> link,
            Optional<Set<XdpFeatures.Feature>> xdpFeatures, Optional<String> forwarding, Optional<String> acceptLocal,
            String problem) {}

    /** Huge pages of one size: how many are reserved, how many free, and whether hugetlbfs is mounted. */
    public record HugepagePool(int pageSizeKb, long total, long free, boolean mounted) {}

    /** The admin address: free to listen on, answered by an xdprecon daemon, or held by something else. */
    public record Admin(String address, State state, String detail) {
        public enum State { FREE, DAEMON, TAKEN, INVALID }
    }

    private static final Path PROC_SYS = Path.of("/proc/sys");

    /** Reads the facts {@code target} needs (none about a node without one) with the maps pinned under {@code pinRoot}. */
    public static HostFacts read(Optional<Target> target, Path pinRoot, Optional<String> admin) {
        boolean dpdkMode = target.map(t -> t.mode() == DatapathSettings.Mode.DPDK).orElse(false);
        return new HostFacts(System.getProperty("os.version"), Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")),
                readCapabilities(), fileSystemType(pinRoot), loadLibbpf(),
                dpdkMode || target.isEmpty() ? loadDpdk() : Library.missing("not loaded"),
                sysctl("net/core/bpf_jit_enable"), target.map(t -> devices(t.devices())).orElse(List.of()),
                target.flatMap(Target::hugepages).filter(h -> dpdkMode).map(HostFacts::hugepages),
                admin.map(HostFacts::admin));
    }

    static long readCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unreadable: judged as no capabilities
        }
        return 0;
    }

    private static Optional<String> fileSystemType(Path path) {
        try {
            return Optional.of(Files.getFileStore(path).type());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Library loadLibbpf() {
        try {
            return Library.found(LibbpfVersion.current());
        } catch (LinkageError | RuntimeException e) {
            return Library.missing(rootCause(e));
        }
    }

    private static Library loadDpdk() {
        try {
            return Library.found(Eal.version());
        } catch (LinkageError | RuntimeException e) {
            return Library.missing(rootCause(e));
        }
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    static Optional<String> sysctl(String path) {
        try {
            return Optional.of(Files.readString(PROC_SYS.resolve(path)).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Device> devices(List<String> names) {
        InterfaceResolver resolver = InterfaceResolver.currentNetns();
        List<Device> devices = new ArrayList<>();
        for (String name : names) {
            OptionalInt ifindex = resolver.ifindex(name);
            if (ifindex.isEmpty()) {
                devices.add(new Device(name, ifindex, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        ""));
                continue;
            }
            Optional<LinkState> link = Optional.empty();
            Optional<Set<XdpFeatures.Feature>> features = Optional.empty();
            String problem = "";
            try {
                link = Optional.of(LinkState.of(name));
                features = XdpFeatures.of(ifindex.getAsInt());
            } catch (RuntimeException e) {
                problem = e.getMessage();
            }
            devices.add(new Device(name, ifindex, link, features, sysctl("net/ipv4/conf/" + name + "/forwarding"),
                    sysctl("net/ipv4/conf/" + name + "/accept_local"), problem));
        }
        return devices;
    }

    private static HugepagePool hugepages(TuningSetting.Hugepages wanted) {
        Path pool = Path.of("/sys/kernel/mm/hugepages/hugepages-" + wanted.pageSizeKb() + "kB");
        boolean mounted;
        try {
            mounted = Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ").length > 2
                    && l.split(" ")[2].equals("hugetlbfs"));
        } catch (IOException e) {
            mounted = false;
        }
        return new HugepagePool(wanted.pageSizeKb(), number(pool.resolve("nr_hugepages")),
                number(pool.resolve("free_hugepages")), mounted);
    }

    private static long number(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Binds the address for a moment; when that fails, asks whether an xdprecon daemon answers /healthz there. */
    private static Admin admin(String address) {
        if (address.equals("off")) {
            return new Admin(address, Admin.State.FREE, "off");
        }
        int colon = address.lastIndexOf(':');
        InetSocketAddress socketAddress;
        try {
            socketAddress = new InetSocketAddress(address.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(address.substring(colon + 1)));
        } catch (RuntimeException e) {
            return new Admin(address, Admin.State.INVALID, "not HOST:PORT");
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(socketAddress);
            return new Admin(address, Admin.State.FREE, "free");
        } catch (BindException e) {
            // in use, or not an address of this host: see who answers
        } catch (IOException e) {
            return new Admin(address, Admin.State.INVALID, e.getMessage());
        }
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://" + address + "/healthz"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (health.statusCode() == 200 || health.statusCode() == 503) {
                return new Admin(address, Admin.State.DAEMON, "an xdprecon daemon answers there");
            }
            return new Admin(address, Admin.State.TAKEN, "something else answers there (HTTP " + health.statusCode() + ")");
        } catch (IOException e) {
            return new Admin(address, Admin.State.TAKEN, "in use by another process, or not an address of this host");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Admin(address, Admin.State.TAKEN, "interrupted while asking who listens there");
        }
    }
}
