package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.tests.traffic.UdpCounters;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tc bridge gets skbs, not frames: one sent by a local socket through a veth with TX checksum
 * offload still carries CHECKSUM_PARTIAL (the UDP checksum field holds only the pseudo-header sum, which
 * the egress device completes). The bridge's rewrite must leave a checksum that is right once completed,
 * as the kernel's own NAT does. The lab's client end normally sends full checksums (tx off); here it
 * offloads, and the proxy's server end completes checksums in software (tx off), so what reaches the
 * server is what a NIC would put on the wire.
 */
class TcBridgeChecksumTest {
    private static final int DATAGRAMS = 20;

    @Test
    void aPartialChecksumFromAVethIsRightOnTheWireAfterTheBridgeRewritesIt() throws Exception {
        try (Lab lab = Lab.start()) {
            Datapath datapath = lab.datapath();
            FlowKey clientToVip = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
            FlowKey toServer = FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, 50000);
            datapath.rules().put(clientToVip, new FlowRule(toServer, Owner.CONFIG));
            Lab.inNs(lab.clientNs(), "ethtool", "-K", "c0", "tx", "on");
            Lab.inNs(lab.proxyNs(), "ethtool", "-K", "ps", "tx", "off");
            DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
            DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 500);

            int ifindex = lab.pc().ifindex();
            // the bridge as a DPDK stop leaves it: attached by the lifecycle, then XDP gone
            NetNs.run(lab.proxyNs(), () -> new DpdkDatapathLifecycle(lab.pinRoot(), List.of(ifindex))
                    .stop(() -> Xdp.detach(ifindex, XdpMode.NATIVE)));
            int received = 0;
            byte[] buffer = new byte[2048];
            for (int i = 0; i < DATAGRAMS; i++) {
                // odd and even lengths: the completed sum covers the payload
                byte[] payload = ("datagram " + i + "x".repeat(i)).getBytes(StandardCharsets.US_ASCII);
                client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(Lab.VIP, 30000)));
                try {
                    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                    server.receive(in);
                    assertEquals(new InetSocketAddress(Lab.PROXY_SERVER_SIDE_IP, 40000), in.getSocketAddress());
                    assertEquals(new String(payload, StandardCharsets.US_ASCII),
                            new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
                    received++;
                } catch (SocketTimeoutException lost) {
                    // counted below, with the server's checksum errors
                }
            }
            UdpCounters udp = UdpCounters.of(lab.serverNs());
            assertEquals(DATAGRAMS, received, "datagrams the server accepted; its UDP counters:\n" + udp);
            assertEquals(0, udp.get("InCsumErrors"), udp.toString());
        }
    }
}
