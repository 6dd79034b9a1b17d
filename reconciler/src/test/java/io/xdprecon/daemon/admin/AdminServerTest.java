package io.xdprecon.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.dataplane.maps.Stat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin endpoint over real HTTP on 127.0.0.1, an ephemeral port. */
class AdminServerTest {
    static final Instant NOW = Instant.parse("2026-11-25T14:00:00Z");
    static final byte[] SECRET = "s3cret-hook".getBytes(StandardCharsets.UTF_8);
    static final String TOKEN = "0123456789abcdef0123456789abcdef";

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    AdminServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    static DaemonStatus status(Instant last, String applied, String attempted) {
        Map<String, Long> owners = new LinkedHashMap<>();
        owners.put("config", 300L);
        owners.put("session", 100L);
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("rewrite_hit", 12345L);
        counters.put("rewrite_miss", 17L);
        counters.put("pass_to_kernel", 99L);
        return new DaemonStatus("edge-1", "git https://git.example/net.git#main", Optional.ofNullable(attempted),
                Optional.ofNullable(applied), attempted != null && !attempted.equals(applied)
                        ? Optional.of("flows[2].to: port 70000 is out of range\nsecond line") : Optional.empty(),
                Optional.ofNullable(last), DaemonStatus.Suspension.NONE, 7, 2, owners, 1000, counters);
    }

