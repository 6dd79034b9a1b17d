package io.xdprecon.tests.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xdprecon.config.Endpoint;
import io.xdprecon.cli.Main;
import io.xdprecon.daemon.admin.SessionsJson;
import io.xdprecon.daemon.dpdk.DpdkLoop.SessionRow;
import io.xdprecon.dataplane.bpf.Tc;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xdprecon run} with {@code datapath.mode: dpdk} in the session lab of {@link SessionLoopTest}: the
 * daemon starts the DPDK loop on dp0 from its config's service, a NATed client's first datagram sets up a
 * session through DPDK, {@code xdprecon sessions} shows it (client as seen on the wire, backend, egress port,
 * fast vs slow path counters), the metrics scrape shows the setup, the slow-path packet and the port in use;
 * a new revision without the session's backend moves the session (the services reach the table); SIGTERM
 * stops the daemon behind the tc bridge, which keeps the session forwarding, and {@code xdprecon sessions}
 * without a daemon says so and still lists the session's two rules from the pinned maps.
 */
class DaemonDpdkTest {
    static final int ADMIN_PORT = 9477;
    static final int LATER = 3;

    @TempDir
    Path dir;

    @Test
    void theDaemonRunsTheDpdkLoopAndShowsItsSessionsAndMetrics() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            Path config = dir.resolve("flows.yaml");
            Files.writeString(config, config(SessionLoopTest.BACKENDS));
            DpdkPair.Child daemon = startDaemon(lab.pair, config);
            try {
                await(lab.pair, "/status", body -> body.contains("\"lastAppliedRevision\" : \"") , daemon);

                DatagramSocket client = lab.clients(25000, 1).getFirst();
                String reply = SessionLoopTest.exchange(client, lab.vip, "first");
                String backend = reply.substring(0, reply.indexOf(':'));
                assertTrue(SessionLoopTest.BACKENDS.contains(backend), reply);
                int wirePort = lab.wirePort(25000);
                for (int k = 0; k < LATER; k++) {
                    assertEquals(backend + ":later" + k, SessionLoopTest.exchange(client, lab.vip, "later" + k));
                }

                List<SessionRow> rows = SessionsJson.read(cli(lab.pair, "sessions", "--json"));
                assertEquals(1, rows.size(), rows.toString());
                SessionRow s = rows.getFirst();
                assertEquals("relay", s.service());
                assertEquals(new Endpoint(Ipv4.parse(DpdkPair.PEER_IP), wirePort), s.client(), "the client as the NAT put it on the wire");
                assertEquals(new Endpoint(Ipv4.parse(backend), SessionLoopTest.BACKEND_PORT), s.backend());
                assertTrue(s.egressPort() >= 40000 && s.egressPort() <= 40099, s.toString());
                assertTrue(s.installed(), s.toString());
                assertEquals(1, s.slowPackets(), "DPDK forwarded the first datagram only");
                // forward: the later datagrams; reverse: every reply, the first one's included
                assertEquals(2L * LATER + 1, s.fastPackets(), s.toString());

                String table = cli(lab.pair, "sessions");
                System.out.println("xdprecon sessions:\n" + table);
                assertTrue(table.contains("relay") && table.contains(DpdkPair.PEER_IP + ":" + wirePort)
                        && table.contains(backend + ":" + SessionLoopTest.BACKEND_PORT) && table.contains("1 session"), table);

                String metrics = await(lab.pair, "/metrics", body -> body.contains("xdprecon_session_setups_total 1.0"), daemon);
                for (String series : List.of("xdprecon_sessions 1.0", "xdprecon_session_setups_total 1.0",
                        "xdprecon_session_expiries_total 0.0", "xdprecon_slow_path_packets_total{reason=\"forwarded\"} 1.0",
                        "xdprecon_slow_path_packets_total{reason=\"unmatched\"} 0.0",
                        "xdprecon_session_ports_used{service=\"relay\"} 1.0", "xdprecon_session_ports{service=\"relay\"} 200.0")) {
                    assertTrue(metrics.lines().anyMatch(series::equals), series + " in\n" + metrics);
                }

                // a revision without the session's backend: the session moves to the other one (onBackendRemoval: move)
                String other = SessionLoopTest.BACKENDS.stream().filter(b -> !b.equals(backend)).findFirst().orElseThrow();
                Files.writeString(config, config(List.of(other)));
                String moved = await(lab.pair, "/sessions", body -> body.contains("\"backend\" : \"" + other + ":"), daemon);
                assertEquals(1, SessionsJson.read(moved).size(), moved);
                // /sessions shows the retargeted session a moment before the loop has rewritten its rules
                String movedReply = "";
                for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        !movedReply.equals(other + ":moved") && System.nanoTime() < end; ) {
                    movedReply = SessionLoopTest.exchange(client, lab.vip, "moved");
                }
                assertEquals(other + ":moved", movedReply, "replies from the new backend");

