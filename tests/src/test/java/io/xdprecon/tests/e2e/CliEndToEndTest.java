package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.cli.Main;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.lab.Lab;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The CLI's datapath commands against a live lab, and the demo a new user runs first. */
class CliEndToEndTest {

    private static Main.Captured run(String... args) {
        return Main.capture(args);
    }

    @Test
    void statsAndFlowsReportWhatTheDatapathDid() throws Exception {
        try (Lab lab = Lab.start()) {
            FlowKey key = FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000, Lab.VIP, 30000);
            FlowKey to = FlowKey.of(lab.ps().ifindex(), Lab.PROXY_SERVER_SIDE_IP, 40000, Lab.SERVER_IP, 50000);
            lab.datapath().rules().put(key, new FlowRule(to, Owner.SESSION));
            DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
            DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000);
            byte[] payload = new byte[100];
            for (int i = 0; i < 7; i++) {
                client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(Lab.VIP, 30000)));
                server.receive(new DatagramPacket(new byte[200], 200));
            }
            String pinRoot = lab.pinRoot().toString();

            Main.Captured stats = run("stats", "--json", "--pin-root", pinRoot);
            assertEquals(0, stats.exit(), stats.err());
            JsonNode counters = new ObjectMapper().readTree(stats.out());
            assertEquals(7, counters.get("rewrite_hit").asLong());
            assertEquals(7, counters.get("redirect_out").asLong());

            Main.Captured flows = run("flows", "--json", "--pin-root", pinRoot);
            assertEquals(0, flows.exit(), flows.err());
            JsonNode list = new ObjectMapper().readTree(flows.out());
            assertEquals(1, list.size());
            JsonNode flow = list.get(0);
            assertEquals("10.210.1.2:20000", flow.get("match").get("src").asText());
            assertEquals("10.210.2.2:50000", flow.get("rewrite").get("dst").asText());
            assertEquals("session", flow.get("owner").asText());
            assertEquals(7, flow.get("packets").asLong());
            assertEquals(7 * (14 + 20 + 8 + 100), flow.get("bytes").asLong());

            Main.Captured table = run("stats", "--pin-root", pinRoot);
            assertTrue(table.out().contains("  Rewrite hits         7\n"), table.out());
        }
    }

    @Test
    void theDemoFollowsGitRelaysEveryDatagramAndCleansUp() {
        Main.Captured demo = run("demo", "--datagrams", "50");
        assertEquals(0, demo.exit(), demo.out() + demo.err());
        assertTrue(demo.out().contains("Flow 1: sent 50 datagrams, 50 echoed. The server saw them from /10.210.2.1:40000;"
                + " the client got the replies from /10.210.1.100:30000"), demo.out());
        assertTrue(demo.out().contains("Flow 2: sent 50 datagrams, 50 echoed. The server saw them from /10.210.2.1:40001;"),
                demo.out());
        assertTrue(demo.out().contains("+ flow relay-2"), "the plan of the second commit:\n" + demo.out());
        assertTrue(demo.out().contains("Plan: 1 to add, 0 to change, 0 to destroy."), demo.out());
        assertTrue(demo.out().contains("relay-2 (reverse)"), demo.out());
        assertTrue(demo.out().contains("  Redirect out         300\n"), demo.out());
        String lab = demo.out().replaceAll("(?s).*maps under (\\S+)\\n.*", "$1");
        assertTrue(lab.startsWith("/sys/fs/bpf/xdprecon-test-"), lab);
        assertTrue(!java.nio.file.Files.exists(java.nio.file.Path.of(lab)), "pins removed: " + lab);
    }
}
