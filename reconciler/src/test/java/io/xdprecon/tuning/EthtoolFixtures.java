package io.xdprecon.tuning;

/**
 * {@code ethtool} outputs the parsers must read. The veth ones were captured on this project's build host
 * (ethtool 6.1, kernel 6.18); the NIC ones follow the layouts ethtool prints for those drivers (channel
 * blocks; indirection table "%5u: " + " %5u"; key on one line).
 */
final class EthtoolFixtures {
    private EthtoolFixtures() {}

    /** {@code ip link add xa numrxqueues 4 numtxqueues 4 type veth peer …}; {@code ethtool -l xa}. Captured. */
    static final String VETH_L_4 = """
            Channel parameters for xa:
            Pre-set maximums:
            RX:\t\t4
            TX:\t\t4
            Other:\t\tn/a
            Combined:\tn/a
            Current hardware settings:
            RX:\t\t4
            TX:\t\t4
            Other:\t\tn/a
            Combined:\tn/a
            """;

    /** The same veth after {@code ethtool -L xa rx 2 tx 2}. Captured. */
    static final String VETH_L_2 = """
            Channel parameters for xa:
            Pre-set maximums:
            RX:\t\t4
            TX:\t\t4
            Other:\t\tn/a
            Combined:\tn/a
            Current hardware settings:
            RX:\t\t2
            TX:\t\t2
            Other:\t\tn/a
            Combined:\tn/a
            """;

    /** A veth created without queue options on a 2-CPU host: 1 of 2 queues. Captured. */
    static final String VETH_L_DEFAULT = """
            Channel parameters for xc:
            Pre-set maximums:
            RX:\t\t2
            TX:\t\t2
            Other:\t\tn/a
            Combined:\tn/a
            Current hardware settings:
            RX:\t\t1
            TX:\t\t1
            Other:\t\tn/a
            Combined:\tn/a
            """;

    /** {@code ethtool -x xa} on a veth: exit 1 with this on stderr. Captured. */
    static final String VETH_X_STDERR = "Cannot get RX ring count: Operation not supported";

    /** {@code ethtool -l lo}: exit 1 with this on stderr. Captured. */
    static final String LO_L_STDERR = "netlink error: Operation not supported";

    /** {@code ethtool -l nosuch}: exit 1 with this on stderr. Captured. */
    static final String NO_DEVICE_L_STDERR = "netlink error: no device matches name (offset 24)\nnetlink error: No such device";

    /** {@code ethtool -x nosuch}: exit 1 with this on stderr. Captured. */
    static final String NO_DEVICE_X_STDERR = "Cannot get RX ring count: No such device";

    /** {@code ethtool -L xa rx 5} on the 4-queue veth: exit 1. Captured. */
    static final String VETH_L_OVER_MAX_STDERR =
            "netlink error: requested channel count exceeds maximum (offset 32)\nnetlink error: Invalid argument";

    /** ixgbe (82599): 63 combined channels, 8 in use, one "Other" (the misc vector). */
    static final String IXGBE_L = """
            Channel parameters for enp3s0f0:
            Pre-set maximums:
            RX:\t\tn/a
            TX:\t\tn/a
            Other:\t\t1
            Combined:\t63
            Current hardware settings:
            RX:\t\tn/a
            TX:\t\tn/a
            Other:\t\t1
            Combined:\t8
            """;

    /** i40e (XL710) as old ethtool (&lt; 5.x, ioctl) printed it: zeros rather than n/a. */
    static final String I40E_L_OLD_ETHTOOL = """
            Channel parameters for ens1f0:
            Pre-set maximums:
            RX:\t\t0
            TX:\t\t0
            Other:\t\t1
            Combined:\t48
            Current hardware settings:
            RX:\t\t0
            TX:\t\t0
            Other:\t\t1
            Combined:\t24
            """;

    /** mlx5 (ConnectX-5/6). */
    static final String MLX5_L = """
            Channel parameters for ens2f0np0:
            Pre-set maximums:
            RX:\t\tn/a
            TX:\t\tn/a
            Other:\t\tn/a
            Combined:\t63
            Current hardware settings:
            RX:\t\tn/a
            TX:\t\tn/a
            Other:\t\tn/a
            Combined:\t16
            """;

    /** A driver (bnxt-style) reporting a combined maximum while running separate RX/TX rings. */
    static final String SEPARATE_RINGS_WITH_COMBINED_MAX_L = """
            Channel parameters for eno1:
            Pre-set maximums:
            RX:\t\t9
            TX:\t\t9
            Other:\t\tn/a
            Combined:\t9
            Current hardware settings:
            RX:\t\t4
            TX:\t\t4
            Other:\t\tn/a
            Combined:\tn/a
            """;

    /** The 40-byte Microsoft default Toeplitz key many drivers start with. */
    static final String DEFAULT_40 =
            "6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa";

    /** A random 52-byte key as i40e/ice report it. */
    static final String RANDOM_52 =
            "84:50:f4:00:a8:15:d1:a7:e9:7f:1d:60:35:c7:47:25:42:97:74:ca:56:bb:b6:a1:d8:43:e3:c9:0c:fd:17:55:c2:3a:4d:69:ed:f1:42:89:"
                    + "1a:2b:3c:4d:5e:6f:70:81:92:a3:b4:c5";

    /** ixgbe: 128-entry table over 8 rings, 40-byte key, Toeplitz (ethtool 6.1 layout). */
    static final String IXGBE_X = table("enp3s0f0", 128, 8) + """
            RSS hash key:
            %s
            RSS hash function:
                toeplitz: on
                xor: off
                crc32: off
            """.formatted(DEFAULT_40);

    /** i40e: 512-entry table over 24 rings, 52-byte key. */
    static final String I40E_X = table("ens1f0", 512, 24) + """
            RSS hash key:
            %s
            RSS hash function:
                toeplitz: on
                xor: off
                crc32: off
            """.formatted(RANDOM_52);

    /** mlx5 after {@code ethtool -X … hkey 6d:5a:…}, newer ethtool that also prints the input transformation. */
    static final String MLX5_X_SYMMETRIC = table("ens2f0np0", 128, 16) + """
            RSS hash key:
            6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a
            RSS hash function:
                toeplitz: on
                xor: off
                crc32: off
            RSS input transformation:
                symmetric-xor: off
            """;

    /** A driver with an indirection table but no key (ethtool's ioctl path prints this). */
    static final String NO_KEY_X = table("eth1", 8, 2) + """
            RSS hash key:
            Operation not supported
            RSS hash function:
                toeplitz: on
            """;

    /** What ethtool prints for the indirection table: {@code "%5u: "} per 8 entries, then {@code " %5u"} each. */
    static String table(String dev, int size, int rings) {
        StringBuilder out = new StringBuilder("RX flow hash indirection table for " + dev + " with " + rings + " RX ring(s):\n");
        for (int i = 0; i < size; i++) {
            if (i % 8 == 0) {
                out.append(String.format("%5d: ", i));
            }
            out.append(String.format(" %5d", i % rings));
            if (i % 8 == 7 || i == size - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }
}
