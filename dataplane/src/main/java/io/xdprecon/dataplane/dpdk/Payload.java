package io.xdprecon.dataplane.dpdk;

/**
 * The UDP payload of the datagram being routed, read in place: what a router may look into (a session
 * identity) without copying the packet. Valid only during the call that received it.
 */
public interface Payload {
    /** A payload of no bytes, for callers that have none. */
    Payload EMPTY = new Payload() {
        @Override
        public int length() {
            return 0;
        }

        @Override
        public int byteAt(int offset) {
            throw new IndexOutOfBoundsException(offset);
        }
    };

    int length();

    /** The unsigned byte at {@code offset}, 0 ≤ offset < {@link #length()}. */
    int byteAt(int offset);

    /** {@code length} (≤ 8) bytes from {@code offset} as a big-endian number; the caller checks the bounds. */
    default long bigEndian(int offset, int length) {
        long v = 0;
        for (int i = 0; i < length; i++) {
            v = v << 8 | byteAt(offset + i);
        }
        return v;
    }
}
