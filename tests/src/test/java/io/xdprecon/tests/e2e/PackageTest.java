package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.layout.PinnedLayout;
import io.xdprecon.dataplane.layout.PinnedMaps;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.LocalIpsMap;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tests.upgrade.OtherLayouts;
import io.xdprecon.tests.traffic.SequencedStream;
import io.xdprecon.tests.traffic.UdpCounters;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package on a node without a JDK, under a real systemd: this machine's PID 1 is not systemd, so
 * the test boots one in a container ({@code systemd-nspawn} over an overlay of this machine's own root with a
 * throw-away tmpfs on top, so nothing installed survives the test) with {@code /usr/lib/jvm} hidden, the lab's proxy namespace
 * as its network and the lab's pin root as its /sys/fs/bpf. {@code scripts/package.sh} builds the package;
 * in the container {@code dpkg -i} installs it and then: {@code --version} names the build, the AOT cache
 * loads, {@code plan} works on the lab's config, on the shipped example (offline) and from a Git repository
 * (JGit on the bundled runtime); the unit (as shipped, with all its hardening) starts once enabled (READY
 * after the first apply, STATUS, a start line naming the build), reloads (RELOADING=1 … READY=1), applies a
 * file change without a reload state, restarts; an upgrade to a newer package keeps the edited env file
 * (a conffile) and restarts the daemon, which adopts the pinned datapath; removing the package stops the
 * daemon and leaves the datapath forwarding; all that under a numbered stream that loses nothing. Purging
 * then takes the datapath down: XDP detached, pins gone, /etc/xdprecon gone.
 *
 * <p>Across layouts: the node starts as the release before layout 2 left it ({@code bpf/legacy/layout1}: its
 * {@code xdp_main} on pc and ps, its maps pinned with the flow applied, the stream already flowing), so the unit's
 * first start is an upgrade from layout 1 that migrates the maps under the stream. The reverse, a build started on
 * maps of a newer layout (stamped 3 in {@code xdp_abi}, as a later build leaves them), is a downgrade: the restarted
 * unit refuses it, writes nothing, leaves the program attached and the stream flowing; once the stamp is back
 * the same daemon converges again.
 */
class PackageTest {
    private static final Duration BOOT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private Lab lab;
    private Process container;
    private long pid1;

