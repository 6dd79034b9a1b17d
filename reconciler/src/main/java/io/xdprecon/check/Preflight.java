package io.xdprecon.check;

import io.xdprecon.check.CheckResult.Status;
import io.xdprecon.check.HostFacts.Admin;
import io.xdprecon.check.HostFacts.Device;
import io.xdprecon.check.HostFacts.HugepagePool;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.link.XdpFeatures.Feature;
import io.xdprecon.state.DatapathSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges {@link HostFacts} against what the node is to run: one {@link CheckResult} per fact, each not-ok one
 * with its fix. A pure function, so that every rule has a unit test.
 */
public final class Preflight {
    /** The kernel below which the datapath does not run: CAP_BPF and XDP attach through bpf links (5.8). */
    static final int[] MIN_KERNEL = {5, 8};
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_BPF = 39;

    private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+).*");

    private Preflight() {}

    /** Reads this host's facts and judges them: what {@code xdprecon check} prints. */
    public static List<CheckResult> run(Optional<Target> target, Path pinRoot, Optional<String> admin) {
        return judge(target, pinRoot, HostFacts.read(target, pinRoot, admin));
    }

    /** Whether the calling process may write BPF maps and attach XDP: what apply refuses up front without. */
    public static CheckResult privileges() {
        return privileges(HostFacts.readCapabilities());
    }

    public static List<CheckResult> judge(Optional<Target> target, Path pinRoot, HostFacts facts) {
        List<CheckResult> results = new ArrayList<>();
        results.add(kernel(facts.kernelRelease()));
        results.add(facts.btf() ? CheckResult.ok("btf", "/sys/kernel/btf/vmlinux")
                : CheckResult.warn("btf", "no kernel BTF (/sys/kernel/btf/vmlinux): the datapath runs without it (it uses"
                        + " no CO-RE), tools that trace or profile BPF programs need it",
                        "a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's are)"));
        results.add(bpffs(pinRoot, facts.pinRootType()));
        results.add(privileges(facts.capabilities()));
        results.add(facts.libbpf().version().map(v -> v.matches("0\\..*")
                ? CheckResult.fail("libbpf", "libbpf " + v + ": xdprecon needs 1.0 or later", "apt-get install libbpf1")
                : CheckResult.ok("libbpf", "libbpf " + v))
                .orElse(CheckResult.fail("libbpf", "cannot load libbpf.so.1: " + facts.libbpf().problem(),
                        "apt-get install libbpf1")));
        results.add(dpdk(target, facts.dpdk()));
        results.add(facts.bpfJit().map(jit -> jit.equals("0")
                ? CheckResult.warn("bpf jit", "net.core.bpf_jit_enable=0: the program runs in the interpreter, several"
                        + " times slower", "sysctl -w net.core.bpf_jit_enable=1 (and in /etc/sysctl.d/ to keep it)")
                : CheckResult.ok("bpf jit", "net.core.bpf_jit_enable=" + jit))
                .orElse(CheckResult.ok("bpf jit", "always on (no net.core.bpf_jit_enable)")));
        if (target.isEmpty()) {
            results.add(CheckResult.warn("config", "no config: its interfaces, their sysctls and huge pages are not checked",
                    "give the config: -c FILE or --git URL (with --node)"));
        } else {
            Target t = target.get();
            results.add(CheckResult.ok("config", "node " + t.node() + " of " + t.source() + ": datapath "
                    + t.mode().name().toLowerCase() + (t.mode() == DatapathSettings.Mode.XDP ? " (" + t.attachMode().name()
                    .toLowerCase() + ")" : "") + ", devices " + (t.devices().isEmpty() ? "none" : String.join(", ", t.devices()))));
            for (Device device : facts.devices()) {
                results.addAll(device(t, device));
            }
            if (t.mode() == DatapathSettings.Mode.DPDK) {
                results.add(hugepages(t, facts.hugepages()));
            }
        }
        facts.admin().ifPresent(admin -> results.add(admin(admin)));
        return results;
    }

    static CheckResult kernel(String release) {
        Matcher m = RELEASE.matcher(release);
        if (!m.matches()) {
            return CheckResult.warn("kernel", "cannot read the version of kernel '" + release + "'",
                    "make sure it is " + MIN_KERNEL[0] + "." + MIN_KERNEL[1] + " or later");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < MIN_KERNEL[0] || major == MIN_KERNEL[0] && minor < MIN_KERNEL[1]) {
            return CheckResult.fail("kernel", "Linux " + release + ": xdprecon needs " + MIN_KERNEL[0] + "." + MIN_KERNEL[1]
                    + " or later (CAP_BPF, XDP through bpf links)", "boot a newer kernel (Debian 12's 6.1 will do)");
        }
        return CheckResult.ok("kernel", "Linux " + release);
    }

    static CheckResult bpffs(Path pinRoot, Optional<String> type) {
        String mount = "mount -t bpf bpf /sys/fs/bpf (and a bpf line in /etc/fstab), or point --pin-root into a bpffs";
        if (type.isEmpty()) {
            return CheckResult.fail("bpffs", pinRoot + " does not exist", mount);
        }
        if (!type.get().equals("bpf")) {
            return CheckResult.fail("bpffs", pinRoot + " is on " + type.get() + ", not a bpffs: the maps cannot be pinned"
                    + " there and would not outlive a restart", mount);
        }
        return CheckResult.ok("bpffs", pinRoot + " is a bpffs");
    }

    static CheckResult privileges(long capabilities) {
        boolean bpf = has(capabilities, CAP_BPF) || has(capabilities, CAP_SYS_ADMIN);
        boolean net = has(capabilities, CAP_NET_ADMIN);
        if (bpf && net) {
            return CheckResult.ok("privileges", has(capabilities, CAP_BPF) ? "CAP_BPF and CAP_NET_ADMIN"
                    : "CAP_SYS_ADMIN and CAP_NET_ADMIN");
        }
        List<String> missing = new ArrayList<>();
        if (!bpf) {
            missing.add("CAP_BPF (or CAP_SYS_ADMIN)");
        }
        if (!net) {
            missing.add("CAP_NET_ADMIN");
        }
        return CheckResult.fail("privileges", "no " + String.join(", no ", missing) + ": BPF maps and XDP programs are out"
                + " of reach", "run as root (sudo), or with the capabilities the systemd unit grants");
    }

    static boolean has(long capabilities, int capability) {
        return (capabilities & (1L << capability)) != 0;
    }

    static CheckResult dpdk(Optional<Target> target, HostFacts.Library dpdk) {
        boolean needed = target.map(t -> t.mode() == DatapathSettings.Mode.DPDK).orElse(false);
        String install = "apt-get install librte-eal23 librte-ethdev23 librte-mbuf23 librte-mempool23"
                + " librte-mempool-ring23 librte-net-af-xdp23 (DPDK 22.11)";
        if (!needed) {
            return CheckResult.ok("dpdk", dpdk.version().map(v -> v + " (").orElse("(")
                    + (target.isEmpty() ? "needed only with datapath.mode dpdk)" : "not used: datapath.mode xdp)"));
        }
        if (dpdk.version().isEmpty()) {
            return CheckResult.fail("dpdk", "datapath.mode dpdk, and DPDK cannot be loaded: " + dpdk.problem(), install);
        }
        if (!dpdk.version().get().matches("DPDK 22\\.11(\\..*)?")) {
            return CheckResult.fail("dpdk", dpdk.version().get() + ": the DPDK loop is built for 22.11 only (its burst"
                    + " function table layout is version specific)", install);
        }
        return CheckResult.ok("dpdk", dpdk.version().get());
    }

    static List<CheckResult> device(Target target, Device device) {
        String name = "device " + device.name();
        if (device.ifindex().isEmpty()) {
            return List.of(CheckResult.fail(name, "there is no device " + device.name() + " on this node (in this network"
                    + " namespace)", "fix the device: in the config's interfaces (or node " + target.node()
                    + "'s override), or pick the right --node"));
        }
        List<CheckResult> results = new ArrayList<>();
        String at = device.name() + " (ifindex " + device.ifindex().getAsInt() + ")";
        if (!device.problem().isEmpty()) {
            results.add(CheckResult.warn(name, "cannot read all of " + at + ": " + device.problem(),
                    "look at it with ip -d link show " + device.name()));
        }
        device.link().ifPresent(link -> {
            if (!link.up()) {
                results.add(CheckResult.fail(name, at + " is down", "ip link set " + device.name() + " up"));
            } else if (!link.running()) {
                results.add(CheckResult.warn(name, at + " is up but has no carrier", "check its cable or its peer"));
            } else {
                results.add(CheckResult.ok(name, at + " is up"));
            }
        });
        results.add(xdp(target, device, at));
        results.add(sysctl(device, "forwarding", "without it the FIB lookup answers FWD_DISABLED and no rule forwards"));
        results.add(sysctl(device, "accept_local", "without it the kernel drops a rewritten packet passed to it (no"
                + " neighbour yet) as a martian, and never resolves the neighbour"));
        return results;
    }

    private static CheckResult xdp(Target target, Device device, String at) {
        String name = "xdp " + device.name();
        if (target.mode() == DatapathSettings.Mode.XDP && target.attachMode() == XdpMode.GENERIC) {
            return CheckResult.ok(name, "attachMode generic: any device runs it (in the kernel's generic hook, slower)");
        }
        if (device.xdpFeatures().isEmpty()) {
            return CheckResult.warn(name, "this kernel does not report XDP features (6.3 and later do): native XDP on "
                    + at + " is not verified", "see its driver's documentation, or use attachMode: generic");
        }
        Set<Feature> features = device.xdpFeatures().get();
        if (!features.contains(Feature.BASIC) || !features.contains(Feature.REDIRECT)) {
            return CheckResult.fail(name, "the driver of " + at + " has no native XDP" + (features.contains(Feature.BASIC)
                    ? " redirect" : ""), target.mode() == DatapathSettings.Mode.XDP
                    ? "attachMode: generic in the config (slower), or a NIC whose driver has native XDP"
                    : "a NIC whose driver has native XDP");
        }
        if (!features.contains(Feature.NDO_XMIT) && target.devices().size() > 1) {
            return CheckResult.warn(name, "frames redirected to " + at + " from another device are dropped: its driver"
                    + " does not take redirected frames now", "a veth takes them once its peer runs an XDP program or"
                    + " has GRO on (ethtool -K PEER gro on); a NIC's driver needs ndo_xdp_xmit");
        }
        return CheckResult.ok(name, "native XDP with redirect" + (features.contains(Feature.NDO_XMIT)
                ? " in and out" : "") + (features.contains(Feature.XSK_ZEROCOPY) ? ", AF_XDP zero-copy" : ""));
    }

    private static CheckResult sysctl(Device device, String key, String why) {
        String name = "sysctl " + device.name();
        String sysctl = "net.ipv4.conf." + device.name() + "." + key;
        Optional<String> value = key.equals("forwarding") ? device.forwarding() : device.acceptLocal();
        if (value.isEmpty()) {
            return CheckResult.warn(name, "cannot read " + sysctl, "sysctl " + sysctl);
        }
        if (!value.get().equals("1")) {
            return CheckResult.fail(name, sysctl + "=" + value.get() + ": " + why,
                    "sysctl -w " + sysctl + "=1 (and in /etc/sysctl.d/ to keep it)");
        }
        return CheckResult.ok(name, sysctl + "=1");
    }

    static CheckResult hugepages(Target target, Optional<HugepagePool> pool) {
        if (target.hugepages().isEmpty() || pool.isEmpty()) {
            return CheckResult.ok("hugepages", "none reserved by the config's tuning: DPDK runs with --no-huge");
        }
        HugepagePool p = pool.get();
        long wanted = target.hugepages().get().count();
        String size = p.pageSizeKb() + " kB";
        if (!p.mounted()) {
            return CheckResult.fail("hugepages", "no hugetlbfs is mounted: DPDK cannot map huge pages",
                    "mount -t hugetlbfs nodev /dev/hugepages (and a hugetlbfs line in /etc/fstab)");
        }
        if (p.total() < wanted) {
            return CheckResult.warn("hugepages", p.total() + " of " + wanted + " huge pages of " + size + " reserved, "
                    + p.free() + " free", "xdprecon apply reserves them (the config's tuning), or echo " + wanted
                    + " > /sys/kernel/mm/hugepages/hugepages-" + p.pageSizeKb() + "kB/nr_hugepages");
        }
        return CheckResult.ok("hugepages", p.total() + " huge pages of " + size + " reserved (" + wanted + " wanted), "
                + p.free() + " free");
    }

    static CheckResult admin(Admin admin) {
        return switch (admin.state()) {
            case FREE -> CheckResult.ok("admin", admin.address().equals("off") ? "off" : admin.address() + " is free");
            case DAEMON -> CheckResult.ok("admin", admin.address() + ": " + admin.detail());
            case TAKEN -> CheckResult.fail("admin", admin.address() + ": " + admin.detail(),
                    "another address in XDPRECON_ADMIN (or --admin), or stop what listens there (ss -ltnp)");
            case INVALID -> CheckResult.fail("admin", admin.address() + ": " + admin.detail(),
                    "HOST:PORT of this host (IPv6 as [::1]:9477), or off");
        };
    }

    /** How many of {@code results} have {@code status}. */
    public static long count(List<CheckResult> results, Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }
}