    AdminServer.Builder builder() {
        return AdminServer.builder(new InetSocketAddress("127.0.0.1", 0))
                .clock(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    URI uri(String path) {
        InetSocketAddress a = server.address();
        return URI.create("http://127.0.0.1:" + a.getPort() + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- /metrics

    @Test
    void metricsScrapedOverHttpSayWhatTheEventsSaid() throws Exception {
        DaemonMetrics metrics = new DaemonMetrics();
        server = builder().registry(metrics.registry()).status(metrics::status).start();

        PromText before = PromText.parse(get("/metrics").body());
        assertEquals(Optional.of(0.0), before.value("xdprecon_reconciles_total", "outcome", "source_failed"),
                "every outcome is exported from the start");
        assertTrue(before.find("xdprecon_revision_info").isEmpty(), "no status yet, no revision series");

        metrics.reconciled(new ReconcileOutcome.Applied(Optional.empty(), "Plan: 1 to add, 0 to change, 0 to destroy.", false), Duration.ofMillis(30), status(NOW, "aaa111", "aaa111"));
        metrics.reconciled(new ReconcileOutcome.Unchanged(Optional.empty()), Duration.ofMillis(3), status(NOW, "aaa111", "aaa111"));
        metrics.reconciled(new ReconcileOutcome.Rejected("bbb222", ReconcileOutcome.Refusal.INVALID, "invalid"), Duration.ofMillis(2), status(NOW, "aaa111", "bbb222"));

        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        PromText m = PromText.parse(r.body());

        assertEquals("histogram", m.types().get("xdprecon_reconcile_duration_seconds"));
        assertEquals(Optional.of(3.0), m.value("xdprecon_reconcile_duration_seconds_count"));
        assertEquals(0.035, m.value("xdprecon_reconcile_duration_seconds_sum").orElseThrow(), 1e-9);
        assertEquals(Optional.of(2.0), m.value("xdprecon_reconcile_duration_seconds_bucket", "le", "0.005"));
        assertEquals(Optional.of(3.0), m.value("xdprecon_reconcile_duration_seconds_bucket", "le", "0.05"));
        assertEquals(Optional.of(3.0), m.value("xdprecon_reconcile_duration_seconds_bucket", "le", "+Inf"));

        assertEquals("counter", m.types().get("xdprecon_reconciles_total"), r.body());
        assertEquals(Optional.of(1.0), m.value("xdprecon_reconciles_total", "outcome", "applied"));
        assertEquals(Optional.of(1.0), m.value("xdprecon_reconciles_total", "outcome", "unchanged"));
        assertEquals(Optional.of(1.0), m.value("xdprecon_reconciles_total", "outcome", "rejected"));
        assertEquals(Optional.of(0.0), m.value("xdprecon_reconciles_total", "outcome", "apply_failed"));
        assertEquals(Optional.of(1.0), m.value("xdprecon_revisions_rejected_total", "reason", "invalid"));
        assertEquals(Optional.of(0.0), m.value("xdprecon_revisions_rejected_total", "reason", "rollback"));

        assertEquals(1, m.find("xdprecon_revision_info", "kind", "applied").size());
        assertEquals(Optional.of(1.0), m.value("xdprecon_revision_info", "kind", "applied", "revision", "aaa111"));
        assertEquals(Optional.of(1.0), m.value("xdprecon_revision_info", "kind", "attempted", "revision", "bbb222"));
        assertEquals(Optional.of(300.0), m.value("xdprecon_rules", "owner", "config"));
        assertEquals(Optional.of(100.0), m.value("xdprecon_rules", "owner", "session"));
        assertEquals(Optional.of(1000.0), m.value("xdprecon_rules_capacity"));
        assertEquals(Optional.of(0.4), m.value("xdprecon_rules_fill_ratio"));
        assertEquals(Optional.of(2.0), m.value("xdprecon_drift_corrections_total"));
        assertEquals(Optional.of(12345.0), m.value("xdprecon_datapath_packets_total", "result", "hit"));
        assertEquals(Optional.of(99.0), m.value("xdprecon_datapath_actions_total", "action", "pass"));
        assertEquals(Optional.of(0.0), m.value("xdprecon_suspended"));
        assertEquals(Optional.of((double) NOW.getEpochSecond()), m.value("xdprecon_last_reconcile_timestamp_seconds"));

        // a new attempted revision replaces the series; the old one is gone
        metrics.reconciled(new ReconcileOutcome.Applied(Optional.empty(), "Plan: 1 to add, 0 to change, 0 to destroy.", false), Duration.ofMillis(1), status(NOW, "ccc333", "ccc333"));
        PromText after = PromText.parse(get("/metrics").body());
        assertEquals(1, after.find("xdprecon_revision_info", "kind", "attempted").size());
        assertEquals(Optional.of(1.0), after.value("xdprecon_revision_info", "kind", "attempted", "revision", "ccc333"));
        assertTrue(after.find("xdprecon_revision_info", "revision", "bbb222").isEmpty());
        assertTrue(after.find("xdprecon_revision_info", "revision", "aaa111").isEmpty());
    }

    @Test
    void liveDatapathCountersAreReadAtEachScrapeAndAGapNeverGoesBackwards() throws Exception {
        AtomicLong hits = new AtomicLong(10);
        AtomicBoolean broken = new AtomicBoolean();
        DaemonMetrics metrics = new DaemonMetrics(null, () -> {
            if (broken.get()) {
                throw new IllegalStateException("map gone");
            }
            return new DatapathSampler.Sample(Map.of(Stat.REWRITE_HIT, hits.get()), List.of(), List.of());
        });
        metrics.ready(status(NOW, "a", "a"));
        server = builder().registry(metrics.registry()).start();
        assertEquals(Optional.of(10.0), PromText.parse(get("/metrics").body())
                .value("xdprecon_datapath_packets_total", "result", "hit"));
        hits.set(25);
        assertEquals(Optional.of(25.0), PromText.parse(get("/metrics").body())
                .value("xdprecon_datapath_packets_total", "result", "hit"));
        broken.set(true);
        PromText gap = PromText.parse(get("/metrics").body());
        assertTrue(gap.find("xdprecon_datapath_packets_total").isEmpty(), "no stale snapshot value");
        assertEquals(Optional.of(1000.0), gap.value("xdprecon_rules_capacity"), "the rest of the scrape still works");
    }

    @Test
    void metricsRegistryIsNotTheDefaultOne() {
        assertFalse(new DaemonMetrics().registry()
                == io.prometheus.metrics.model.registry.PrometheusRegistry.defaultRegistry);
        new DaemonMetrics(); // a second instance does not collide on names
    }

    // ---- /healthz

    @Test
    void healthzIsOkOnlyWhileTheLoopLivesAndReconcilesAreRecent() throws Exception {
        AtomicBoolean alive = new AtomicBoolean(true);
        AtomicReference<DaemonStatus> st = new AtomicReference<>();
        server = builder().loopAlive(alive::get).status(() -> Optional.ofNullable(st.get()))
                .maxReconcileAge(Duration.ofMinutes(2)).start();

        HttpResponse<String> none = get("/healthz");
        assertEquals(503, none.statusCode());
        assertEquals("no reconcile yet", none.body().strip());

        st.set(status(NOW.minusSeconds(30), "a", "a"));
        HttpResponse<String> ok = get("/healthz");
        assertEquals(200, ok.statusCode());
        assertEquals("ok", ok.body().strip());

        st.set(status(NOW.minusSeconds(600), "a", "a"));
        HttpResponse<String> stale = get("/healthz");
        assertEquals(503, stale.statusCode());
        assertEquals("last reconcile 600 s ago, more than 120 s", stale.body().strip());

        st.set(status(NOW, "a", "a"));
        alive.set(false);
        HttpResponse<String> dead = get("/healthz");
        assertEquals(503, dead.statusCode());
        assertEquals("reconcile loop is not running", dead.body().strip());

        assertEquals(405, post("/healthz", new byte[0]).statusCode());
    }

    // ---- /status

    @Test
    void readyzWantsTheNewestValidRevisionConvergedWhereHealthzOnlyWantsALiveLoop() throws Exception {
        AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.of("revision bbb222 rejected: bad"));
        AtomicBoolean alive = new AtomicBoolean(true);
        server = builder().status(() -> Optional.of(status(NOW, "aaa111", "bbb222"))).loopAlive(alive::get)
                .notReady(notReady::get).start();
        assertEquals(200, get("/healthz").statusCode(), "the process works");
        HttpResponse<String> r = get("/readyz");
        assertEquals(503, r.statusCode());
        assertEquals("revision bbb222 rejected: bad", r.body().strip());
        notReady.set(Optional.empty());
        r = get("/readyz");
        assertEquals(200, r.statusCode());
        assertEquals("ready", r.body().strip());
        alive.set(false);
        r = get("/readyz");
        assertEquals(503, r.statusCode(), "not ready when not healthy");
        assertEquals("reconcile loop is not running", r.body().strip());
    }

    @Test
    void statusJsonRoundTrips() throws Exception {
        DaemonStatus s = status(NOW.minusSeconds(42), "aaa111", "bbb222");
        server = builder().status(() -> Optional.of(s)).start();
        HttpResponse<String> r = get("/status");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        StatusJson.Parsed p = StatusJson.read(r.body());
        assertEquals(s, p.status());
        assertEquals(Optional.of(Duration.ofSeconds(42)), p.lastReconcileAge());
        assertTrue(r.body().contains("\"lastAppliedRevision\" : \"aaa111\""), r.body());
        assertTrue(r.body().contains("\"rulesFillRatio\" : 0.4"), r.body());
    }

    @Test
    void statusJsonRoundTripsAnEmptyStatus() throws Exception {
        DaemonStatus s = new DaemonStatus("n", "file /etc/xdprecon.yaml", Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), new DaemonStatus.Suspension(true, Optional.empty()), 0, 0, Map.of(), 0,
                Map.of());
        StatusJson.Parsed p = StatusJson.read(StatusJson.write(s, NOW));
        assertEquals(s, p.status());
        assertEquals(Optional.empty(), p.lastReconcileAge());
    }

    @Test
    void statusJsonSaysWhoSuspendedAndReadsAnOlderDaemonsFlagAsTheOperators() throws Exception {
        DaemonStatus s = new DaemonStatus("n", "file /etc/xdprecon.yaml", Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), new DaemonStatus.Suspension(true, Optional.of("flows.yaml:3:10 in revision"
                        + " 1a2b3c4")), 0, 0, Map.of(), 0, Map.of());
        String json = StatusJson.write(s, NOW);
        assertTrue(json.contains("\"suspendedBy\" : {\n    \"operator\" : true,\n    \"config\" : \"flows.yaml:3:10 in revision"
                + " 1a2b3c4\"\n  }"), json);
        assertEquals(s, StatusJson.read(json).status());
        assertEquals("xdprecon suspend and config flows.yaml:3:10 in revision 1a2b3c4", s.suspension().describe());
        DaemonStatus older = StatusJson.read("{\"node\": \"n\", \"suspended\": true}").status();
        assertEquals(new DaemonStatus.Suspension(true, Optional.empty()), older.suspension());
    }

    @Test
    void statusBeforeTheFirstStatusIs503() throws Exception {
        server = builder().start();
        HttpResponse<String> r = get("/status");
        assertEquals(503, r.statusCode());
        assertEquals(404, get("/nope").statusCode());
        assertEquals(404, get("/statusx").statusCode());
        assertEquals(404, get("/metrics/x").statusCode());
    }

    // ---- /webhook

    @Test
    void signedWebhookTriggersWithinOneSecond() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        server = builder().webhookSecret(SECRET).onWebhook(fired::countDown).start();
        byte[] body = "{\"ref\":\"refs/heads/main\",\"after\":\"ccc333\"}".getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        HttpResponse<String> r = post("/webhook", body, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, body),
                "Content-Type", "application/json", "X-GitHub-Event", "push");
        assertEquals(202, r.statusCode());
        assertTrue(fired.await(1, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void knownGithubSignatureVector() {
        // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!"
        assertEquals("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                AdminServer.sign("It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8),
                        "Hello, World!".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badOrMissingSignatureIs401AndDoesNotTrigger() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        server = builder().webhookSecret(SECRET).onWebhook(fired::incrementAndGet).start();
        byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);

        String wrongSecret = AdminServer.sign("other".getBytes(StandardCharsets.UTF_8), body);
        assertEquals(401, post("/webhook", body, AdminServer.SIGNATURE_HEADER, wrongSecret).statusCode());
        byte[] tampered = "{\"ref\":\"refs/heads/evil\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(401, post("/webhook", tampered, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, body))
                .statusCode());
        assertEquals(401, post("/webhook", body, AdminServer.SIGNATURE_HEADER, "sha256=zz").statusCode());
        assertEquals(401, post("/webhook", body, AdminServer.SIGNATURE_HEADER,
                AdminServer.sign(SECRET, body).substring(0, 20)).statusCode());
        HttpResponse<String> missing = post("/webhook", body);
        assertEquals(401, missing.statusCode());
        assertTrue(missing.body().contains(AdminServer.SIGNATURE_HEADER));
        assertEquals(0, fired.get());
    }

