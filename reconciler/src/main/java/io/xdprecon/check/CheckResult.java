package io.xdprecon.check;

import java.util.Optional;

/**
 * One line of {@code xdprecon check}: what was checked, how it stands, what was found, and what to do when it
 * is not {@link Status#OK}.
 */
public record CheckResult(String name, Status status, String detail, Optional<String> fix) {
    public enum Status { OK, WARN, FAIL }

    static CheckResult ok(String name, String detail) {
        return new CheckResult(name, Status.OK, detail, Optional.empty());
    }

    static CheckResult warn(String name, String detail, String fix) {
        return new CheckResult(name, Status.WARN, detail, Optional.of(fix));
    }

    static CheckResult fail(String name, String detail, String fix) {
        return new CheckResult(name, Status.FAIL, detail, Optional.of(fix));
    }
}
