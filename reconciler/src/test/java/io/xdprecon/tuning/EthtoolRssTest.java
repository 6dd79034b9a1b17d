package io.xdprecon.tuning;

import static io.xdprecon.tuning.EthtoolFixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EthtoolRssTest {
    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");

    @Test
    void readsTheKeyAfterTheIndirectionTable() {
        byte[] ixgbe = EthtoolRss.parseKey(IXGBE_X).orElseThrow();
        assertEquals(40, ixgbe.length);
        assertArrayEquals(COLONS.parseHex(DEFAULT_40), ixgbe);
        assertEquals((byte) 0xfa, ixgbe[39]);

        byte[] i40e = EthtoolRss.parseKey(I40E_X).orElseThrow();
        assertEquals(52, i40e.length);
        assertArrayEquals(COLONS.parseHex(RANDOM_52), i40e);
    }

    @Test
    void readsASymmetricKeyFromNewerEthtool() {
        byte[] mlx5 = EthtoolRss.parseKey(MLX5_X_SYMMETRIC).orElseThrow();
        assertArrayEquals(Tuning.symmetricKey(40), mlx5);
        assertTrue(Tuning.isSymmetricKey(mlx5));
    }

    @Test
    void aDriverWithoutKeyIsEmpty() {
        assertEquals(Optional.empty(), EthtoolRss.parseKey(NO_KEY_X));
        assertEquals(Optional.empty(), EthtoolRss.parseKey("RSS hash key:\nRSS hash function:\n    toeplitz: on\n"));
        assertEquals(Optional.empty(), EthtoolRss.parseKey("RSS hash key:\n"));
    }

    @Test
    void aWrappedKeyIsJoined() {
        String wrapped = "RSS hash key:\n" + DEFAULT_40.substring(0, 60) + "\n" + DEFAULT_40.substring(60) + "\nRSS hash function:\n";
        assertArrayEquals(COLONS.parseHex(DEFAULT_40), EthtoolRss.parseKey(wrapped).orElseThrow());
    }

    @Test
    void formatsWhatEthtoolXTakes() {
        assertEquals("6d:5a:6d:5a", EthtoolRss.format(Tuning.symmetricKey(4)));
        assertEquals(DEFAULT_40, EthtoolRss.format(COLONS.parseHex(DEFAULT_40)));
    }

    @Test
    void rejectsOutputWithoutAKeySection() {
        assertThrows(IllegalArgumentException.class, () -> EthtoolRss.parseKey(VETH_X_STDERR));
        assertThrows(IllegalArgumentException.class, () -> EthtoolRss.parseKey(""));
        IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
                () -> EthtoolRss.parseKey("RSS hash key:\nzz:zz\n"));
        assertTrue(garbage.getMessage().contains("zz:zz"), garbage.getMessage());
    }
}
