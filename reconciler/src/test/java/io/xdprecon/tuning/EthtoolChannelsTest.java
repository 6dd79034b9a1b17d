package io.xdprecon.tuning;

import static io.xdprecon.tuning.EthtoolFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class EthtoolChannelsTest {

    @Test
    void vethHasSeparateRxTxChannels() {
        EthtoolChannels four = EthtoolChannels.parse(VETH_L_4);
        assertEquals(new EthtoolChannels.Counts(4, 4, 0, 0), four.max());
        assertEquals(new EthtoolChannels.Counts(4, 4, 0, 0), four.current());
        assertFalse(four.combinedMode());
        assertEquals(OptionalInt.of(4), four.queueCount());
        assertEquals(4, four.maxQueues());
        assertEquals(List.of("rx", "2", "tx", "2"), four.setArguments(2));

        EthtoolChannels two = EthtoolChannels.parse(VETH_L_2);
        assertEquals(OptionalInt.of(2), two.queueCount());
        assertEquals(4, two.maxQueues());

        EthtoolChannels plain = EthtoolChannels.parse(VETH_L_DEFAULT);
        assertEquals(OptionalInt.of(1), plain.queueCount());
        assertEquals(2, plain.maxQueues());
    }

    @Test
    void nicsWithCombinedChannelsUseTheCombinedCount() {
        EthtoolChannels ixgbe = EthtoolChannels.parse(IXGBE_L);
        assertTrue(ixgbe.combinedMode());
        assertEquals(new EthtoolChannels.Counts(0, 0, 1, 63), ixgbe.max());
        assertEquals(OptionalInt.of(8), ixgbe.queueCount());
        assertEquals(63, ixgbe.maxQueues());
        assertEquals(List.of("combined", "4"), ixgbe.setArguments(4));

        EthtoolChannels mlx5 = EthtoolChannels.parse(MLX5_L);
        assertTrue(mlx5.combinedMode());
        assertEquals(OptionalInt.of(16), mlx5.queueCount());
        assertEquals(List.of("combined", "32"), mlx5.setArguments(32));
    }

    @Test
    void oldEthtoolPrintsZerosInsteadOfNa() {
        EthtoolChannels i40e = EthtoolChannels.parse(I40E_L_OLD_ETHTOOL);
        assertTrue(i40e.combinedMode());
        assertEquals(OptionalInt.of(24), i40e.queueCount());
        assertEquals(48, i40e.maxQueues());
    }

    @Test
    void aDeviceRunningSeparateRingsIsDrivenInThatMode() {
        EthtoolChannels bnxt = EthtoolChannels.parse(SEPARATE_RINGS_WITH_COMBINED_MAX_L);
        assertFalse(bnxt.combinedMode(), "current RX/TX > 0 and Combined n/a");
        assertEquals(OptionalInt.of(4), bnxt.queueCount());
        assertEquals(List.of("rx", "6", "tx", "6"), bnxt.setArguments(6));
    }

    @Test
    void txIsCappedAtItsMaximumAndLeftOutWithoutOne() {
        EthtoolChannels moreRx = EthtoolChannels.parse(VETH_L_4.replaceFirst("TX:\\t\\t4", "TX:\t\t2"));
        assertEquals(new EthtoolChannels.Counts(4, 2, 0, 0), moreRx.max());
        assertEquals(List.of("rx", "4", "tx", "2"), moreRx.setArguments(4));
        EthtoolChannels rxOnly = EthtoolChannels.parse(VETH_L_4.replace("TX:\t\t4", "TX:\t\tn/a"));
        assertEquals(List.of("rx", "3"), rxOnly.setArguments(3));
    }

    @Test
    void toleratesCrLfSpacesUnknownLinesAndCase() {
        String odd = """
                Channel parameters for x:
                Pre-set maximums:
                RX:    n/a
                tx: N/A
                Other: 1
                Combined: 12
                Some-future-field: yes
                Current hardware settings:
                RX:    n/a
                TX: n/a
                Other: 1
                COMBINED:   3
                """.replace("\n", "\r\n");
        EthtoolChannels c = EthtoolChannels.parse(odd);
        assertEquals(new EthtoolChannels.Counts(0, 0, 1, 12), c.max());
        assertEquals(OptionalInt.of(3), c.queueCount());
    }

    @Test
    void noCountAtAllIsEmptyNotZero() {
        EthtoolChannels none = EthtoolChannels.parse(
                VETH_L_4.replace("Current hardware settings:\nRX:\t\t4\nTX:\t\t4", "Current hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a"));
        assertEquals(new EthtoolChannels.Counts(0, 0, 0, 0), none.current());
        assertEquals(OptionalInt.empty(), none.queueCount());
    }

    @Test
    void rejectsWhatIsNotChannelOutput() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> EthtoolChannels.parse("netlink error: Operation not supported\n"));
        assertTrue(missing.getMessage().contains("Pre-set maximums"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EthtoolChannels.parse(""));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> EthtoolChannels.parse(IXGBE_L.replace("Combined:\t8", "Combined:\teight")));
        assertTrue(bad.getMessage().contains("Combined:\teight"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EthtoolChannels.parse(IXGBE_L.replace("Combined:\t8", "Combined:\t-1")));
        assertThrows(IllegalArgumentException.class, () -> EthtoolChannels.parse(
                IXGBE_L.replace("Current hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\t1\nCombined:\t8\n", "Current hardware settings:\n")));
    }
}
