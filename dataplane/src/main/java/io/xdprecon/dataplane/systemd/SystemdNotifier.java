package io.xdprecon.dataplane.systemd;

/**
 * The messages a {@code Type=notify} service sends its manager (see {@code sd_notify(3)}). {@link SdNotify}
 * sends them through libsystemd; tests substitute a recording fake.
 *
 * <p>Every method returns {@code true} when the message was sent and {@code false} when the process is
 * not supervised ({@code NOTIFY_SOCKET} unset): then it is a cheap no-op.
 */
public interface SystemdNotifier {
    /** {@code READY=1} and {@code STATUS=status} in one datagram: start-up (or a reload) has finished. */
    boolean ready(String status);

    /** {@code STATUS=status}: one line shown by {@code systemctl status}. */
    boolean status(String status);

    /** {@code RELOADING=1} with {@code MONOTONIC_USEC=now}: a reload started; {@link #ready} ends it. */
    boolean reloading();

    /** {@code STOPPING=1}: shutting down. */
    boolean stopping();

    /** {@code WATCHDOG=1}: still alive. */
    boolean watchdog();

    /** A notifier that sends nothing, for processes that never run under systemd. */
    SystemdNotifier NONE = new SystemdNotifier() {
        @Override
        public boolean ready(String status) {
            return false;
        }

        @Override
        public boolean status(String status) {
            return false;
        }

        @Override
        public boolean reloading() {
            return false;
        }

        @Override
        public boolean stopping() {
            return false;
        }

        @Override
        public boolean watchdog() {
            return false;
        }
    };
}
