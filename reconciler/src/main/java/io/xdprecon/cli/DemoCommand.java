package io.xdprecon.cli;

import io.xdprecon.apply.Applier;
import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.DaemonEvents;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.host.FileTree;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.source.GitCredentials;
import io.xdprecon.source.GitSource;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.RefSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "GitOps on a throw-away lab: three network namespaces (client, proxy, server) with the XDP datapath on the"
                + " proxy, a local Git repository holding the flows config, and the daemon (`xdprecon run`) following it."
                + " The demo relays datagrams through a flow, commits a second flow, shows the plan, lets the daemon"
                + " apply it, relays through both and shows the counters, then removes everything. Nothing outside the"
                + " lab's namespaces is touched. Needs root.",
        })
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--datagrams", paramLabel = "N", defaultValue = "1000",
            description = "Datagrams the client sends through each flow, each answered by the server (default: ${DEFAULT-VALUE}).")
    int datagrams;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        if (datagrams < 1 || datagrams > 1_000_000) {
            throw new UsageException("--datagrams must be between 1 and 1000000, got " + datagrams);
        }
        out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("xdprecon-demo");
        step("Building the lab (namespaces xr-ID-c, xr-ID-p, xr-ID-s; XDP on the proxy's two veths)");
        try (Lab lab = Lab.start(); Git work = Git.init().setInitialBranch("main").setDirectory(dir.resolve("work").toFile()).call()) {
            out.printf("   client %s ── pc [xdp_main] proxy, VIP %s [xdp_main] ps ── server %s; maps under %s%n",
                    Lab.CLIENT_IP, Lab.VIP, Lab.SERVER_IP, lab.pinRoot());
            String repository = work.getRepository().getDirectory().toURI().toString();

            String first = LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("relay-1", 0, 50000));
            commit(work, first, "relay-1: the first relayed flow");
            step("A Git repository holds the config (" + repository + "):");
            out.print(first.indent(4));

            LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
            GitSource source = new GitSource(new GitSource.Settings(repository, "main", "flows.yaml", dir.resolve("state"),
                    new GitCredentials.None(), Optional.empty(), Duration.ofSeconds(10)));
            Daemon daemon = new Daemon(source, new Daemon.Settings("demo", lab.pinRoot(), Duration.ofSeconds(2), 0.1,
                    Daemon.DriftMode.ENFORCE, Duration.ofSeconds(5), false, false, Duration.ofSeconds(1)),
                    reader, new Applier(reader, setting -> { }, line -> { }), new DaemonEvents() { });
            step("Starting the daemon on it (xdprecon run --source git:" + repository + " --interval 2s)");
            Thread loop = Thread.ofPlatform().name("xdprecon-daemon").start(() -> {
                NetNs.enter(lab.proxyNs()); // where the config's devices pc and ps live
                daemon.run();
            });
            try {
                await(() -> daemon.status().lastAppliedRevision().isPresent(), "the daemon applies the first revision");
                boolean ok = relay(lab, 0);

                String second = LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("relay-1", 0, 50000),
                        LabConfigs.flow("relay-2", 1, 50001));
                commit(work, second, "relay-2: a second flow");
                step("Committed a second flow. `xdprecon plan --git ... --node demo` now says:");
                Main.Captured plan = NetNs.call(lab.proxyNs(), () -> Main.capture("plan", "--git", repository, "--node", "demo",
                        "--pin-root", lab.pinRoot().toString()));
                out.print(plan.out().indent(4));
                step("The daemon fetches the commit and applies it (here: woken at once, as a webhook would)");
                daemon.trigger();
                FlowKey second2 = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20001, Lab.VIP, 30001);
                await(() -> lab.datapath().rules().get(second2).isPresent(), "the daemon applies the second revision");
                out.println("   " + daemon.status().line());
                ok &= relay(lab, 0);
                ok &= relay(lab, 1);

                step("xdprecon flows --git ... (rules by flow name, with their counters)");
                Main.Captured flows = NetNs.call(lab.proxyNs(), () -> Main.capture("flows", "--git", repository, "--node", "demo",
                        "--pin-root", lab.pinRoot().toString()));
                out.print(flows.out().indent(4));
                step("xdprecon stats");
                out.print(Main.capture("stats", "--pin-root", lab.pinRoot().toString()).out().indent(4));
                step("Stopping the daemon and removing the lab");
                return ok ? 0 : 1;
            } finally {
                daemon.close();
                daemon.awaitStopped(Duration.ofSeconds(30));
                loop.join(Duration.ofSeconds(5));
                source.close();
            }
        } finally {
            FileTree.deleteOrWarn(dir, System.getLogger(DemoCommand.class.getName())); // the demo's outcome stands
            out.flush();
        }
    }

    private void step(String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    private static void commit(Git work, String config, String message) throws Exception {
        Files.writeString(work.getRepository().getWorkTree().toPath().resolve("flows.yaml"), config);
        work.add().addFilepattern("flows.yaml").call();
        work.commit().setMessage(message).setAuthor("demo", "demo@example.org").setCommitter("demo", "demo@example.org")
                .setSign(false).call();
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new CliException("timed out waiting until " + what);
            }
            Thread.sleep(20); // polling the daemon's status and the kernel map
        }
    }

    /** Echoes the datagrams of flow n through the relay and says what each side saw. */
    private boolean relay(Lab lab, int n) throws Exception {
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000 + n);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000 + n);
        InetSocketAddress vip = new InetSocketAddress(Lab.VIP, 30000 + n);
        byte[] buffer = new byte[2048];
        DatagramPacket received = new DatagramPacket(buffer, buffer.length);
        String seenByServer = "";
        String seenByClient = "";
        int echoed = 0;
        try {
            for (int i = 0; i < datagrams; i++) {
                byte[] payload = ("datagram " + i).getBytes(StandardCharsets.US_ASCII);
                client.send(new DatagramPacket(payload, payload.length, vip));
                server.receive(received);
                seenByServer = received.getSocketAddress().toString();
                server.send(new DatagramPacket(buffer, received.getLength(), received.getSocketAddress()));
                client.receive(received);
                seenByClient = received.getSocketAddress().toString();
                echoed++;
            }
        } catch (SocketTimeoutException e) {
            out.printf("   datagram %d was not relayed within the socket timeout%n", echoed);
        } finally {
            client.close();
            server.close();
        }
        step(String.format("Flow %d: sent %d datagrams, %d echoed. The server saw them from %s; the client got the"
                + " replies from %s", n + 1, datagrams, echoed, seenByServer, seenByClient));
        return echoed == datagrams;
    }
}