    @BeforeEach
    void start() {
        lab = Lab.startWith(OtherLayouts.LAYOUT_1_OBJECT);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (container != null) {
                container.destroy(); // SIGTERM: nspawn powers the container off, and its overlay goes
                if (!container.waitFor(30, TimeUnit.SECONDS)) {
                    container.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            lab.close();
        }
    }

    @Test
    void installRunUpgradeRemoveAndPurgeWithoutAJdkLosingNothing() throws Exception {
        Shell packaged = Shell.run(Duration.ofMinutes(20),
                List.of("bash", Shell.REPOSITORY.resolve("scripts/package.sh").toString(), "--no-build"));
        assertEquals(0, packaged.exit(), packaged.output());
        assertTrue(packaged.output().contains("package.sh: [") && packaged.output().contains("lintian"),
                "lintian ran and found no error: " + packaged.output());
        Path deb = Path.of(packaged.output().strip().lines().toList().getLast());
        Properties build = buildProperties();
        String version = deb.getFileName().toString().split("_")[1];
        Path dist = Files.createDirectory(dir.resolve("dist"));
        Files.copy(deb, dist.resolve("xdprecon-1.deb"));
        String nextVersion = version + "+upgrade";
        repackage(deb, nextVersion, dist.resolve("xdprecon-2.deb"));
        Path repository = gitRepository();

        boot(dist, repository);
        assertFalse(inContainer("sh", "-c", "ls /usr/lib/jvm/*/bin/java").exit() == 0, "no JDK in the container");

        // This machine's image forbids service actions to packages (policy-rc.d exits 101, as container images do);
        // a node has no such policy, and the package's restart and stop are under test.
        assertEquals(0, inContainer("rm", "-f", "/usr/sbin/policy-rc.d").exit());
        Shell install = inContainer("dpkg", "-i", "/srv/dist/xdprecon-1.deb");
        assertEquals(0, install.exit(), install.output());
        assertTrue(install.output().contains("then run: systemctl enable --now xdprecon"), install.output());
        assertEquals("inactive", property("ActiveState"), "a first install starts nothing");

        Shell versionOut = inContainer("xdprecon", "--version");
        assertEquals(0, versionOut.exit(), versionOut.output());
        assertTrue(versionOut.output().startsWith("xdprecon " + build.getProperty("version") + "\ncommit: "
                + build.getProperty("commit") + "\nbuilt: " + build.getProperty("date") + "\n"), versionOut.output());
        Shell aot = inContainer("env", "XDPRECON_JAVA_OPTS=-XX:AOTMode=on", "xdprecon", "--version");
        assertEquals(0, aot.exit(), "the packaged AOT cache loads on the packaged runtime: " + aot.output());

        Path etc = containerPath("/etc/xdprecon");
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(etc)),
                "the unit's ConfigurationDirectoryMode, so systemd does not warn at each start");
        Files.writeString(etc.resolve("flows.yaml"), LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000)));
        // what the layout-1 release's apply left: the flow's rules (as that build wrote them) and the VIP
        DesiredState applied = NetNs.call(lab.proxyNs(),
                () -> ConfigLoader.load(etc.resolve("flows.yaml")).forNode("lab", InterfaceResolver.currentNetns()));
        Map<FlowKey, FlowRule> layout1Rules = new HashMap<>();
        applied.rules().forEach((key, wanted) -> layout1Rules.put(key, wanted.rule()));
        OtherLayouts.putLayout1Rules(lab.pinRoot(), layout1Rules);
        try (BpfMap localIps = BpfMap.openPinned(lab.pinRoot().resolve(Datapath.LOCAL_IPS_MAP))) {
            new LocalIpsMap(localIps).add(Ipv4.parse(Lab.VIP));
        }
        Shell check = inContainer("xdprecon", "check", "-c", "/etc/xdprecon/flows.yaml", "--node", "lab");
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().strip().endsWith("0 failed, 0 warnings, 17 ok."), check.output());
        String[] nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
        Shell unprivileged = inContainer(concat(nobody, "xdprecon", "check", "--admin", "off"));
        assertEquals(1, unprivileged.exit(), unprivileged.output());
        assertTrue(unprivileged.output().contains("fail  privileges  no CAP_BPF (or CAP_SYS_ADMIN), no CAP_NET_ADMIN"),
                unprivileged.output());
        Shell refused = inContainer(concat(nobody, "xdprecon", "apply", "-c", "/usr/share/doc/xdprecon/examples/flows.yaml"));
        assertEquals(1, refused.exit(), refused.output());
        assertEquals("xdprecon apply: refused, nothing was changed: no CAP_BPF (or CAP_SYS_ADMIN), no CAP_NET_ADMIN: BPF"
                + " maps and XDP programs are out of reach; run as root (sudo), or with the capabilities the systemd unit"
                + " grants", refused.output().strip(), "one line, up front");
        Shell plan = inContainer("xdprecon", "plan", "-c", "/etc/xdprecon/flows.yaml", "--node", "lab");
        assertEquals(0, plan.exit(), plan.output());
        assertTrue(plan.output().contains("~ layout 1 -> " + Abi.VERSION) && plan.output().contains("(migrate 2 rules, counters kept)"),
                "the layout-1 release's maps, holding the flow, are migrated: " + plan.output());
        Shell example = inContainer("xdprecon", "plan", "-c", "/usr/share/doc/xdprecon/examples/flows.yaml", "--node",
                "edge-1", "--offline");
        assertEquals(0, example.exit(), example.output());
        assertTrue(example.output().contains(" to add, "), example.output());
        Shell fromGit = inContainer("xdprecon", "plan", "--git", "file:///srv/flows.git", "--node", "lab");
        assertEquals(0, fromGit.exit(), "JGit on the bundled runtime: " + fromGit.output());
        assertTrue(fromGit.output().contains("~ layout 1 -> " + Abi.VERSION), fromGit.output());
        Shell completion = inContainer("bash", "-c", "source /usr/share/bash-completion/completions/xdprecon;"
                + " COMP_WORDS=(xdprecon pl); COMP_CWORD=1; _complete_xdprecon 2>/dev/null; echo \"${COMPREPLY[@]}\"");
        assertEquals("plan", completion.output().strip(), "bash completion of 'xdprecon pl'");
        // zsh finds _xdprecon in its vendor completions and runs the bash functions (in ksh array mode, as
        // bashcompinit's compgen calls them)
        Shell zsh = inContainer("zsh", "-c", "fpath=(/usr/share/zsh/vendor-completions $fpath); autoload -U +X compinit"
                + " && compinit -u; print registered $_comps[xdprecon]; autoload -U +X bashcompinit && bashcompinit;"
                + " source /usr/share/bash-completion/completions/xdprecon; setopt ksharrays; COMP_WORDS=(xdprecon pl);"
                + " COMP_CWORD=1; _complete_xdprecon 2>/dev/null; print -l $COMPREPLY");
        assertEquals("registered _xdprecon\nplan", zsh.output().strip(), "zsh completion of 'xdprecon pl'");
        assertEquals(0, inContainer("test", "-s", "/usr/share/man/man1/xdprecon-plan.1.gz").exit(), "a man page per command");

        String env = """
                XDPRECON_SOURCE=file:/etc/xdprecon/flows.yaml
                XDPRECON_NODE=lab
                XDPRECON_PIN_ROOT=/sys/fs/bpf
                XDPRECON_ADMIN=127.0.0.1:9477
                XDPRECON_INTERVAL=2s
                XDPRECON_DRIFT=enforce
                XDPRECON_OPTS=
                XDPRECON_JAVA_OPTS=-Xmx256m
                """;
        Files.writeString(etc.resolve("xdprecon.env"), env);
        FlowKey steady = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        try (SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server,
                3_000_000, 5_000)) {
            assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the flow relays through the layout-1 release's XDP");

            // The upgrade across layouts: this build's first start migrates the layout-1 maps under the stream.
            systemctl("enable", "--now", "xdprecon");
            assertEquals("active", property("ActiveState"), journal());
            assertTrue(property("StatusText").startsWith("applied "), "STATUS= from sd_notify: " + property("StatusText"));
            assertTrue(journal().contains("xdprecon " + build.getProperty("version") + " (commit "
                    + build.getProperty("commit").substring(0, 12)), "the start line names the build:\n" + journal());
            assertTrue(journal().contains("starting: node lab, source file:/etc/xdprecon/flows.yaml, admin 127.0.0.1:9477"),
                    journal());
            assertTrue(journal().contains("from layout 1 (524288 rules) to layout " + Abi.VERSION + " (524288 rules): 2 rules moved"),
                    "the first start migrated the layout-1 maps:\n" + journal());
            assertEquals(Optional.of(new PinnedLayout(Abi.VERSION, 524_288)), PinnedLayout.probe(lab.pinRoot()));
            assertTrue(rule(steady).isPresent(), "READY=1 came after the config was applied");

            // ExecReload's kill returns at once, so the daemon's RELOADING=1 may arrive after systemctl returned:
            // the unit is then "reloading" until the daemon's READY=1 — which must come.
            systemctl("reload", "xdprecon");
            await("the reload is answered with READY=1", () -> "active".equals(property("ActiveState")));

            // A changed file is picked up by the daemon's watch: applied without entering a reload state.
            Files.writeString(etc.resolve("flows.yaml"), LabConfigs.document(List.of(Lab.VIP),
                    LabConfigs.flow("steady", 0, 50000), LabConfigs.flow("second", 1, 50001)));
            FlowKey second = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20001, Lab.VIP, 30001);
            await("the second flow is applied", () -> rule(second).isPresent());
            await("the unit stays active, not reloading", () -> "active".equals(property("ActiveState")));

            String before = property("MainPID");
            systemctl("restart", "xdprecon");
            assertEquals("active", property("ActiveState"), journal());
            assertNotEquals(before, property("MainPID"), "a new process");
            assertTrue(journal().contains("(same build)"), "the new process adopted the datapath:\n" + journal());

            // The upgrade: the edited conffile stays without a question, the running daemon is restarted and adopts.
            String beforeUpgrade = property("MainPID");
            long adoptions = journal().lines().filter(l -> l.contains("(same build)")).count();
            Shell upgrade = inContainer("dpkg", "-i", "/srv/dist/xdprecon-2.deb");
            assertEquals(0, upgrade.exit(), upgrade.output());
            assertEquals(nextVersion, inContainer("dpkg-query", "-W", "-f=${Version}", "xdprecon").output().strip());
            assertEquals(env, Files.readString(etc.resolve("xdprecon.env")), "the edited conffile is kept");
            assertEquals("active", property("ActiveState"), journal());
            assertNotEquals(beforeUpgrade, property("MainPID"), "the upgrade restarted the daemon");
            assertEquals(adoptions + 2, journal().lines().filter(l -> l.contains("(same build)")).count(),
                    "the upgraded daemon adopted the pinned datapath, on pc and ps:\n" + journal());

            // A downgrade: this build restarted on maps a later layout stamped refuses them and writes nothing.
            Map<FlowKey, FlowRule> rulesBefore = rules();
            Map<String, Optional<Xdp.Attachment>> programsBefore = programs();
            OtherLayouts.stamp(lab.pinRoot(), Abi.VERSION + 1);
            systemctl("restart", "xdprecon");
            String refusal = "are of layout " + (Abi.VERSION + 1) + ", newer than layout " + Abi.VERSION
                    + " of this build: a downgrade, which this build refuses";
            await("the restarted daemon refuses the newer layout", () -> journal().contains(refusal));
            long sentAtRefusal = stream.sentSoFar();
            await("traffic keeps flowing through the refusal", () -> stream.sentSoFar() > sentAtRefusal + 500);
            assertEquals("active", property("ActiveState"), "the daemon stays up, reporting the refusal:\n" + journal());
            assertTrue(!property("StatusText").startsWith("applied "), "not applied: " + property("StatusText"));
            assertEquals(rulesBefore, rules(), "no rule written");
            assertEquals(programsBefore, programs(), "the programs on pc and ps left attached");
            OtherLayouts.stamp(lab.pinRoot(), Abi.VERSION);
            await("the same daemon converges once the maps are of its layout again",
                    () -> property("StatusText").startsWith("applied "));

            // Removal stops the daemon cleanly and leaves the datapath forwarding.
            Shell remove = inContainer("dpkg", "-r", "xdprecon");
            assertEquals(0, remove.exit(), remove.output());
            assertEquals("inactive", property("ActiveState"));
            assertEquals("success", property("Result"), "exit 143 on SIGTERM is the unit's success");
            assertEquals("0", property("NRestarts"), "no watchdog or failure restarts:\n" + journal());
            assertFalse(Files.exists(containerPath("/usr/bin/xdprecon")), "the program is gone");
            assertTrue(Files.exists(etc.resolve("xdprecon.env")), "a removed package keeps its conffile");
            assertTrue(Datapath.isPinned(lab.pinRoot()), "removal leaves the pins");
            long sentWhenRemoved = stream.sentSoFar();
            await("traffic still flows with the package removed", () -> stream.sentSoFar() > sentWhenRemoved + 500);
            SequencedStream.Report report = stream.stop();
            // a loss says where it happened: the server's socket (a starved receiver) or the datapath's counters
            assertTrue(report.lossless(), "an upgrade from layout 1, reload, a file change, restart, upgrade, a refused"
                    + " downgrade and removal under traffic: " + report
                    + "; UDP RcvbufErrors in the server's namespace: " + UdpCounters.of(lab.serverNs()).get("RcvbufErrors")
                    + "\n" + journal());
        }

        Shell purge = inContainer("dpkg", "-P", "xdprecon");
        assertEquals(0, purge.exit(), purge.output());
        assertFalse(Datapath.isPinned(lab.pinRoot()), "purge removes the pins");
        String links = Lab.inNs(lab.proxyNs(), "ip", "-o", "-d", "link", "show");
        assertFalse(links.contains("name xdp_main"), "purge detaches xdp_main: " + links);
        assertFalse(Files.exists(etc), "purge removes /etc/xdprecon");
    }

    /** The rule at {@code key} in the maps pinned now (a migration replaced the lab's). */
    private Optional<FlowRule> rule(FlowKey key) {
        try (Datapath pinned = Datapath.openPinned(lab.pinRoot())) {
            return pinned.rules().get(key);
        }
    }

    /** Every rule pinned now, read as this build's layout whatever the stamp says (the test stamps another layout). */
    private Map<FlowKey, FlowRule> rules() {
        Map<FlowKey, FlowRule> rules = new HashMap<>();
        try (PinnedMaps maps = PinnedMaps.open(lab.pinRoot(), new PinnedLayout(Abi.VERSION, 524_288))) {
            maps.forEachRule((key, rule, slot) -> rules.put(key, rule));
        }
        return rules;
    }

    /** What runs on pc and ps. */
    private Map<String, Optional<Xdp.Attachment>> programs() {
        return Map.of("pc", NetNs.call(lab.proxyNs(), () -> Xdp.query(lab.pc().ifindex())),
                "ps", NetNs.call(lab.proxyNs(), () -> Xdp.query(lab.ps().ifindex())));
    }

    /** The properties of the build that package.sh packaged. */
    private static Properties buildProperties() throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(
                Shell.REPOSITORY.resolve("reconciler/target/classes/io/xdprecon/cli/build.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    /** The same package under a higher version: what an upgrade installs. */
    private void repackage(Path deb, String version, Path out) throws IOException {
        Path tree = dir.resolve("repack");
        Shell extract = Shell.run(Duration.ofMinutes(2), List.of("dpkg-deb", "-R", deb.toString(), tree.toString()));
        assertEquals(0, extract.exit(), extract.output());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version));
        Shell build = Shell.run(Duration.ofMinutes(5), List.of("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build",
                tree.toString(), out.toString()));
        assertEquals(0, build.exit(), build.output());
    }

    /** A bare repository holding the lab's one-flow config as flows.yaml on main. */
    private Path gitRepository() throws Exception {
        Path work = dir.resolve("work");
        Path bare = dir.resolve("flows.git");
        try (Git git = Git.init().setInitialBranch("main").setDirectory(work.toFile()).call()) {
            Files.writeString(work.resolve("flows.yaml"), LabConfigs.document(List.of(Lab.VIP),
                    LabConfigs.flow("steady", 0, 50000)));
            git.add().addFilepattern("flows.yaml").call();
            git.commit().setMessage("steady").setAuthor("test", "test@example.org").setCommitter("test", "test@example.org")
                    .setSign(false).call();
        }
        try (Git clone = Git.cloneRepository().setBare(true).setURI(work.toUri().toString()).setDirectory(bare.toFile())
                .call()) {
            return bare;
        }
    }

    /**
     * Boots systemd in a container over this machine's root with a tmpfs overlay (nothing installed there
     * survives it), /usr/lib/jvm hidden, in the lab's proxy namespace, to basic.target, and waits until it is up.
     * Its root is reached from here as /proc/PID1/root.
     */
    private void boot(Path dist, Path repository) throws Exception {
        // nspawn refuses / itself as a writable root: the container's root is an overlay of / with a tmpfs on top,
        // mounted in a mount namespace of its own that ends with the container
        Path overlay = Files.createDirectory(dir.resolve("overlay"));
        Path root = overlay.resolve("root");
        String mount = "mount -t tmpfs tmpfs '%1$s' && mkdir '%1$s/upper' '%1$s/work' '%2$s' && mount -t overlay overlay"
                + " -o lowerdir=/,upperdir='%1$s/upper',workdir='%1$s/work' '%2$s' && exec \"$0\" \"$@\"";
        List<String> command = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                mount.formatted(overlay, root), "systemd-nspawn", "--quiet", "--directory=" + root,
                "--register=no", "--keep-unit", "--capability=all",
                // nspawn's own seccomp filter lacks bpf(2); the unit's filter is what is under test
                "--system-call-filter=bpf",
                "--network-namespace-path=/run/netns/" + lab.proxyNs(),
                "--bind=" + lab.pinRoot() + ":/sys/fs/bpf",
                "--tmpfs=/usr/lib/jvm:mode=0755",
                "--bind-ro=" + dist + ":/srv/dist",
                "--bind-ro=" + repository + ":/srv/flows.git",
                "--machine=xr-" + lab.id(), "--boot",
                "systemd.unit=basic.target", "systemd.firstboot=off",
                "systemd.mask=systemd-networkd-wait-online.service");
        container = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("container.log").toFile()).start();
        await("the container's systemd is up", () -> {
            Optional<Long> init = containerInit();
            if (init.isEmpty()) {
                return false;
            }
            pid1 = init.get();
            String state = inContainer("systemctl", "is-system-running").output().strip();
            return state.equals("running") || state.equals("degraded");
        });
    }

    /** A path inside the container, reached from here through its PID 1's root. */
    private Path containerPath(String path) {
        return Path.of("/proc/" + pid1 + "/root" + path);
    }

    /** The container's PID 1 seen from here: the systemd process under nspawn. */
    private Optional<Long> containerInit() {
        if (!container.isAlive()) {
            throw new AssertionError("systemd-nspawn exited " + container.exitValue() + ":\n" + read(dir.resolve("container.log")));
        }
        return container.descendants().filter(p -> p.info().command().orElse("").endsWith("/systemd"))
                .map(ProcessHandle::pid).findFirst();
    }

    private void systemctl(String... args) {
        List<String> command = new ArrayList<>(List.of("systemctl"));
        command.addAll(List.of(args));
        Shell result = inContainer(command.toArray(String[]::new));
        assertEquals(0, result.exit(), String.join(" ", command) + ": " + result.output() + "\n" + journal());
    }

    private String property(String name) {
        return inContainer("systemctl", "show", "xdprecon", "--property=" + name, "--value").output().strip();
    }

    private String journal() {
        return inContainer("journalctl", "--unit=xdprecon", "--no-pager", "--output=cat").output();
    }

    private Shell inContainer(String... command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid1), "--all"));
        full.addAll(List.of(command));
        // a reload left unanswered would block until TimeoutStartSec; dpkg -i restarts the daemon
        return Shell.run(Duration.ofMinutes(3), full);
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + BOOT + ": " + what + "\n" + (pid1 == 0 ? "" : journal()));
            }
            Thread.sleep(50); // polling systemd and a kernel map from outside: there is nothing to wait on
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + file + ": " + e + ")";
        }
    }
}