    @Test
    void webhookMethodSizeAndSecretRules() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        server = builder().webhookSecret(SECRET).onWebhook(fired::incrementAndGet).start();
        HttpResponse<String> g = get("/webhook");
        assertEquals(405, g.statusCode());
        assertEquals("POST", g.headers().firstValue("Allow").orElseThrow());

        byte[] big = new byte[AdminServer.MAX_WEBHOOK_BODY + 1];
        assertEquals(413, post("/webhook", big, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, big))
                .statusCode());
        // without a Content-Length (chunked), the counted read stops at the limit
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/webhook"))
                .timeout(Duration.ofSeconds(5)).header(AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, big))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode());
        byte[] exact = new byte[AdminServer.MAX_WEBHOOK_BODY];
        assertEquals(202, post("/webhook", exact, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, exact))
                .statusCode());
        assertEquals(1, fired.get());
        server.close();

        server = builder().onWebhook(fired::incrementAndGet).start(); // no secret
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertEquals(503, post("/webhook", body, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, body))
                .statusCode());
        assertEquals(1, fired.get());
    }

    @Test
    void aReplayedDeliveryIsAcceptedOnceAndABurstCoalesces() throws Exception {
        java.util.concurrent.Semaphore fired = new java.util.concurrent.Semaphore(0);
        server = builder().webhookSecret(SECRET).onWebhook(fired::release)
                .webhookLimits(new WebhookGate.Limits(Duration.ofMinutes(10), 100, Duration.ofMillis(500), 20, 5)).start();
        byte[] push = "{\"after\":\"aaa\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(202, post("/webhook", push, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, push)).statusCode());
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> replay = post("/webhook", push, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, push),
                    "X-GitHub-Delivery", "id-" + i);
            assertEquals(200, replay.statusCode(), replay.body());
            assertTrue(replay.body().startsWith("duplicate delivery"), replay.body());
        }
        for (int i = 0; i < 5; i++) { // five distinct pushes inside the gap: one deferred fetch for all
            byte[] next = ("{\"after\":\"b" + i + "\"}").getBytes(StandardCharsets.UTF_8);
            assertEquals(202, post("/webhook", next, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, next)).statusCode());
        }
        assertTrue(fired.tryAcquire(2, 5, TimeUnit.SECONDS), "the first push and the deferred fetch");
        assertFalse(fired.tryAcquire(1, 1, TimeUnit.SECONDS), "and nothing more: " + fired.availablePermits());
    }

    @Test
    void aFloodOfBadSignaturesIsRefusedWith429BeforeItsBodiesAreRead() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        server = builder().webhookSecret(SECRET).onWebhook(fired::incrementAndGet)
                .webhookLimits(new WebhookGate.Limits(Duration.ofMinutes(10), 100, Duration.ZERO, 5, 0.5)).start();
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String bad = AdminServer.sign("wrong".getBytes(StandardCharsets.UTF_8), body);
        for (int i = 0; i < 5; i++) {
            assertEquals(401, post("/webhook", body, AdminServer.SIGNATURE_HEADER, bad).statusCode());
        }
        HttpResponse<String> limited = post("/webhook", body, AdminServer.SIGNATURE_HEADER, bad);
        assertEquals(429, limited.statusCode());
        assertEquals(429, post("/webhook", body, AdminServer.SIGNATURE_HEADER, AdminServer.sign(SECRET, body)).statusCode(),
                "while the budget is spent, good ones wait for the poll too");
        assertEquals(0, fired.get());
    }

    // ---- /suspend, /resume

    @Test
    void suspendAndResumeOnLoopbackWithTheToken() throws Exception {
        AtomicInteger suspended = new AtomicInteger();
        AtomicInteger resumed = new AtomicInteger();
        server = builder().controlToken(TOKEN).onSuspend(suspended::incrementAndGet).onResume(resumed::incrementAndGet)
                .start();
        assertEquals(204, post("/suspend", new byte[0], "Authorization", "Bearer " + TOKEN).statusCode());
        assertEquals(204, post("/resume", new byte[0], "Authorization", "bearer " + TOKEN).statusCode());
        assertEquals(405, get("/suspend").statusCode());
        assertEquals(1, suspended.get());
        assertEquals(1, resumed.get());
    }

    @Test
    void suspendWithoutTheTokenIs401() throws Exception {
        AtomicInteger suspended = new AtomicInteger();
        server = builder().controlToken(TOKEN).onSuspend(suspended::incrementAndGet).start();
        HttpResponse<String> none = post("/suspend", new byte[0]);
        assertEquals(401, none.statusCode());
        assertTrue(none.body().contains("Authorization: Bearer"), none.body());
        assertEquals(401, post("/suspend", new byte[0], "Authorization", "Bearer " + TOKEN + "x").statusCode());
        assertEquals(401, post("/suspend", new byte[0], "Authorization", "Basic " + TOKEN).statusCode());
        server.close();
        server = builder().onSuspend(suspended::incrementAndGet).start(); // no token configured: nobody may
        assertEquals(401, post("/suspend", new byte[0], "Authorization", "Bearer ").statusCode());
        assertEquals(0, suspended.get());
    }

    /**
     * A web page cannot suspend the daemon: not cross-origin (the browser sends Origin), not by DNS rebinding
     * (the Host names the attacker's domain), and a local reverse proxy does not open it to its clients (it
     * adds its headers) — even with the right token. Raw requests: an HTTP client will not forge Host.
     */
    @Test
    void suspendFromABrowserOrThroughAProxyIs403EvenWithTheToken() throws Exception {
        AtomicInteger suspended = new AtomicInteger();
        server = builder().controlToken(TOKEN).onSuspend(suspended::incrementAndGet).start();
        String auth = "Authorization: Bearer " + TOKEN + "\r\n";
        assertEquals(403, raw("POST /suspend HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n" + auth
                + "Content-Length: 0\r\n\r\n"));
        assertEquals(403, raw("POST /suspend HTTP/1.1\r\nHost: 127.0.0.1\r\nSec-Fetch-Site: cross-site\r\n" + auth
                + "Content-Length: 0\r\n\r\n"));
        assertEquals(403, raw("POST /suspend HTTP/1.1\r\nHost: evil.example:9477\r\n" + auth + "Content-Length: 0\r\n\r\n"),
                "DNS rebinding: the page's own host name");
        assertEquals(403, raw("POST /suspend HTTP/1.1\r\nHost: 127.0.0.1:9477\r\nX-Forwarded-For: 203.0.113.9\r\n" + auth
                + "Content-Length: 0\r\n\r\n"));
        assertEquals(403, raw("POST /suspend HTTP/1.1\r\nHost: localhost\r\nVia: 1.1 nginx\r\n" + auth
                + "Content-Length: 0\r\n\r\n"));
        assertEquals(0, suspended.get());
        assertEquals(204, raw("POST /suspend HTTP/1.1\r\nHost: localhost:9477\r\n" + auth + "Content-Length: 0\r\n\r\n"));
        assertEquals(204, raw("POST /suspend HTTP/1.1\r\nHost: [::1]:9477\r\n" + auth + "Content-Length: 0\r\n\r\n"));
        assertEquals(2, suspended.get());
    }

    /** The status code of a raw HTTP/1.1 request to the server. */
    int raw(String request) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    @Test
    void suspendIsRefusedWhenNotBoundToLoopback() throws Exception {
        AtomicInteger suspended = new AtomicInteger();
        server = AdminServer.builder(new InetSocketAddress("0.0.0.0", 0)).controlToken(TOKEN)
                .onSuspend(suspended::incrementAndGet).start();
        HttpResponse<String> r = post("/suspend", new byte[0], "Authorization", "Bearer " + TOKEN);
        assertEquals(403, r.statusCode());
        assertEquals(403, post("/resume", new byte[0], "Authorization", "Bearer " + TOKEN).statusCode());
        assertEquals(0, suspended.get());
    }

    @Test
    void closeReleasesThePort() throws Exception {
        server = builder().start();
        int port = server.address().getPort();
        assertTrue(port > 0);
        server.close();
        server.close(); // idempotent
        server = AdminServer.builder(new InetSocketAddress("127.0.0.1", port)).start();
        assertEquals(port, server.address().getPort());
    }
}
