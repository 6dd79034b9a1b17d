package io.xdprecon.tests.dpdk;

import io.xdprecon.config.Endpoint;
import io.xdprecon.config.PortRange;
import io.xdprecon.config.Service;
import io.xdprecon.config.SessionIdentity;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.dpdk.Eal;
import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.dataplane.dpdk.EthPort;
import io.xdprecon.dataplane.dpdk.IdleStrategy;
import io.xdprecon.dataplane.dpdk.Mempool;
import io.xdprecon.dataplane.dpdk.SlowPathLoop;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.RulesMap;
import io.xdprecon.sessions.CounterSource;
import io.xdprecon.sessions.RuleSink;
import io.xdprecon.sessions.Session;
import io.xdprecon.sessions.SessionService;
import io.xdprecon.sessions.SessionTable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The DPDK session loop in a child JVM (EAL is once per process), run in the test's namespace with the
 * test's pins over {@code /sys/fs/bpf} like {@link DpdkEchoMain}:
 * {@code SessionLoopMain IFACE IFINDEX XDP_OBJECT VIP:PORT EGRESS_ADDR FIRST-LAST BACKEND,... IDLE_MS IP=MAC,...
 * [OFFSET:LENGTH|- [answer|drop]]} (the service's session identity, none when absent or {@code -}; the ICMP
 * echo policy, answer when absent), with {@code -Dxdprecon.ports=MODE}.
 *
 * <p>One service: sessions to VIP:PORT on IFACE, egress from EGRESS_ADDR on the same interface (hairpin),
 * backends chosen by the {@link SessionTable}, rules written into the pinned {@code xdp_fwd_rules}. The
 * next hop's MAC comes from the static IP=MAC table (this lab has no neighbour resolution in userspace).
 * Runs {@link SlowPathLoop} until a line {@code STOP} on stdin, sweeping idle sessions every 100 ms; a line
 * {@code BACKENDS IP:PORT,... drain|move} hands the table the service with those backends and that policy, on
 * the loop's thread, answered by {@code UPDATED moved=N}. At the end it prints {@code SESSION} lines, {@code LOOP}
 * and {@code TABLE} counters, DPDK's {@code STATS}, {@code DONE}. SIGTERM stops it the same way (a shutdown
 * hook waits for the ports to close).
 *
 * <p>MODE is how the ports start and stop: {@code bridge} through {@link DpdkDatapathLifecycle} (its
 * steps printed as {@code STEP} lines); {@code naive} detaches an XDP program left attached, starts the
 * ports, and closes them at the end (what one does without a bridge); {@code plain} (the default): start
 * and close only.
 */
public final class SessionLoopMain {
    private static volatile boolean stop;
    private static final java.util.concurrent.BlockingQueue<String> COMMANDS = new java.util.concurrent.LinkedBlockingQueue<>();
    private static final CountDownLatch FINISHED = new CountDownLatch(1);

    private SessionLoopMain() {}