                daemon.process.destroy(); // SIGTERM, as systemctl stop
                assertTrue(daemon.process.waitFor(60, TimeUnit.SECONDS), "daemon did not stop:\n" + daemon.text());
                // the DPDK ports closed behind the tc bridge: the session still forwards without any process
                assertTrue(NetNs.call(lab.pair.dpdkNs, () -> Xdp.query(lab.pair.dp0)).isEmpty(), "the PMD detached XDP");
                assertTrue(NetNs.call(lab.pair.dpdkNs, () -> DpdkDatapathLifecycle.bridge(lab.pair.dp0)).isPresent(),
                        "the tc bridge stays");
                assertEquals(other + ":after-stop", SessionLoopTest.exchange(client, lab.vip, "after-stop"));
                String offline = cli(lab.pair, "sessions");
                System.out.println("xdprecon sessions, daemon stopped:\n" + offline);
                assertTrue(offline.startsWith("no daemon answers at 127.0.0.1:" + ADMIN_PORT + " (it refused the connection)"),
                        offline);
                assertTrue(offline.contains("2 session rules") && offline.contains(DpdkPair.PEER_IP + ":" + wirePort)
                        && offline.contains(other + ":" + SessionLoopTest.BACKEND_PORT), offline);
            } catch (AssertionError | Exception e) {
                stopAndPrint(daemon);
                throw e;
            }
        }
    }

    /**
     * GitOps on a node that booted on a broken revision: the daemon rejects it, and the first valid revision
     * starts the DPDK loop before it is planned — no restart needed to get sessions once the fix is pushed.
     */
    @Test
    void aDaemonThatBootedOnAnInvalidRevisionStartsItsDpdkLoopWithTheFirstValidOne() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            Path config = dir.resolve("flows.yaml");
            Files.writeString(config, config(SessionLoopTest.BACKENDS).replace("idleTimeout: 60000ms", "idleTimeout: soon"));
            DpdkPair.Child daemon = startDaemon(lab.pair, config);
            try {
                await(lab.pair, "/status", body -> body.contains("is invalid"), daemon);
                assertTrue(NetNs.call(lab.pair.dpdkNs, () -> Xdp.query(lab.pair.dp0)).isEmpty(), "no loop, no PMD, no XDP");

                Files.writeString(config, config(SessionLoopTest.BACKENDS));
                await(lab.pair, "/status", body -> body.contains("\"lastAppliedRevision\" : \""), daemon);
                DatagramSocket client = lab.clients(28000, 1).getFirst();
                String reply = SessionLoopTest.exchange(client, lab.vip, "first");
                assertTrue(SessionLoopTest.BACKENDS.contains(reply.substring(0, reply.indexOf(':'))), reply);
                assertEquals(1, SessionsJson.read(cli(lab.pair, "sessions", "--json")).size(), "the session is the loop's");
            } catch (AssertionError | Exception e) {
                stopAndPrint(daemon);
                throw e;
            }
            daemon.process.destroy();
            assertTrue(daemon.process.waitFor(60, TimeUnit.SECONDS), "daemon did not stop");
            daemon.finish(5_000);
            String log = daemon.text();
            int rejected = log.indexOf("rejected revision");
            int started = log.indexOf("the DPDK loop runs on [dp0]");
            assertTrue(rejected >= 0 && started > rejected, "the loop started after the rejection, with the valid revision:\n" + log);
        }
    }

    /**
     * A stop whose tc bridge cannot be attached (another filter holds its place) must not take XDP away as well:
     * the daemon leaves its ports open, so XDP stays attached past the process and the session keeps forwarding,
     * as after a crash. (Freeing EAL would close the ports — DPDK 22.11 cleans its buses up — and the PMD
     * would detach XDP, leaving the interface with neither.)
     */
    @Test
    void aStopThatCannotAttachTheBridgeLeavesXdpForwarding() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            Path config = dir.resolve("flows.yaml");
            Files.writeString(config, config(SessionLoopTest.BACKENDS));
            DpdkPair.Child daemon = startDaemon(lab.pair, config);
            try {
                await(lab.pair, "/status", body -> body.contains("\"lastAppliedRevision\" : \""), daemon);
                DatagramSocket client = lab.clients(27000, 1).getFirst();
                String reply = SessionLoopTest.exchange(client, lab.vip, "first");
                String backend = reply.substring(0, reply.indexOf(':'));
                NetNs.run(lab.pair.dpdkNs, () -> Tc.attach(DpdkDatapathLifecycle.bridgeFilter(lab.pair.dp0),
                        lab.lab.program("tc_foreign"), false));

                daemon.process.destroy(); // SIGTERM
                assertTrue(daemon.process.waitFor(60, TimeUnit.SECONDS), "daemon did not stop:\n" + daemon.text());
                assertTrue(NetNs.call(lab.pair.dpdkNs, () -> Xdp.query(lab.pair.dp0)).isPresent(),
                        "XDP stays attached when the bridge could not be\n" + daemon.text());
                assertEquals(backend + ":after-stop", SessionLoopTest.exchange(client, lab.vip, "after-stop"));
            } catch (AssertionError | Exception e) {
                stopAndPrint(daemon);
                throw e;
            }
        }
    }

    /**
     * A service that listens on dp0 and reaches its backend through a second interface, dq0 (a veth to the
     * peer namespace, where the backend 10.213.0.3 sits on dq1): the daemon runs a DPDK port on each, the
     * first datagram arrives on dp0's port and leaves by dq0's, later ones are redirected by XDP both ways.
     */
    @Test
    void aSessionThatLeavesByAnotherInterfaceIsSetUpAcrossTheTwoPorts() throws Exception {
        try (SessionLoopTest.Setup lab = new SessionLoopTest.Setup()) {
            String egress = "10.213.0.1";
            String backend = "10.213.0.3";
            String dq1Mac = "02:78:72:00:02:02";
            Lab.ip("-n", lab.pair.dpdkNs, "link", "add", "dq0", "address", "02:78:72:00:02:01", "type", "veth",
                    "peer", "name", "dq1", "address", dq1Mac, "netns", lab.pair.peerNs);
            Lab.ip("-n", lab.pair.dpdkNs, "addr", "add", egress + "/24", "dev", "dq0");
            Lab.ip("-n", lab.pair.peerNs, "addr", "add", backend + "/24", "dev", "dq1");
            Lab.inNs(lab.pair.peerNs, "ethtool", "-K", "dq1", "tx", "off");
            Lab.ip("-n", lab.pair.dpdkNs, "link", "set", "dq0", "up");
            Lab.ip("-n", lab.pair.peerNs, "link", "set", "dq1", "up");
            Lab.ip("-n", lab.pair.peerNs, "neigh", "replace", egress, "lladdr", "02:78:72:00:02:01", "dev", "dq1", "nud", "permanent");
            Lab.ip("-n", lab.pair.dpdkNs, "neigh", "replace", backend, "lladdr", dq1Mac, "dev", "dq0", "nud", "permanent");
            Lab.inNs(lab.pair.dpdkNs, "sysctl", "-q", "-w", "net.ipv4.conf.dq0.forwarding=1", "net.ipv4.conf.dq0.accept_local=1");
            NetNs.run(lab.pair.peerNs, () -> Xdp.attach(NetNs.ifindex("dq1"), lab.lab.program("xdp_pass"), XdpMode.NATIVE));
            DatagramSocket server = lab.socket(lab.pair.peerNs, backend, SessionLoopTest.BACKEND_PORT, 0);
            Thread.ofPlatform().daemon().start(() -> SessionLoopTest.echo(server, backend));
            Path config = dir.resolve("flows.yaml");
            Files.writeString(config, """
                    apiVersion: xdprecon.io/v1
                    interfaces:
                      lan: { device: dp0 }
                      srv: { device: dq0 }
                    localIps: [%1$s, %2$s]
                    datapath: { mode: dpdk, attachMode: native }
                    services:
                      - name: relay
                        listen: { interface: lan, address: %1$s, port: %3$d }
                        backends: [%4$s:%5$d]
                        egress: { interface: srv, address: %2$s, ports: 40000-40099 }
                    """.formatted(DpdkPair.LOCAL_IP, egress, SessionLoopTest.VIP_PORT, backend, SessionLoopTest.BACKEND_PORT));
            DpdkPair.Child daemon = startDaemon(lab.pair, config);
            try {
                await(lab.pair, "/status", body -> body.contains("\"lastAppliedRevision\" : \""), daemon);
                DatagramSocket client = lab.clients(26000, 1).getFirst();
                for (int k = 0; k <= LATER; k++) {
                    assertEquals(backend + ":x" + k, SessionLoopTest.exchange(client, lab.vip, "x" + k));
                }
                SessionRow s = SessionsJson.read(await(lab.pair, "/sessions", body -> body.contains(backend), daemon)).getFirst();
                assertEquals(1, s.slowPackets(), "DPDK carried the first datagram only, from dp0's port out of dq0's");
                assertEquals(2L * LATER + 1, s.fastPackets(), "XDP redirected the rest both ways: " + s);
                String metrics = await(lab.pair, "/metrics", body -> body.contains("xdprecon_session_setups_total 1.0"), daemon);
                for (String series : List.of("xdprecon_slow_path_packets_total{reason=\"forwarded\"} 1.0",
                        "xdprecon_slow_path_packets_total{reason=\"other_interface\"} 0.0")) {
                    assertTrue(metrics.lines().anyMatch(series::equals), series + " in\n" + metrics);
                }
            } catch (AssertionError | Exception e) {
                stopAndPrint(daemon);
                throw e;
            }
        }
    }

    /** After a failure: stops the daemon and prints what it logged. */
    static void stopAndPrint(DpdkPair.Child daemon) throws InterruptedException {
        daemon.process.destroy();
        daemon.process.waitFor(30, TimeUnit.SECONDS);
        daemon.finish(5_000);
        System.err.println("daemon output:\n" + daemon.text());
    }

    static DpdkPair.Child startDaemon(DpdkPair pair, Path config) throws IOException {
        return pair.startJava(Main.class.getName(), "run", "--source", "file:" + config, "--node", "edge-1",
                "--state-dir", config.resolveSibling("state").toString(), "--interval", "2s", "--admin", "127.0.0.1:" + ADMIN_PORT);
    }

    /** The lab's config: one service on dp0 (hairpin) over {@code backends}; a removed backend's sessions move. */
    static String config(List<String> backends) {
        return new LoopConfig(backends, SessionLoopTest.BACKEND_PORT, "40000-40099", 60_000, "-", "answer", "move").yaml();
    }

    /** {@code xdprecon ARGS} in the DPDK namespace with the lab's pins; its output, after a zero exit. */
    static String cli(DpdkPair pair, String... args) throws Exception {
        DpdkPair.Child child = pair.startJava(Main.class.getName(), args);
        assertEquals(0, child.finish(60_000), child.text());
        return child.text();
    }

    /** GETs {@code path} from the daemon's admin port in the DPDK namespace until a 200 body passes {@code ready}. */
    static String await(DpdkPair pair, String path, Predicate<String> ready, DpdkPair.Child daemon)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!daemon.process.isAlive()) {
                fail("the daemon exited " + daemon.process.exitValue());
            }
            try {
                last = get(pair.dpdkNs, path);
                int split = last.indexOf("\r\n\r\n");
                if (last.startsWith("HTTP/1.1 200") && split > 0 && ready.test(last.substring(split + 4))) {
                    return last.substring(split + 4);
                }
            } catch (RuntimeException e) {
                last = e.toString(); // not listening yet
            }
            Thread.sleep(200);
        }
        fail("no ready answer on " + path + "; last: " + last);
        return null;
    }

    static String get(String ns, String path) {
        return NetNs.call(ns, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ADMIN_PORT), 1000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
