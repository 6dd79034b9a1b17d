package io.xdprecon.daemon;

/** The slow path a revision's datapath mode asks for cannot start; the message says why, for the operator. */
public final class SlowPathException extends RuntimeException {
    public SlowPathException(String message, Throwable cause) {
        super(message, cause);
    }
}
