package io.xdprecon.state;

/** Which leg of a bidirectional flow a rule implements. */
public enum Direction {
    /** Client → listen address, rewritten toward the server, leaving by the egress interface. */
    FORWARD,
    /** Server → egress address, rewritten back toward the client, leaving by the listen interface. */
    REVERSE
}
