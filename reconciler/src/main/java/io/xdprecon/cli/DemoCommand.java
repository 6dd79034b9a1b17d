package io.xdprecon.cli;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.lab.Lab;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Build a throw-away lab of three network namespaces (client, proxy, server), attach the XDP datapath"
                + " to the proxy, offload one UDP relay flow, send datagrams through it and back, show the counters,"
                + " and remove everything again. Nothing outside the lab's namespaces is touched. Needs root.",
        })
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--datagrams", paramLabel = "N", defaultValue = "1000",
            description = "Datagrams the client sends through the relay, each answered by the server (default: ${DEFAULT-VALUE}).")
    int datagrams;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (datagrams < 1 || datagrams > 1_000_000) {
            throw new CliException("--datagrams must be between 1 and 1000000, got " + datagrams);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("== Building the lab (namespaces xr-ID-c, xr-ID-p, xr-ID-s; XDP on the proxy's two veths)");
        out.flush();
        try (Lab lab = Lab.start()) {
            out.printf("   client %s ── pc [xdp_main] proxy, VIP %s [xdp_main] ps ── server %s%n",
                    Lab.CLIENT_IP, Lab.VIP, Lab.SERVER_IP);
            out.printf("   maps pinned under %s%n%n", lab.pinRoot());

            FlowKey fromClient = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
            FlowKey toServer = FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, 50000);
            FlowKey fromServer = FlowKey.of(lab.ps().ifindex(), Lab.SERVER_IP, 50000, Lab.PROXY_SERVER_SIDE_IP, 40000);
            FlowKey toClient = FlowKey.of(lab.pc().ifindex(), Lab.VIP, 30000, Lab.CLIENT_IP, 20000);
            Datapath datapath = lab.datapath();
            datapath.localIps().add(Ipv4.parse(Lab.VIP));
            datapath.rules().put(fromClient, new FlowRule(toServer, Owner.CONFIG));
            datapath.rules().put(fromServer, new FlowRule(toClient, Owner.CONFIG));
            out.printf("== Offloaded one relay flow: %s:20000 -> VIP %s:30000 is relayed as %s:40000 -> %s:50000,"
                    + " and the replies back%n", Lab.CLIENT_IP, Lab.VIP, Lab.PROXY_SERVER_SIDE_IP, Lab.SERVER_IP);

            DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
            DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000);
            InetSocketAddress vip = new InetSocketAddress(Lab.VIP, 30000);
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
            }
            out.printf("== Sent %d datagrams: %d echoed. The server saw them from %s; the client got the replies from %s%n%n",
                    datagrams, echoed, seenByServer, seenByClient);
            out.flush();

            CommandLine cli = Main.commandLine();
            cli.setOut(out);
            cli.setErr(spec.commandLine().getErr());
            out.println("== xdprecon flows --pin-root " + lab.pinRoot());
            out.flush();
            cli.execute("flows", "--pin-root", lab.pinRoot().toString());
            out.println();
            out.println("== xdprecon stats --pin-root " + lab.pinRoot());
            out.flush();
            cli.execute("stats", "--pin-root", lab.pinRoot().toString());
            out.println();
            out.println("== Removing the lab");
            out.flush();
            return echoed == datagrams ? 0 : 1;
        }
    }
}
