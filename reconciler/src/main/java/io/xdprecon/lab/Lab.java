package io.xdprecon.lab;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.host.Command;
import io.xdprecon.host.FileTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A three-namespace UDP relay lab with the xdprecon datapath attached to the proxy, for end-to-end
 * tests and the demo. Everything it creates carries a short random id, so labs never collide, and
 * {@link #close()} removes all of it; nothing in the root namespace is touched.
 *
 * <pre>
 *   xr-ID-c  (client)            xr-ID-p  (proxy)                           xr-ID-s  (server)
 *  ┌─────────────────────┐      ┌──────────────────────────────────────┐      ┌─────────────────────┐
 *  │ c0                  │ veth │ pc                 ps                │ veth │ s0                  │
 *  │ 02:78:72:00:00:01   ├──────┤ 02:78:72:00:00:02  02:78:72:00:00:03 ├──────┤ 02:78:72:00:00:04   │
 *  │ 10.210.1.2/24       │      │ 10.210.1.1/24      10.210.2.1/24     │      │ 10.210.2.2/24       │
 *  │ 10.210.1.3/24       │      │ 10.210.1.100/32                      │      │                     │
 *  │   (2nd host)        │      │   (VIP)                              │      │                     │
 *  │ default via .1.1    │      │ ip_forward=1, accept_local=1         │      │ default via .2.1    │
 *  │ XDP: xdp_pass       │      │ XDP: xdp_main on pc and ps           │      │ XDP: xdp_pass       │
 *  │ tx checksum off     │      │                                      │      │ tx checksum off     │
 *  └─────────────────────┘      └──────────────────────────────────────┘      └─────────────────────┘
 *
 *  redirect: client .2 ─► VIP ──[pc: xdp_main rewrites, FIB says ps]──► ps ─► server .2.2
 *  hairpin:  client .2 ─► VIP ──[pc: xdp_main rewrites, FIB says pc]──► XDP_TX ─► client .3
 * </pre>
 *
 * <ul>
 *   <li>10.210.1.3 is a second host on the client segment: the target of hairpin (XDP_TX) flows.
 *   <li>Neighbour entries are static and permanent both ways (proxy: .1.2, .1.3 → c0, .2.2 → s0;
 *       client: .1.1 and the VIP → pc; server: .2.1 → ps), so {@code bpf_fib_lookup} succeeds from
 *       the first packet, and no ARP ever crosses a veth. IPv6 is off in all three namespaces, so no
 *       background traffic moves the datapath counters.
 *   <li>{@code xdp_pass} on c0 and s0: a veth delivers frames redirected or XDP_TX'd into it only
 *       when the receiving end runs NAPI, which an XDP program (or GRO) turns on; without it they
 *       are dropped silently.
 *   <li>TX checksum offload is off on c0 and s0: a veth sender otherwise leaves CHECKSUM_PARTIAL
 *       (pseudo-header only) UDP checksums, which the XDP rewrite adjusts incrementally and a
 *       redirect then delivers as final — the receiver drops them as bad checksums.
 *   <li>{@code accept_local=1} on pc and ps: when the FIB lookup cannot finish (no neighbour yet),
 *       xdp_main passes the already rewritten packet to the kernel, whose source is now one of the
 *       proxy's own addresses; with the default 0 the kernel drops it as a martian and never
 *       resolves the neighbour, so the flow never starts.
 *   <li>The datapath's maps are pinned under {@code /sys/fs/bpf/xdprecon-test-ID}; namespaces are
 *       entered with {@code setns} only ({@link NetNs}), so those pins stay visible.
 * </ul>
 *
 * Setup commands run through {@code ip}, {@code sysctl} and {@code ethtool}; a failing command
 * throws with the command line and its stderr, after what was built so far is torn down.
 */
public final class Lab implements AutoCloseable {
    public static final String CLIENT_IP = "10.210.1.2";
    /** A second host on the client segment, the target of hairpin flows. */
    public static final String CLIENT2_IP = "10.210.1.3";
    public static final String PROXY_CLIENT_SIDE_IP = "10.210.1.1";
    /** The relay's service address, a /32 on pc. */
    public static final String VIP = "10.210.1.100";
    public static final String PROXY_SERVER_SIDE_IP = "10.210.2.1";
    public static final String SERVER_IP = "10.210.2.2";

    /** The IPv6 twins of the addresses above, given by {@link #dualStack()}. */
    public static final String CLIENT_IP6 = "2001:db8:c::2";
    public static final String PROXY_CLIENT_SIDE_IP6 = "2001:db8:c::1";
    public static final String VIP6 = "2001:db8:c::100";
    public static final String PROXY_SERVER_SIDE_IP6 = "2001:db8:d::1";
    public static final String SERVER_IP6 = "2001:db8:d::2";

    public static final String NS_PREFIX = "xr-";
    public static final Path BPFFS = Path.of("/sys/fs/bpf");
    public static final String PIN_PREFIX = "xdprecon-test-";

    private static final Path RUN_NETNS = Path.of("/run/netns");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long ID_SPACE = 36L * 36 * 36 * 36 * 36 * 36;

    /** One end of a veth: where it lives, its name, index (in its namespace) and MAC. */
    public record Iface(String ns, String name, int ifindex, String mac) {}

    private final String id;
    private final int queues;
    private final String datapathObject;
    private final String clientNs;
    private final String proxyNs;
    private final String serverNs;
    private final Path pinRoot;
    // What exists so far, so that close() (also after a failed start) removes exactly that.
    private final List<String> namespacesCreated = new ArrayList<>();
    private final List<Iface> xdpAttached = new ArrayList<>();
    private final List<DatagramSocket> sockets = new ArrayList<>();
    private PinRoot pins;
    private Iface c0;
    private Iface pc;
    private Iface ps;
    private Iface s0;
    private Datapath datapath;
    private BpfObject otherBuildsDatapath;
    private BpfObject labObject;
    private boolean closed;

    private Lab(String id, int queues, String datapathObject) {
        this.id = id;
        this.queues = queues;
        this.datapathObject = datapathObject;
        this.clientNs = NS_PREFIX + id + "-c";
        this.proxyNs = NS_PREFIX + id + "-p";
        this.serverNs = NS_PREFIX + id + "-s";
        this.pinRoot = BPFFS.resolve(PIN_PREFIX + id);
    }

    /** Builds the topology and attaches the datapath; on any failure tears down what it built and throws. */
    public static Lab start() {
        return start(1);
    }

    /**
     * {@link #start()} with veths able to run {@code queues} queues each, every one of them started with one
     * (as a NIC whose queue count the config's tuning raises): {@code ethtool -L} takes them up to {@code queues}.
     */
    public static Lab start(int queues) {
        return start(queues, Datapath.OBJECT);
    }

    /**
     * {@link #start()} with another build's datapath: {@code object} is a bundled object such as
     * {@code xdp_fwd_layout1} (the release before layout 2, {@code bpf/legacy}), loaded with the lab's pin root and
     * attached to pc and ps as that build would have; {@link #datapath()} is then null: this build does not open
     * maps of another layout (it migrates them).
     */
    public static Lab startWith(String object) {
        return start(1, object);
    }

    private static Lab start(int queues, String datapathObject) {
        Lab lab = new Lab(newId(), queues, datapathObject);
        try {
            lab.build();
            return lab;
        } catch (RuntimeException | Error e) {
            try {
                lab.close();
            } catch (RuntimeException teardown) {
                e.addSuppressed(teardown);
            }
            throw e;
        }
    }

    /** A short id unused by any namespace or pin root on this machine: 6 base-36 characters. */
    public static String newId() {
        while (true) {
            StringBuilder id = new StringBuilder(Long.toString(RANDOM.nextLong(ID_SPACE), 36));
            while (id.length() < 6) {
                id.insert(0, '0');
            }
            if (!Files.exists(RUN_NETNS.resolve(NS_PREFIX + id + "-c")) && !Files.exists(BPFFS.resolve(PIN_PREFIX + id))) {
                return id.toString();
            }
        }
    }

    private void build() {
        for (String ns : List.of(clientNs, proxyNs, serverNs)) {
            ip("netns", "add", ns);
            namespacesCreated.add(ns);
            inNs(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            ip("-n", ns, "link", "set", "lo", "up");
        }
        inNs(proxyNs, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");

        String macC0 = "02:78:72:00:00:01";
        String macPc = "02:78:72:00:00:02";
        String macPs = "02:78:72:00:00:03";
        String macS0 = "02:78:72:00:00:04";
        // Created in the proxy namespace, the peer directly in the other one: never in the root namespace.
        String q = Integer.toString(queues);
        ip("-n", proxyNs, "link", "add", "pc", "address", macPc, "numtxqueues", q, "numrxqueues", q, "type", "veth",
                "peer", "name", "c0", "address", macC0, "numtxqueues", q, "numrxqueues", q, "netns", clientNs);
        ip("-n", proxyNs, "link", "add", "ps", "address", macPs, "numtxqueues", q, "numrxqueues", q, "type", "veth",
                "peer", "name", "s0", "address", macS0, "numtxqueues", q, "numrxqueues", q, "netns", serverNs);
        if (queues > 1) {
            for (String[] end : new String[][] {{clientNs, "c0"}, {proxyNs, "pc"}, {proxyNs, "ps"}, {serverNs, "s0"}}) {
                inNs(end[0], "ethtool", "-L", end[1], "rx", "1", "tx", "1");
            }
        }

        ip("-n", clientNs, "addr", "add", CLIENT_IP + "/24", "dev", "c0");
        ip("-n", clientNs, "addr", "add", CLIENT2_IP + "/24", "dev", "c0");
        ip("-n", proxyNs, "addr", "add", PROXY_CLIENT_SIDE_IP + "/24", "dev", "pc");
        ip("-n", proxyNs, "addr", "add", VIP + "/32", "dev", "pc");
        ip("-n", proxyNs, "addr", "add", PROXY_SERVER_SIDE_IP + "/24", "dev", "ps");
        ip("-n", serverNs, "addr", "add", SERVER_IP + "/24", "dev", "s0");

        // See the class comment: the kernel must accept what xdp_main passes it after a rewrite.
        inNs(proxyNs, "sysctl", "-q", "-w", "net.ipv4.conf.pc.accept_local=1", "net.ipv4.conf.ps.accept_local=1");
        inNs(clientNs, "ethtool", "-K", "c0", "tx", "off");
        inNs(serverNs, "ethtool", "-K", "s0", "tx", "off");
        ip("-n", clientNs, "link", "set", "c0", "up");
        ip("-n", proxyNs, "link", "set", "pc", "up");
        ip("-n", proxyNs, "link", "set", "ps", "up");
        ip("-n", serverNs, "link", "set", "s0", "up");

        ip("-n", clientNs, "route", "add", "default", "via", PROXY_CLIENT_SIDE_IP, "dev", "c0");
        ip("-n", serverNs, "route", "add", "default", "via", PROXY_SERVER_SIDE_IP, "dev", "s0");

        neigh(clientNs, PROXY_CLIENT_SIDE_IP, macPc, "c0");
        neigh(clientNs, VIP, macPc, "c0");
        neigh(proxyNs, CLIENT_IP, macC0, "pc");
        neigh(proxyNs, CLIENT2_IP, macC0, "pc");
        neigh(proxyNs, SERVER_IP, macS0, "ps");
        neigh(serverNs, PROXY_SERVER_SIDE_IP, macPs, "s0");

        c0 = new Iface(clientNs, "c0", ifindex(clientNs, "c0"), macC0);
        pc = new Iface(proxyNs, "pc", ifindex(proxyNs, "pc"), macPc);
        ps = new Iface(proxyNs, "ps", ifindex(proxyNs, "ps"), macPs);
        s0 = new Iface(serverNs, "s0", ifindex(serverNs, "s0"), macS0);

        pins = PinRoot.create(id);
        BpfProgram main;
        if (datapathObject.equals(Datapath.OBJECT)) {
            datapath = Datapath.load(pinRoot, 0);
            main = datapath.program().orElseThrow();
        } else {
            otherBuildsDatapath = BpfObject.openBundled(datapathObject, pinRoot);
            otherBuildsDatapath.load();
            main = otherBuildsDatapath.program(Datapath.PROGRAM);
        }
        labObject = BpfObject.openBundled("xdp_lab", null);
        labObject.load();
        BpfProgram pass = labObject.program("xdp_pass");
        attach(pc, main);
        attach(ps, main);
        attach(c0, pass);
        attach(s0, pass);
    }

    /**
     * Gives the lab IPv6 beside IPv4 (namespaces start with it off): the {@code *_IP6} addresses without duplicate
     * address detection (usable at once), default routes through the proxy, forwarding on pc and ps, and every peer a
     * permanent neighbour, as for IPv4 (so a forwarded packet never waits for neighbour discovery). Returns this lab.
     */
    public Lab dualStack() {
        inNs(clientNs, "sysctl", "-q", "-w", "net.ipv6.conf.c0.disable_ipv6=0");
        inNs(proxyNs, "sysctl", "-q", "-w", "net.ipv6.conf.pc.disable_ipv6=0", "net.ipv6.conf.ps.disable_ipv6=0",
                "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.pc.forwarding=1", "net.ipv6.conf.ps.forwarding=1");
        inNs(serverNs, "sysctl", "-q", "-w", "net.ipv6.conf.s0.disable_ipv6=0");
        ip("-n", clientNs, "-6", "addr", "add", CLIENT_IP6 + "/64", "dev", "c0", "nodad");
        ip("-n", proxyNs, "-6", "addr", "add", PROXY_CLIENT_SIDE_IP6 + "/64", "dev", "pc", "nodad");
        ip("-n", proxyNs, "-6", "addr", "add", VIP6 + "/128", "dev", "pc", "nodad");
        ip("-n", proxyNs, "-6", "addr", "add", PROXY_SERVER_SIDE_IP6 + "/64", "dev", "ps", "nodad");
        ip("-n", serverNs, "-6", "addr", "add", SERVER_IP6 + "/64", "dev", "s0", "nodad");
        ip("-n", clientNs, "-6", "route", "add", "default", "via", PROXY_CLIENT_SIDE_IP6, "dev", "c0");
        ip("-n", serverNs, "-6", "route", "add", "default", "via", PROXY_SERVER_SIDE_IP6, "dev", "s0");
        neigh(clientNs, PROXY_CLIENT_SIDE_IP6, pc.mac(), "c0");
        neigh(clientNs, VIP6, pc.mac(), "c0");
        neigh(proxyNs, CLIENT_IP6, c0.mac(), "pc");
        neigh(proxyNs, SERVER_IP6, s0.mac(), "ps");
        neigh(serverNs, PROXY_SERVER_SIDE_IP6, ps.mac(), "s0");
        return this;
    }

    private void attach(Iface iface, BpfProgram program) {
        NetNs.run(iface.ns(), () -> Xdp.attach(iface.ifindex(), program, XdpMode.NATIVE));
        xdpAttached.add(iface);
    }

    private void neigh(String ns, String ip, String mac, String dev) {
        ip("-n", ns, "neigh", "replace", ip, "lladdr", mac, "dev", dev, "nud", "permanent");
    }

    private static int ifindex(String ns, String name) {
        return NetNs.call(ns, () -> NetNs.ifindex(name));
    }

    public String id() {
        return id;
    }

    public String clientNs() {
        return clientNs;
    }

    public String proxyNs() {
        return proxyNs;
    }

    public String serverNs() {
        return serverNs;
    }

    /** Client end of the client segment, in {@link #clientNs()}. */
    public Iface c0() {
        return c0;
    }

    /** Proxy end of the client segment, in {@link #proxyNs()}: runs xdp_main. */
    public Iface pc() {
        return pc;
    }

    /** Proxy end of the server segment, in {@link #proxyNs()}: runs xdp_main. */
    public Iface ps() {
        return ps;
    }

    /** Server end of the server segment, in {@link #serverNs()}. */
    public Iface s0() {
        return s0;
    }

    /** Where the datapath's maps are pinned: {@code /sys/fs/bpf/xdprecon-test-ID}. */
    public Path pinRoot() {
        return pinRoot;
    }

    /**
     * The datapath attached to pc and ps when the lab started (null for {@link #startWith another build's}); after a
     * migration its maps are no longer the pinned ones: open those with {@code Datapath.openPinned(pinRoot())}. The lab
     * owns it: do not close it.
     */
    public Datapath datapath() {
        return datapath;
    }

    /** The loaded {@code xdp_lab} object (xdp_pass, xdp_ceiling). The lab owns it. */
    public BpfObject labObject() {
        return labObject;
    }

    /**
     * A UDP socket (AF_INET, or AF_INET6 for an IPv6 address) created inside namespace {@code ns}, bound to {@code address:port}, in
     * blocking mode with a receive timeout of {@code timeoutMillis}. It stays in that namespace
     * whatever thread uses it; the lab closes it on {@link #close()}.
     */
    public DatagramSocket udpSocket(String ns, String address, int port, int timeoutMillis) {
        DatagramSocket socket = NetNs.call(ns, () -> {
            InetAddress bindTo = InetAddress.getByName(address);
            DatagramChannel channel = DatagramChannel.open(
                    bindTo instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                channel.bind(new InetSocketAddress(bindTo, port));
                DatagramSocket s = channel.socket();
                s.setSoTimeout(timeoutMillis);
                return s;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        });
        synchronized (sockets) {
            sockets.add(socket);
        }
        return socket;
    }

    /** {@link #udpSocket(String, String, int, int)} with a 2 s receive timeout. */
    public DatagramSocket udpSocket(String ns, String address, int port) {
        return udpSocket(ns, address, port, 2000);
    }

    /** Runs {@code ip ARGS...}: throws with the command and its stderr when it fails. Returns stdout. */
    public static String ip(String... args) {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add("ip");
        command.addAll(List.of(args));
        return run(command);
    }

    /** Runs a command inside namespace {@code ns} with {@code ip netns exec}: for sysctl and ethtool. */
    public static String inNs(String ns, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(full);
    }

    /** Runs {@code command}, bounded by a timeout; throws naming it and showing its stderr unless it exits 0. */
    public static String run(List<String> command) {
        try {
            return Command.run(command);
        } catch (Command.Failed e) {
            throw new LabException(e.getMessage(), e);
        }
    }


    /**
     * Tears everything down: sockets, XDP attachments, BPF objects, namespaces, pins and the pin
     * directory. Every step runs even when an earlier one fails; the first failure is thrown with the
     * later ones suppressed (and all are printed to stderr). A second call does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> errors = new ArrayList<>();
        synchronized (sockets) {
            for (DatagramSocket socket : sockets) {
                step(errors, socket::close);
            }
            sockets.clear();
        }
        for (Iface iface : xdpAttached.reversed()) {
            step(errors, () -> NetNs.run(iface.ns(), () -> Xdp.detach(iface.ifindex(), XdpMode.NATIVE)));
        }
        xdpAttached.clear();
        if (labObject != null) {
            step(errors, labObject::close);
        }
        if (datapath != null) {
            step(errors, datapath::close);
        }
        if (otherBuildsDatapath != null) {
            step(errors, otherBuildsDatapath::close);
        }
        for (String ns : namespacesCreated.reversed()) {
            step(errors, () -> ip("netns", "delete", ns));
        }
        if (pins != null) {
            step(errors, () -> Datapath.unpin(pinRoot));
            step(errors, pins::close);
        }
        if (!errors.isEmpty()) {
            RuntimeException first = new LabException("lab " + id + " teardown incomplete: " + errors.getFirst().getMessage(),
                    errors.getFirst());
            for (RuntimeException e : errors.subList(1, errors.size())) {
                first.addSuppressed(e);
            }
            errors.forEach(e -> System.err.println("lab " + id + " teardown: " + e));
            throw first;
        }
    }

    private static void step(List<RuntimeException> errors, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            errors.add(e);
        }
    }

    /**
     * Removes what crashed runs left behind: every {@code xr-*} namespace and every
     * {@code /sys/fs/bpf/xdprecon-test-*} directory. For CI and for a developer after a killed run;
     * never call it while other labs run on this machine. Returns what it removed.
     */
    public static List<String> cleanupLeftovers() {
        List<String> removed = new ArrayList<>();
        List<RuntimeException> errors = new ArrayList<>();
        for (Path ns : list(RUN_NETNS, NS_PREFIX)) {
            step(errors, () -> ip("netns", "delete", ns.getFileName().toString()));
            removed.add("netns " + ns.getFileName());
        }
        for (Path dir : list(BPFFS, PIN_PREFIX)) {
            step(errors, () -> deleteRecursively(dir));
            removed.add(dir.toString());
        }
        if (!errors.isEmpty()) {
            RuntimeException first = errors.getFirst();
            errors.subList(1, errors.size()).forEach(first::addSuppressed);
            throw first;
        }
        return removed;
    }

    private static List<Path> list(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Deletes a directory tree (a bpffs pin directory: files are pins) as {@link FileTree#delete} does, nothing when
     * it is gone; unchecked for the lab's teardown steps, which collect what failed.
     */
    public static void deleteRecursively(Path root) {
        try {
            FileTree.delete(root);
        } catch (FileTree.NotDeleted e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** A lab command or teardown step that failed. */
    public static final class LabException extends RuntimeException {
        public LabException(String message) {
            super(message);
        }

        public LabException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
