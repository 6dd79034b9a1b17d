package io.xdprecon.tuning;

/**
 * Shared tuning values, for the config model and the tuning code alike.
 */
public final class Tuning {
    /** Key length of most NICs (ixgbe, mlx5, virtio); i40e/ice use 52. */
    public static final int COMMON_RSS_KEY_LENGTH = 40;

    private static final byte SYM_0 = 0x6d;
    private static final byte SYM_1 = 0x5a;

    private Tuning() {}

    /**
     * The RSS hash key {@code 6d:5a:6d:5a:…} of {@code length} bytes. With a key whose 16-bit halves repeat,
     * the Toeplitz hash of (src, dst, sport, dport) equals that of (dst, src, dport, sport), so both
     * directions of a flow land on the same RX queue (symmetric RSS). An odd length ends with 0x6d.
     *
     * @throws IllegalArgumentException when {@code length} is not positive
     */
    public static byte[] symmetricKey(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("RSS key length must be positive: " + length);
        }
        byte[] key = new byte[length];
        for (int i = 0; i < length; i++) {
            key[i] = (i & 1) == 0 ? SYM_0 : SYM_1;
        }
        return key;
    }

    /** Whether {@code key} is a non-empty {@link #symmetricKey(int)}. */
    public static boolean isSymmetricKey(byte[] key) {
        if (key.length == 0) {
            return false;
        }
        for (int i = 0; i < key.length; i++) {
            if (key[i] != ((i & 1) == 0 ? SYM_0 : SYM_1)) {
                return false;
            }
        }
        return true;
    }
}
