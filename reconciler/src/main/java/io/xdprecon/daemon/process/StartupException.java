package io.xdprecon.daemon.process;

/** The daemon process cannot start; the message is one line naming the cause, for the operator. */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }
}
