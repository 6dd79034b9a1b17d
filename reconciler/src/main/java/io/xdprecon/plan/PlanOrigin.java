package io.xdprecon.plan;

import java.util.Objects;

/**
 * Where a saved plan was made ({@code "origin"} in its file): on which host, and whether against that host's
 * live maps or {@code --offline} (no node read: a full create plan). Apply refuses an offline plan and another
 * node's plan with that reason, before its check of the live state.
 *
 * @param host    the name of the host that ran {@code plan --out}
 * @param offline made with {@code plan --offline}
 */
public record PlanOrigin(String host, boolean offline) {
    public PlanOrigin {
        Objects.requireNonNull(host, "host");
    }
}
