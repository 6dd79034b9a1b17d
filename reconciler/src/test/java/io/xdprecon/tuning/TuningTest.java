package io.xdprecon.tuning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TuningTest {

    @Test
    void symmetricKeyRepeats6d5a() {
        byte[] key = Tuning.symmetricKey(40);
        assertEquals(40, key.length);
        assertEquals("6d5a".repeat(20), HexFormat.of().formatHex(key));
        assertEquals("6d5a".repeat(26), HexFormat.of().formatHex(Tuning.symmetricKey(52)));
        assertArrayEquals(new byte[] {0x6d, 0x5a, 0x6d}, Tuning.symmetricKey(3));
        assertNotSame(Tuning.symmetricKey(4), Tuning.symmetricKey(4), "a fresh array each call");
        assertThrows(IllegalArgumentException.class, () -> Tuning.symmetricKey(0));
        assertThrows(IllegalArgumentException.class, () -> Tuning.symmetricKey(-1));
    }

    @Test
    void isSymmetricKey() {
        assertTrue(Tuning.isSymmetricKey(Tuning.symmetricKey(40)));
        byte[] almost = Tuning.symmetricKey(40);
        almost[39] = 0x5b;
        assertFalse(Tuning.isSymmetricKey(almost));
        assertFalse(Tuning.isSymmetricKey(new byte[0]));
        assertFalse(Tuning.isSymmetricKey(HexFormat.ofDelimiter(":").parseHex(EthtoolFixtures.DEFAULT_40)));
    }

    /**
     * The property the key exists for: with a 0x6d5a key the Toeplitz hash of an IPv4/UDP 4-tuple equals
     * that of the reversed tuple; with the default key it does not.
     */
    @Test
    void theSymmetricKeyMakesToeplitzSymmetric() {
        byte[] forward = tuple(0x0a000001, 0x0a000102, 5060, 40000);
        byte[] reverse = tuple(0x0a000102, 0x0a000001, 40000, 5060);
        byte[] symmetric = Tuning.symmetricKey(40);
        assertEquals(toeplitz(symmetric, forward), toeplitz(symmetric, reverse));
        byte[] standard = HexFormat.ofDelimiter(":").parseHex(EthtoolFixtures.DEFAULT_40);
        assertTrue(toeplitz(standard, forward) != toeplitz(standard, reverse), "default key is not symmetric");
        // The verification suite in Microsoft's RSS spec: 66.9.149.187:2794 → 161.142.100.80:1766 = 0x51ccc178.
        assertEquals(0x51ccc178, toeplitz(standard, tuple(0x420995bb, 0xa18e6450, 2794, 1766)));
    }

    private static byte[] tuple(int src, int dst, int sport, int dport) {
        return java.nio.ByteBuffer.allocate(12).putInt(src).putInt(dst).putShort((short) sport).putShort((short) dport).array();
    }

    private static int toeplitz(byte[] key, byte[] input) {
        int result = 0;
        for (int bit = 0; bit < input.length * 8; bit++) {
            if ((input[bit / 8] >> (7 - bit % 8) & 1) != 0) {
                int window = 0;
                for (int k = 0; k < 32; k++) {
                    int kb = bit + k;
                    window = window << 1 | (key[kb / 8] >> (7 - kb % 8) & 1);
                }
                result ^= window;
            }
        }
        return result;
    }
}
