package io.xdprecon.daemon.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.management.UnixOperatingSystemMXBean;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.dpdk.DpdkLoop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The daemon's admin HTTP endpoint (JDK {@link HttpServer}), by default on {@code 127.0.0.1:9477}:
 * <dl>
 *   <dt>{@code GET /metrics}</dt><dd>Prometheus text exposition of the registry (content type of
 *       {@link PrometheusTextFormatWriter}).</dd>
 *   <dt>{@code GET /healthz}</dt><dd>200 {@code ok} when the loop is alive and the last reconcile is younger
 *       than {@link Builder#maxReconcileAge}; else 503 with the reason on one line.</dd>
 *   <dt>{@code GET /readyz}</dt><dd>200 {@code ready} when healthy and the node serves the newest valid revision:
 *       one is applied, the newest from the source is not rejected, and the last reconcile left the node converged
 *       ({@link Builder#notReady}); else 503 with the reason. {@code /healthz} says the process works (restart it
 *       when not); {@code /readyz} says the node is where Git says it should be (page someone when not).</dd>
 *   <dt>{@code GET /status}</dt><dd>the {@link DaemonStatus} as JSON ({@link StatusJson} documents the
 *       fields); 503 before the daemon has a status.</dd>
 *   <dt>{@code GET /sessions}</dt><dd>the DPDK loop's sessions as JSON ({@link SessionsJson}); 404 when the
 *       daemon runs no DPDK loop.</dd>
 *   <dt>{@code POST /webhook}</dt><dd>a Git host's push hook: body ≤ 1 MiB, header
 *       {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>} (GitHub, Gitea and Forgejo all
 *       send it); 202 and the trigger runs (or is deferred, coalesced) on a good signature; 200 and nothing
 *       for a replayed body; 401 on a bad or missing signature; 413 over the limit; 429 while bad signatures
 *       have used up their budget; 503 when no secret is configured (an unauthenticated trigger is refused,
 *       not allowed) or while {@link #WEBHOOK_CHECKS} deliveries are already being checked. The rules are
 *       {@link WebhookGate}'s.</dd>
 *   <dt>{@code POST /suspend}, {@code POST /resume}</dt><dd>204 after calling the hook. Only for a local
 *       operator: served only when the server is bound to a loopback address (else 403), only with
 *       {@code Authorization: Bearer <token>} (the daemon writes the token to a file only root reads; else
 *       401), and refused (403) when the request names a host other than a loopback one, comes from a browser
 *       ({@code Origin}, {@code Sec-Fetch-Site}) or through a proxy ({@code Forwarded}, {@code X-Forwarded-*},
 *       {@code X-Real-IP}, {@code Via}): a web page cannot forge it (CSRF, DNS rebinding), and a local
 *       reverse proxy does not open it to whoever reaches the proxy.</dd>
 * </dl>
 * Any other method on these paths gets 405 with {@code Allow}; an unknown path 404.
 *
 * <p>Under abuse ({@link #LIMITS}): each request runs on a virtual thread, so a slow client holds no
 * platform thread and {@code /healthz} answers while hundreds of connections trickle bytes; a request must
 * arrive, headers and body, within {@code maxReqTime} and a response leave within {@code maxRspTime}; an idle
 * connection (kept alive, or accepted and silent) is closed after {@code idleInterval}; headers are limited in
 * number and bytes; beyond {@code maxConnections} new connections are closed at once. The JDK server reads
 * these once, from system properties, when its first server is made: this class sets each one the operator
 * has not set ({@code -D} in {@code XDPRECON_JAVA_OPTS} overrides it).
 *
 * <p>The hooks are called on a request thread and must not block: the webhook trigger should only wake the
 * daemon's loop (its fetch then runs on the loop's thread).
 */
public final class AdminServer implements AutoCloseable {
    /** The default admin address. */
    public static final InetSocketAddress DEFAULT_ADDRESS = new InetSocketAddress("127.0.0.1", 9477);
    /** Largest webhook body accepted; push events with many commits stay well below. */
    public static final int MAX_WEBHOOK_BODY = 1 << 20;
    /** The signature header, as GitHub, Gitea and Forgejo send it. */
    public static final String SIGNATURE_HEADER = "X-Hub-Signature-256";
    /** How many webhook deliveries are read and checked at once; more wait up to a second, then get 503. */
    public static final int WEBHOOK_CHECKS = 2;
    /** The JDK server's limits (jdk.httpserver module properties) this server runs with unless set otherwise. */
    public static final Map<String, String> LIMITS = limits();

    static {
        LIMITS.forEach((property, value) -> {
            if (System.getProperty(property) == null) {
                System.setProperty(property, value);
            }
        });
    }

    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());
    private static final String SIGNATURE_PREFIX = "sha256=";

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService deferredFetch;
    private final WebhookGate gate;
    private final Semaphore webhookChecks = new Semaphore(WEBHOOK_CHECKS);
    private final RefusalLog refusals = new RefusalLog();
    private final PrometheusTextFormatWriter textFormat = PrometheusTextFormatWriter.create();
    private final Builder b;
    private final boolean loopback;

    private AdminServer(Builder b) throws IOException {
        this.b = b;
        gate = new WebhookGate(b.webhookLimits, b.clock);
        executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("xdprecon-admin-", 1).factory());
        deferredFetch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "xdprecon-webhook-deferred");
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(b.address, 1024); // a reconnect storm must not push a probe's SYN into a retry
        loopback = server.getAddress().getAddress().isLoopbackAddress();
        server.setExecutor(executor);
        context("/metrics", this::metrics);
        context("/healthz", this::healthz);
        context("/readyz", this::readyz);
        context("/status", this::status);
        context("/sessions", this::sessions);
        context("/webhook", this::webhook);
        context("/suspend", ex -> control(ex, b.onSuspend, "suspend"));
        context("/resume", ex -> control(ex, b.onResume, "resume"));
        context("/", AdminServer::notFound);
        server.start();
    }

    /** A builder for a server on {@code address} (port 0 picks a free port; see {@link #address()}). */
    public static Builder builder(InetSocketAddress address) {
        return new Builder(address);
    }

    /** The bound address: the actual port when built with port 0. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops accepting, gives requests in flight up to a second, and stops the pool. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        deferredFetch.shutdownNow();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---- handlers

    private void metrics(HttpExchange ex) throws IOException {
        if (!method(ex, "GET")) {
            return;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        textFormat.write(body, b.registry.scrape());
        ex.getResponseHeaders().set("Content-Type", textFormat.getContentType());
        send(ex, 200, body.toByteArray());
    }

    private void healthz(HttpExchange ex) throws IOException {
        if (!method(ex, "GET")) {
            return;
        }
        Optional<String> problem = unhealthy();
        if (problem.isPresent()) {
            send(ex, 503, problem.get());
        } else {
            send(ex, 200, "ok");
        }
    }

    private void readyz(HttpExchange ex) throws IOException {
        if (!method(ex, "GET")) {
            return;
        }
        Optional<String> problem = unhealthy().or(b.notReady);
        if (problem.isPresent()) {
            send(ex, 503, problem.get());
        } else {
            send(ex, 200, "ready");
        }
    }

    /** Why {@code /healthz} fails, or empty when healthy. */
    Optional<String> unhealthy() {
        if (!b.loopAlive.getAsBoolean()) {
            return Optional.of("reconcile loop is not running");
        }
        Optional<Instant> last = b.status.get().flatMap(DaemonStatus::lastReconcile);
        if (last.isEmpty()) {
            return Optional.of("no reconcile yet");
        }
        Duration age = Duration.between(last.get(), b.clock.instant());
        if (age.compareTo(b.maxReconcileAge) > 0) {
            return Optional.of("last reconcile " + age.toSeconds() + " s ago, more than " + b.maxReconcileAge.toSeconds()
                    + " s");
        }
        return Optional.empty();
    }

    private void status(HttpExchange ex) throws IOException {
        if (!method(ex, "GET")) {
            return;
        }
        Optional<DaemonStatus> s = b.status.get();
        if (s.isEmpty()) {
            send(ex, 503, "daemon starting: no status yet");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 200, StatusJson.write(s.get(), b.clock.instant()).getBytes(StandardCharsets.UTF_8));
    }

    private void sessions(HttpExchange ex) throws IOException {
        if (!method(ex, "GET")) {
            return;
        }
        Optional<List<DpdkLoop.SessionRow>> rows = b.sessions.get();
        if (rows.isEmpty()) {
            send(ex, 404, "no sessions here: this daemon runs no DPDK loop (datapath.mode is not dpdk)");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 200, SessionsJson.write(rows.get()).getBytes(StandardCharsets.UTF_8));
    }

    private void webhook(HttpExchange ex) throws IOException {
        if (!method(ex, "POST")) {
            return;
        }
        if (b.webhookSecret == null) {
            send(ex, 503, "webhook disabled: no secret configured");
            return;
        }
        if (!gate.admits()) {
            refusals.refused(ex, "too many bad signatures");
            closing(ex);
            send(ex, 429, "too many bad signatures lately; retry in a few seconds");
            return;
        }
        boolean checking;
        try {
            checking = webhookChecks.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            checking = false;
        }
        if (!checking) {
            closing(ex);
            send(ex, 503, "busy checking other deliveries; retry in a few seconds");
            return;
        }
        try {
            checkedWebhook(ex);
        } finally {
            webhookChecks.release();
        }
    }

    private void checkedWebhook(HttpExchange ex) throws IOException {
        byte[] body = readLimited(ex, MAX_WEBHOOK_BODY);
        if (body == null) {
            // Read (and drop) what the client is still sending, up to a bound, so it sees the 413 instead of
            // a connection reset mid-upload; past the bound the connection closes.
            discard(ex, 8L * MAX_WEBHOOK_BODY);
            closing(ex);
            send(ex, 413, "body over " + MAX_WEBHOOK_BODY + " bytes");
            return;
        }
        String header = ex.getRequestHeaders().getFirst(SIGNATURE_HEADER);
        if (header == null || !signatureMatches(b.webhookSecret, body, header)) {
            gate.badSignature();
            refusals.refused(ex, header == null ? "no " + SIGNATURE_HEADER + " header" : "bad signature");
            send(ex, 401, header == null ? "missing " + SIGNATURE_HEADER : "bad signature");
            return;
        }
        switch (gate.signed(HexFormat.of().formatHex(sha256(body)))) {
            case WebhookGate.Verdict.Trigger t -> {
                b.onWebhook.run();
                send(ex, 202, "fetch triggered");
            }
            case WebhookGate.Verdict.Defer d -> {
                if (d.schedules()) {
                    deferredFetch.schedule(() -> {
                        gate.deferredFired();
                        b.onWebhook.run();
                    }, d.delay().toMillis(), TimeUnit.MILLISECONDS);
                }
                send(ex, 202, "fetch triggered in " + d.delay().toMillis() + " ms (coalesced with the deliveries"
                        + " before it)");
            }
            case WebhookGate.Verdict.Duplicate dup -> send(ex, 200, "duplicate delivery (body first seen "
                    + dup.first() + "): nothing to do");
        }
    }

    private void control(HttpExchange ex, Runnable hook, String what) throws IOException {
        if (!method(ex, "POST")) {
            return;
        }
        if (!loopback) {
            send(ex, 403, what + " is only served on a loopback admin address");
            return;
        }
        Optional<String> foreign = ControlRequests.foreign(ex.getRequestHeaders());
        if (foreign.isPresent()) {
            refusals.refused(ex, what + ": " + foreign.get());
            send(ex, 403, what + " refused: " + foreign.get());
            return;
        }
        if (!ControlRequests.authorized(ex.getRequestHeaders(), b.controlToken)) {
            refusals.refused(ex, what + ": no or wrong token");
            send(ex, 401, what + " needs 'Authorization: Bearer TOKEN' with the token the daemon wrote"
                    + " (xdprecon " + what + " sends it)");
            return;
        }
        drain(ex);
        hook.run();
        LOG.log(System.Logger.Level.INFO, "reconciling {0} requested over the admin endpoint",
                what.equals("suspend") ? "suspension" : "resumption");
        send(ex, 204, (byte[]) null);
    }

    // ---- signature

    /**
     * Whether {@code header} ({@code sha256=<hex>}) is the HMAC-SHA256 of {@code body} under {@code secret}.
     * The MACs are compared in constant time ({@link MessageDigest#isEqual}), so timing does not reveal how
     * many leading bytes of a forged signature were right.
     */
    public static boolean signatureMatches(byte[] secret, byte[] body, String header) {
        if (header == null || !header.regionMatches(true, 0, SIGNATURE_PREFIX, 0, SIGNATURE_PREFIX.length())) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(SIGNATURE_PREFIX.length()).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(hmacSha256(secret, body), given);
    }

    /** The header value a Git host would send for {@code body}: {@code sha256=} and the lower-case hex MAC. */
    public static String sign(byte[] secret, byte[] body) {
        return SIGNATURE_PREFIX + HexFormat.of().formatHex(hmacSha256(secret, body));
    }

    private static byte[] hmacSha256(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e); // every JDK has it
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e); // every JDK has it
        }
    }

    // ---- plumbing

    private static Map<String, String> limits() {
        Map<String, String> limits = new LinkedHashMap<>();
        limits.put("sun.net.httpserver.maxReqTime", "10"); // seconds for a request's headers and body
        limits.put("sun.net.httpserver.maxRspTime", "10"); // seconds for a response to leave
        limits.put("sun.net.httpserver.idleInterval", "10"); // seconds a connection may sit idle or silent
        limits.put("sun.net.httpserver.clockTick", "1000"); // ms between the checks of idleInterval
        limits.put("sun.net.httpserver.maxReqHeaders", "64");
        limits.put("sun.net.httpserver.maxReqHeaderSize", String.valueOf(16 * 1024)); // bytes, request line included
        limits.put("jdk.httpserver.maxConnections", String.valueOf(maxConnections()));
        return Collections.unmodifiableMap(limits);
    }

    /** 4,096, or half the file descriptors the process may open when that is less (the rest: maps, jars, Git). */
    private static int maxConnections() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return (int) Math.max(16, Math.min(4096, unix.getMaxFileDescriptorCount() / 2));
        }
        return 4096;
    }

    /** Tells the client, and the JDK server, that this connection ends with this response. */
    private static void closing(HttpExchange ex) {
        ex.getResponseHeaders().set("Connection", "close");
    }

    /** Reads the body, or returns null as soon as it exceeds {@code limit} (never buffers more than limit+1). */
    private static byte[] readLimited(HttpExchange ex, int limit) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > limit) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // chunked or odd: the counted read below decides
            }
        }
        // Not closed here when over the limit: the caller discards the rest first (closing would drop it).
        InputStream in = ex.getRequestBody();
        byte[] body = in.readNBytes(limit + 1);
        if (body.length > limit) {
            return null;
        }
        in.close();
        return body;
    }

    private static void discard(HttpExchange ex, long atMost) throws IOException {
        InputStream in = ex.getRequestBody();
        byte[] sink = new byte[64 * 1024];
        long left = atMost;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
            left -= n;
        }
    }

    private static void drain(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.skip(64 * 1024);
        }
    }

    private static boolean method(HttpExchange ex, String allowed) throws IOException {
        if (ex.getRequestMethod().equals(allowed)
                || (allowed.equals("GET") && ex.getRequestMethod().equals("HEAD"))) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", allowed.equals("GET") ? "GET, HEAD" : allowed);
        send(ex, 405, "method " + ex.getRequestMethod() + " not allowed; use " + allowed);
        return false;
    }

    private static void send(HttpExchange ex, int code, String text) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        send(ex, code, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        boolean noBody = body == null || code == 204 || ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    /** Serves exactly {@code path} (the JDK server matches contexts by prefix: {@code /metricsx} is a 404). */
    private void context(String path, Handler h) {
        server.createContext(path, guarded(ex -> {
            if (ex.getRequestURI().getPath().equals(path)) {
                h.handle(ex);
            } else {
                notFound(ex);
            }
        }));
    }

    private static void notFound(HttpExchange ex) throws IOException {
        send(ex, 404, "not found: " + ex.getRequestURI().getPath()
                + " (serving /metrics, /healthz, /readyz, /status, /sessions, /webhook, /suspend, /resume)");
    }

    private static HttpHandler guarded(Handler h) {
        return ex -> {
            try {
                h.handle(ex);
            } catch (IOException e) {
                ex.close(); // the client went away
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "admin request " + ex.getRequestURI() + " failed", e);
                try {
                    send(ex, 500, "internal error: " + e);
                } catch (IOException | RuntimeException ignored) {
                    ex.close();
                }
            }
        };
    }

    /** Configuration of an {@link AdminServer}; every hook defaults to "not available". */
    public static final class Builder {
        private final InetSocketAddress address;
        private PrometheusRegistry registry = new PrometheusRegistry();
        private Supplier<Optional<DaemonStatus>> status = Optional::empty;
        private BooleanSupplier loopAlive = () -> true;
        private Supplier<Optional<List<DpdkLoop.SessionRow>>> sessions = Optional::empty;
        private Supplier<Optional<String>> notReady = () -> Optional.of("readiness not known");
        private Duration maxReconcileAge = Duration.ofMinutes(5);
        private byte[] webhookSecret;
        private Runnable onWebhook = () -> {};
        private Runnable onSuspend = () -> {};
        private Runnable onResume = () -> {};
        private Clock clock = Clock.systemUTC();
        private WebhookGate.Limits webhookLimits = WebhookGate.Limits.DEFAULT;
        private String controlToken;

        private Builder(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
        }

        /** What {@code /metrics} serves, e.g. {@link DaemonMetrics#registry()}. */
        public Builder registry(PrometheusRegistry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        /** The DPDK loop's sessions for {@code /sessions}; empty (a 404) when the daemon runs none. */
        public Builder sessions(Supplier<Optional<List<DpdkLoop.SessionRow>>> sessions) {
            this.sessions = sessions;
            return this;
        }

        /** The latest status for {@code /status} and {@code /healthz}, e.g. {@link DaemonMetrics#status()}. */
        public Builder status(Supplier<Optional<DaemonStatus>> status) {
            this.status = Objects.requireNonNull(status);
            return this;
        }

        /** Why the daemon is not ready, empty when it is: {@code /readyz}, e.g. {@link DaemonMetrics#notReady()}. */
        public Builder notReady(Supplier<Optional<String>> notReady) {
            this.notReady = Objects.requireNonNull(notReady);
            return this;
        }

        /** Whether the daemon's reconcile loop thread is alive; {@code /healthz} fails when not. */
        public Builder loopAlive(BooleanSupplier loopAlive) {
            this.loopAlive = Objects.requireNonNull(loopAlive);
            return this;
        }

        /** {@code /healthz} fails when the last reconcile is older: a few poll intervals (default 5 min). */
        public Builder maxReconcileAge(Duration maxReconcileAge) {
            if (maxReconcileAge.isNegative() || maxReconcileAge.isZero()) {
                throw new IllegalArgumentException("maxReconcileAge must be positive: " + maxReconcileAge);
            }
            this.maxReconcileAge = maxReconcileAge;
            return this;
        }

        /** The shared webhook secret (UTF-8 bytes of the string typed into the Git host); none disables it. */
        public Builder webhookSecret(String secret) {
            return webhookSecret(secret == null ? null : secret.getBytes(StandardCharsets.UTF_8));
        }

        /** The shared webhook secret as bytes; null or empty disables the webhook (503). */
        public Builder webhookSecret(byte[] secret) {
            this.webhookSecret = secret == null || secret.length == 0 ? null : secret.clone();
            return this;
        }

        /** Called on a correctly signed webhook: should wake the loop for an immediate fetch, not block. */
        public Builder onWebhook(Runnable trigger) {
            this.onWebhook = Objects.requireNonNull(trigger);
            return this;
        }

        /** Called on {@code POST /suspend} (loopback and token only). */
        public Builder onSuspend(Runnable suspend) {
            this.onSuspend = Objects.requireNonNull(suspend);
            return this;
        }

        /** Called on {@code POST /resume} (loopback and token only). */
        public Builder onResume(Runnable resume) {
            this.onResume = Objects.requireNonNull(resume);
            return this;
        }

        /** The clock for ages (tests pin it); default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** The webhook's replay, burst and bad-signature rules (tests shorten them). */
        Builder webhookLimits(WebhookGate.Limits limits) {
            this.webhookLimits = Objects.requireNonNull(limits);
            return this;
        }

        /**
         * The bearer token {@code /suspend} and {@code /resume} require (see {@link ControlToken}); without one
         * they are refused (401) to everyone.
         */
        public Builder controlToken(String token) {
            this.controlToken = token;
            return this;
        }

        /** Binds and starts serving. */
        public AdminServer start() throws IOException {
            return new AdminServer(this);
        }
    }
}
