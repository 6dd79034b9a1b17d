package io.xdprecon.tests.model;

import io.xdprecon.tests.packets.Mac;

import java.util.Objects;

/**
 * The answer of a FIB lookup. Egress ifindex and MACs mean something only on {@link FibCode#SUCCESS};
 * the datapath ignores them otherwise, so {@link #failure} leaves them zero.
 */
public record FibResult(FibCode code, int egressIfindex, Mac srcMac, Mac dstMac) {
    public FibResult {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(srcMac, "srcMac");
        Objects.requireNonNull(dstMac, "dstMac");
        if (code == FibCode.SUCCESS && egressIfindex <= 0) {
            throw new IllegalArgumentException("a successful lookup names an egress interface: " + egressIfindex);
        }
    }

    public static FibResult success(int egressIfindex, Mac srcMac, Mac dstMac) {
        return new FibResult(FibCode.SUCCESS, egressIfindex, srcMac, dstMac);
    }

    public static FibResult failure(FibCode code) {
        if (code == FibCode.SUCCESS) {
            throw new IllegalArgumentException("SUCCESS is not a failure");
        }
        return new FibResult(code, 0, Mac.ZERO, Mac.ZERO);
    }

    @Override
    public String toString() {
        return code == FibCode.SUCCESS ? "SUCCESS via if" + egressIfindex + " " + srcMac + " > " + dstMac : code.name();
    }
}
