package io.xdprecon.dataplane.dpdk;

/** A DPDK call that failed; the message names the call, its subject and DPDK's text for the error. */
public final class DpdkException extends RuntimeException {
    private final int errno;

    public DpdkException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The positive error number (an errno value or one of DPDK's {@code E_RTE_*}), 0 when none applies. */
    public int errno() {
        return errno;
    }

    /** Throws when {@code rc} (a DPDK {@code -errno} return) is negative. */
    static int check(int rc, String what) {
        if (rc < 0) {
            throw new DpdkException(what + " failed: " + Rte.strerror(-rc) + " (" + -rc + ")", -rc);
        }
        return rc;
    }
}
