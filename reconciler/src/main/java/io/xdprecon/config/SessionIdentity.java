package io.xdprecon.config;

/**
 * Where a service's protocol carries the identity of a session: {@code length} bytes (big-endian, at most
 * 8, so an identity is one {@code long}) at {@code offset} in the UDP payload — an RTP SSRC (offset 8,
 * length 4), a QUIC-style connection id. With it, a first packet from a new client address whose identity
 * belongs to a live session is that session after a NAT rebinding, and moves it; without it a new
 * address is a new session. The identity is trusted as it arrives: use one the path cannot forge or guess.
 */
public record SessionIdentity(int offset, int length) {
    public static final int MAX_LENGTH = 8;
    /** The largest UDP payload of an unfragmented IPv4 packet on a 1500-byte MTU. */
    public static final int MAX_END = 1472;

    public SessionIdentity {
        if (offset < 0 || length < 1 || length > MAX_LENGTH || offset + length > MAX_END) {
            throw new IllegalArgumentException("not a session identity of 1.." + MAX_LENGTH + " bytes within the first "
                    + MAX_END + " payload bytes: offset " + offset + ", length " + length);
        }
    }

    /** The first payload byte after the identity: a shorter payload carries none. */
    public int end() {
        return offset + length;
    }
}
