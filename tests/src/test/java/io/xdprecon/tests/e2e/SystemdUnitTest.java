package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.tests.traffic.SequencedStream;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped unit under a real systemd: this machine's PID 1 is not systemd, so the test boots one in a
 * container ({@code systemd-nspawn}, the host's own /usr, a throw-away root) whose network is the lab's proxy
 * namespace and whose /sys/fs/bpf is the lab's pin root. The daemon runs exactly as installed
 * ({@code scripts/install.sh}, {@code systemd/xdprecon.service} unmodified, with all its hardening):
 * Type=notify start, STATUS, reload (SIGHUP answered RELOADING=1 … READY=1), a file change applied without a
 * reload state, {@code systemctl restart} under traffic with nothing lost, and a clean stop that leaves the
 * datapath forwarding.
 */
class SystemdUnitTest {
    private static final Duration BOOT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Lab lab;
    private Process container;
    private long pid1;

    @BeforeEach
    void start() {
        lab = Lab.start();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (container != null) {
                container.destroy(); // SIGTERM: nspawn powers the container off
                if (!container.waitFor(30, TimeUnit.SECONDS)) {
                    container.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            lab.close();
        }
    }

    @Test
    void theUnitStartsReloadsRestartsAndStopsUnderSystemd() throws Exception {
        Path prefix = dir.resolve("opt");
        Shell install = Shell.install(prefix);
        assertEquals(0, install.exit(), install.output());
        Path etc = Files.createDirectory(dir.resolve("etc"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        Path config = etc.resolve("flows.yaml");
        Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000)));
        Files.writeString(etc.resolve("xdprecon.env"), """
                XDPRECON_SOURCE=file:/etc/xdprecon/flows.yaml
                XDPRECON_NODE=lab
                XDPRECON_PIN_ROOT=/sys/fs/bpf
                XDPRECON_ADMIN=127.0.0.1:9477
                XDPRECON_INTERVAL=2s
                XDPRECON_DRIFT=enforce
                XDPRECON_OPTS=
                XDPRECON_JAVA_OPTS=-Xmx256m
                """);
        boot(prefix, etc);

        systemctl("start", "xdprecon");
        assertEquals("active", property("ActiveState"), journal());
        assertTrue(property("StatusText").startsWith("applied "), "STATUS= from sd_notify: " + property("StatusText"));
        FlowKey steady = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
        assertTrue(lab.datapath().rules().get(steady).isPresent(), "READY=1 came after the config was applied");

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        try (SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server,
                500_000, 5_000)) {
            assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the flow relays through XDP");

            // ExecReload's kill returns at once, so the daemon's RELOADING=1 may arrive after systemctl returned:
            // the unit is then "reloading" until the daemon's READY=1 — which must come (a daemon that never
            // answers stays reloading until systemd's timeout kills it).
            systemctl("reload", "xdprecon");
            await("the reload is answered with READY=1", () -> "active".equals(property("ActiveState")));

            // A changed file is picked up by the daemon's watch: applied without entering a reload state.
            Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("steady", 0, 50000),
                    LabConfigs.flow("second", 1, 50001)));
            FlowKey second = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20001, Lab.VIP, 30001);
            await("the second flow is applied", () -> lab.datapath().rules().get(second).isPresent());
            await("the unit stays active, not reloading", () -> "active".equals(property("ActiveState")));

            String before = property("MainPID");
            systemctl("restart", "xdprecon");
            assertEquals("active", property("ActiveState"), journal());
            assertNotEquals(before, property("MainPID"), "a new process");
            assertTrue(journal().contains("(same build)"), "the new process adopted the datapath:\n" + journal());

            systemctl("stop", "xdprecon");
            assertEquals("inactive", property("ActiveState"));
            assertEquals("success", property("Result"), "exit 143 on SIGTERM is the unit's success");
            assertEquals("0", property("NRestarts"), "no watchdog or failure restarts:\n" + journal());

            long sentWhenStopped = stream.sentSoFar();
            await("traffic still flows with the daemon stopped", () -> stream.sentSoFar() > sentWhenStopped + 500);
            SequencedStream.Report report = stream.stop();
            assertTrue(report.lossless(), "reload, a file change, restart and stop under traffic: " + report);
        }
        assertTrue(lab.datapath().rules().get(steady).isPresent(), "a stopped daemon leaves the datapath in place");
    }

    /** Boots systemd in a container in the lab's proxy namespace, to basic.target, and waits until it is up. */
    private void boot(Path prefix, Path etc) throws Exception {
        List<String> command = List.of("systemd-nspawn", "--quiet", "--directory=/", "--volatile=yes",
                "--register=no", "--keep-unit", "--capability=all",
                // nspawn's own seccomp filter lacks bpf(2); the unit's filter is what is under test
                "--system-call-filter=bpf",
                "--network-namespace-path=/run/netns/" + lab.proxyNs(),
                "--bind=" + lab.pinRoot() + ":/sys/fs/bpf",
                "--bind-ro=" + prefix + ":/opt/xdprecon",
                "--bind-ro=" + Shell.REPOSITORY.resolve("systemd/xdprecon.service") + ":/etc/systemd/system/xdprecon.service",
                "--bind=" + etc + ":/etc/xdprecon",
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
            String state = inContainer(List.of("systemctl", "is-system-running")).output().strip();
            return state.equals("running") || state.equals("degraded");
        });
    }

    /** The container's PID 1 seen from here: the systemd process under nspawn. */
    private Optional<Long> containerInit() {
        if (!container.isAlive()) {
            throw new AssertionError("systemd-nspawn exited " + container.exitValue() + ":\n" + read(dir.resolve("container.log")));
        }
        return container.descendants().filter(p -> p.info().command().orElse("").endsWith("/systemd"))
                .map(ProcessHandle::pid).findFirst();
    }

    private void systemctl(String verb, String unit) throws Exception {
        Shell result = inContainer(List.of("systemctl", verb, unit));
        assertEquals(0, result.exit(), "systemctl " + verb + " " + unit + ": " + result.output() + "\n" + journal());
    }

    private String property(String name) {
        return inContainer(List.of("systemctl", "show", "xdprecon", "--property=" + name, "--value")).output().strip();
    }

    private String journal() {
        return inContainer(List.of("journalctl", "--unit=xdprecon", "--no-pager", "--output=cat")).output();
    }

    private Shell inContainer(List<String> command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid1), "--all"));
        full.addAll(command);
        return Shell.run(Duration.ofSeconds(90), full); // a reload left unanswered would block until TimeoutStartSec
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
