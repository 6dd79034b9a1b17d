package io.xdprecon.tests.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.cli.Main;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.tests.traffic.SequencedStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped rules and dashboard against a real Prometheus (Debian's package) scraping a real daemon: the lab's
 * proxy namespace runs {@code xdprecon run} (a process of its own, as systemd runs it) and {@code prometheus} with
 * {@code deploy/prometheus/xdprecon-rules.yml}, scraping every second on that namespace's loopback, while a stream
 * of datagrams crosses a flow. Every dashboard query and every rule (alerts without their threshold) must return
 * data; then an invalid revision is written and its alert must fire, and {@code /readyz} must say why.
 *
 * <p>Queries of the DPDK loop's metrics ({@link Monitoring#DPDK_ONLY}) are only checked to be valid PromQL here:
 * this daemon runs {@code datapath.mode: xdp}.
 */
class MonitoringEndToEndTest {
    private static final int ADMIN_PORT = 19477;
    private static final int PROMETHEUS_PORT = 19090;

    @TempDir
    Path dir;

    private Lab lab;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    private Process startInProxyNs(Path log, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + lab.proxyNs()));
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    /** GET on the proxy namespace's loopback (the socket is made by a thread inside it); null when unreachable. */
    private HttpResult get(int port, String pathAndQuery) {
        return NetNs.call(lab.proxyNs(), () -> {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + pathAndQuery).toURL()
                    .openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(10000);
            try {
                int code = c.getResponseCode();
                try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                    return new HttpResult(code, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                return new HttpResult(-1, e.toString());
            } finally {
                c.disconnect();
            }
        });
    }

    private record HttpResult(int code, String body) {}

    private JsonNode query(String expr) throws IOException {
        HttpResult r = get(PROMETHEUS_PORT, "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        JsonNode json = new ObjectMapper().readTree(r.body());
        assertEquals("success", json.path("status").asText(), expr + " -> " + r.body());
        return json.get("data").get("result");
    }

    private static void await(String what, Duration within, Check check) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = check.failure();
            if (last == null) {
                return;
            }
            Thread.sleep(250); // polling an external process (Prometheus evaluates every second)
        }
        throw new AssertionError("not within " + within + ": " + what + ": " + last);
    }

    @FunctionalInterface
    private interface Check {
        /** Null when it holds, else what is wrong. */
        String failure() throws Exception;
    }

    @Test
    void everyDashboardAndRuleQueryReturnsDataAndARejectedRevisionFiresItsAlert() throws Exception {
        lab = Lab.start();
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("rtp-a", 0, 50000),
                LabConfigs.flow("rtp-b", 1, 50001)));
        startInProxyNs(dir.resolve("daemon.log"), List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--source", "file:" + config,
                "--node", "lab", "--pin-root", lab.pinRoot().toString(), "--state-dir", dir.resolve("state").toString(),
                "--admin", "127.0.0.1:" + ADMIN_PORT, "--interval", "2s", "--metrics-top-flows", "3"));
        Path rules = dir.resolve("xdprecon-rules.yml");
        Files.copy(Monitoring.RULES, rules);
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: { scrape_interval: 1s, evaluation_interval: 1s }
                rule_files: [ "%s" ]
                scrape_configs:
                  - job_name: xdprecon
                    static_configs: [ { targets: [ "127.0.0.1:%d" ] } ]
                """.formatted(rules, ADMIN_PORT));
        startInProxyNs(dir.resolve("prometheus.log"), List.of("prometheus",
                "--config.file=" + dir.resolve("prometheus.yml"), "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + PROMETHEUS_PORT, "--log.level=warn"));

        await("the daemon applies the config (/readyz 200)", Duration.ofSeconds(90), () -> {
            HttpResult r = get(ADMIN_PORT, "/readyz");
            return r.code() == 200 ? null : r.code() + " " + r.body() + log("daemon.log");
        });

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        try (SequencedStream stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server,
                1_000_000, 2_000)) {
            assertTrue(stream.awaitFirst(10, java.util.concurrent.TimeUnit.SECONDS), "traffic crosses the flow");
            // every query on data Prometheus scraped during the stream (rates need two scrapes a few seconds apart)
            List<Monitoring.Query> queries = new ArrayList<>(Monitoring.dashboardQueries());
            queries.addAll(Monitoring.ruleQueries());
            for (Monitoring.Query q : queries) {
                if (q.dpdkOnly()) {
                    query(q.expr()); // valid PromQL, no data in xdp mode
                    continue;
                }
                await(q.where() + ": " + q.expr(), Duration.ofSeconds(60),
                        () -> query(q.expr()).isEmpty() ? "no data" : null);
            }
            // on a quiet machine the queries above answer before a scrape has seen the stream: await its rate
            await("the stream's hits are counted", Duration.ofSeconds(30), () -> {
                JsonNode hits = query("rate(xdprecon_datapath_packets_total{result=\"hit\"}[10s])");
                return !hits.isEmpty() && hits.get(0).get("value").get(1).asDouble() > 100 ? null : hits.toString();
            });
            await("the flow with traffic has a series", Duration.ofSeconds(30), () -> {
                JsonNode top = query("xdprecon_flow_packets_total{flow=\"rtp-a\",direction=\"forward\"}");
                return !top.isEmpty() && top.get(0).get("value").get(1).asDouble() > 0 ? null : top.toString();
            });
            JsonNode attached = query("xdprecon_interface_xdp{interface=\"pc\"}");
            assertEquals(1.0, attached.get(0).get("value").get(1).asDouble(), "xdp_main runs on pc: " + attached);
        }

        // An invalid revision: rejected, the last good one stays; its alert fires and /readyz says why.
        Files.writeString(config, Files.readString(config).replace("port: 30000", "port: 70000"));
        await("XdpreconRevisionRejected fires", Duration.ofSeconds(60), () -> {
            JsonNode alerts = new ObjectMapper().readTree(get(PROMETHEUS_PORT, "/api/v1/alerts").body()).get("data")
                    .get("alerts");
            for (JsonNode a : alerts) {
                if (a.get("labels").get("alertname").asText().equals("XdpreconRevisionRejected")
                        && a.get("state").asText().equals("firing")) {
                    return null;
                }
            }
            return alerts.toString();
        });
        HttpResult ready = get(ADMIN_PORT, "/readyz");
        assertEquals(503, ready.code(), ready.body());
        assertTrue(ready.body().contains("rejected") && ready.body().contains("70000"), ready.body());
        assertEquals(200, get(ADMIN_PORT, "/healthz").code(), "the process itself is fine");
        assertEquals(1.0, query("xdprecon_converged").get(0).get("value").get(1).asDouble(),
                "the last good revision is still enforced");
    }

    private String log(String name) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(name));
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

}
