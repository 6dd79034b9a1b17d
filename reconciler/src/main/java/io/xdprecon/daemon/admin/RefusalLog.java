package io.xdprecon.daemon.admin;

import com.sun.net.httpserver.HttpExchange;
import java.time.Duration;

/**
 * Logs refused admin requests without letting a flood of them flood the log: the first one of each
 * {@link #PERIOD} is logged, the rest are counted and the count goes with the next one logged.
 */
final class RefusalLog {
    static final Duration PERIOD = Duration.ofSeconds(10);
    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());

    private long nextLog = System.nanoTime();
    private long unlogged;

    /** {@code why} must not quote the request: it is written to the log as it is. */
    synchronized void refused(HttpExchange ex, String why) {
        long now = System.nanoTime();
        if (now - nextLog < 0) {
            unlogged++;
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "admin request to " + ex.getHttpContext().getPath() + " from " + ex.getRemoteAddress() + " refused: " + why
                + (unlogged > 0 ? " (" + unlogged + " more refused since the last of these lines)" : ""));
        unlogged = 0;
        nextLog = now + PERIOD.toNanos();
    }
}