    public static void main(String[] args) {
        // SIGTERM, as a service manager stops a daemon: leave the loop, let main close the ports.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop = true;
            try {
                FINISHED.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        int status = 0;
        try {
            run(args);
            System.out.println("DONE");
        } catch (Throwable t) {
            System.out.println("FAIL " + t);
            t.printStackTrace(System.out);
            status = 1;
        } finally {
            System.out.flush();
            FINISHED.countDown();
        }
        System.exit(status);
    }

    private static List<Endpoint> endpoints(String list) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String b : list.split(",")) {
            String[] p = b.split(":");
            endpoints.add(Endpoint.of(p[0], Integer.parseInt(p[1])));
        }
        return endpoints;
    }

    private static void run(String[] args) {
        String iface = args[0];
        int ifindex = Integer.parseInt(args[1]);
        String prog = args[2];
        String[] vip = args[3].split(":");
        int egress = Ipv4.parse(args[4]);
        String[] range = args[5].split("-");
        List<Endpoint> backends = endpoints(args[6]);
        Duration idle = Duration.ofMillis(Long.parseLong(args[7]));
        String[] neighbourArgs = args[8].split(",");
        int[] neighbourIps = new int[neighbourArgs.length];
        long[] neighbourMacs = new long[neighbourArgs.length];
        for (int i = 0; i < neighbourArgs.length; i++) {
            String[] p = neighbourArgs[i].split("=");
            neighbourIps[i] = Ipv4.parse(p[0]);
            neighbourMacs[i] = SlowPathLoop.mac(HexFormat.ofDelimiter(":").parseHex(p[1]));
        }
        SessionService configured = new SessionService("svc", ifindex, Ipv4.parse(vip[0]), Integer.parseInt(vip[1]), ifindex,
                egress, new PortRange(Integer.parseInt(range[0]), Integer.parseInt(range[1])), backends, idle);
        IcmpEcho.Policy echo = args.length > 10 ? IcmpEcho.Policy.valueOf(args[10].toUpperCase(java.util.Locale.ROOT))
                : IcmpEcho.Policy.ANSWER;
        if (args.length > 9 && !args[9].equals("-")) {
            String[] identity = args[9].split(":");
            configured = configured.withIdentity(new SessionIdentity(Integer.parseInt(identity[0]), Integer.parseInt(identity[1])));
        }
        SessionService service = configured;

        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("STOP")) {
                        break;
                    }
                    COMMANDS.add(line);
                }
            } catch (java.io.IOException ignored) {
                // stdin closed
            }
            stop = true;
        });

        String mode = System.getProperty("xdprecon.ports", "plain");
        Path pins = Path.of("/sys/fs/bpf");
        try (Datapath datapath = Datapath.openPinned(pins); Arena arena = Arena.ofConfined()) {
            RulesMap rules = datapath.rules();
            SessionTable table = new SessionTable(List.of(service), RuleSink.of(rules), CounterSource.of(rules));
            SessionTable.Adoption adoption = table.adopt(rules.readAll(), System.nanoTime());
            DpdkDatapathLifecycle lifecycle = new DpdkDatapathLifecycle(pins, List.of(ifindex));
            Eal[] eal = new Eal[1];
            Mempool[] pools = new Mempool[1];
            EthPort[] ports = new EthPort[1];
            Runnable startPorts = () -> {
                eal[0] = Eal.init(Eal.afXdpArgs(iface, prog, 256));
                pools[0] = Mempool.create("xdprecon_sp", 8191, 250, Mempool.DEFAULT_DATA_ROOM, Mempool.ANY_SOCKET);
                ports[0] = EthPort.byName("net_af_xdp0");
                ports[0].configure(1, 1).rxQueueSetup(0, 1024, pools[0]).txQueueSetup(0, 1024).start();
            };
            Runnable closePorts = () -> {
                ports[0].close();
                pools[0].close();
            };
            switch (mode) {
                case "bridge" -> printSteps(lifecycle.start(startPorts));
                case "naive" -> {
                    Xdp.query(ifindex).ifPresent(stale -> Xdp.detach(ifindex, stale.mode()));
                    startPorts.run();
                }
                default -> startPorts.run();
            }
            EthPort port = ports[0];
            try {
                long srcMac = SlowPathLoop.mac(port.macAddress());
                long[] now = new long[1];
                SlowPathLoop.Router router = (in, srcIp, dstIp, srcPort, dstPort, payload, out) -> {
                    FlowKey r = table.route(in, srcIp, dstIp, srcPort, dstPort, payload, now[0]);
                    if (r == null) {
                        return false;
                    }
                    int n = 0;
                    while (n < neighbourIps.length && neighbourIps[n] != r.dstIp()) {
                        n++;
                    }
                    if (n == neighbourIps.length) {
                        return false;
                    }
                    return out.set(r, srcMac, neighbourMacs[n]);
                };
                SlowPathLoop loop = new SlowPathLoop(port, 0, ifindex, arena, 32, router, echo);
                IdleStrategy idleStrategy = IdleStrategy.backoff(1000, 100, 100_000);
                System.out.printf("READY port=%d adopted=%d orphans=%d%n", port.id(), adoption.adopted(), adoption.orphans().size());
                System.out.flush();
                long nextSweep = System.nanoTime();
                while (!stop) {
                    now[0] = System.nanoTime();
                    idleStrategy.idle(loop.doWork());
                    String command = COMMANDS.poll();
                    if (command != null) {
                        String[] c = command.split(" ");
                        SessionService next = new SessionService(service.name(), service.listenIfindex(), service.vip(),
                                service.listenPort(), service.egressIfindex(), service.egressAddress(), service.ports(),
                                endpoints(c[1]), service.idleTimeout(), service.identity(),
                                Service.OnBackendRemoval.valueOf(c[2].toUpperCase(java.util.Locale.ROOT)));
                        System.out.println("UPDATED moved=" + table.update(List.of(next)));
                        System.out.flush();
                    }
                    if (now[0] - nextSweep >= 0) {
                        int expired = table.sweep(now[0]);
                        if (expired > 0) {
                            System.out.println("EXPIRED " + expired);
                            System.out.flush();
                        }
                        nextSweep = now[0] + 100_000_000L;
                    }
                }
                loop.drain();
                for (Session s : table.sessions()) {
                    System.out.printf("SESSION client=%s:%d backend=%s egress_port=%d slow=%d installed=%b%n",
                            Ipv4.format(s.key().clientIp()), s.key().clientPort(), s.backend(), s.egressPort(),
                            s.slowPathPackets(), s.installed());
                }
                System.out.println("LOOP " + loop.counters());
                System.out.println("TABLE " + table.stats());
                EthPort.Stats st = port.stats();
                System.out.printf("STATS ipackets=%d opackets=%d imissed=%d ierrors=%d oerrors=%d%n", st.rxPackets(),
                        st.txPackets(), st.rxMissed(), st.rxErrors(), st.txErrors());
            } finally {
                if (mode.equals("bridge")) {
                    printSteps(lifecycle.stop(closePorts));
                } else {
                    closePorts.run();
                }
                eal[0].close();
            }
        }
    }

    private static void printSteps(List<DpdkDatapathLifecycle.Step> steps) {
        steps.forEach(step -> System.out.println("STEP " + step.action() + " " + step.ifindex() + " " + step.detail()));
        System.out.flush();
    }
}
