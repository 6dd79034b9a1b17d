package io.xdprecon.dataplane.systemd;

import io.xdprecon.dataplane.ffm.Errno;

/** {@code sd_notify} failed: the message could not be delivered to {@code NOTIFY_SOCKET}. */
public final class SdNotifyException extends RuntimeException {
    private final String state;
    private final int errno;

    public SdNotifyException(String state, int errno) {
        super("sd_notify(\"" + state.replace("\n", "\\n") + "\") failed: " + Errno.explain(errno));
        this.state = state;
        this.errno = errno;
    }

    /** The message that was not delivered, e.g. {@code READY=1\nSTATUS=...}. */
    public String state() {
        return state;
    }

    /** The positive errno sd_notify returned (negated). */
    public int errno() {
        return errno;
    }
}
