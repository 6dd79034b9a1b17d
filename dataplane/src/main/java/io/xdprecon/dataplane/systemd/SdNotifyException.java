package io.xdprecon.dataplane.systemd;

/** {@code sd_notify} failed: the message could not be delivered to {@code NOTIFY_SOCKET}. */
public final class SdNotifyException extends RuntimeException {
    private final String state;
    private final int errno;

    public SdNotifyException(String state, int errno) {
        super("sd_notify(\"" + state.replace("\n", "\\n") + "\") failed: " + Errno.name(errno));
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

    /** Names of the errnos sd_notify can plausibly return; others print as a number. */
    static final class Errno {
        private Errno() {}

        static String name(int errno) {
            String name = switch (errno) {
                case 1 -> "EPERM";
                case 2 -> "ENOENT";
                case 11 -> "EAGAIN";
                case 12 -> "ENOMEM";
                case 13 -> "EACCES";
                case 22 -> "EINVAL";
                case 90 -> "EMSGSIZE";
                case 91 -> "EPROTOTYPE";
                case 97 -> "EAFNOSUPPORT";
                case 105 -> "ENOBUFS";
                case 111 -> "ECONNREFUSED";
                default -> null;
            };
            return name == null ? "errno " + errno : name + " (errno " + errno + ")";
        }
    }
}
