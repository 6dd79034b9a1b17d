package io.xdprecon.tuning;

import io.xdprecon.state.TuningSetting;

/**
 * The kernel kept a different huge page count than the one written, usually fewer because not enough
 * contiguous free memory was found ("asked 512, got 300"). The applier then writes the count from before
 * back ({@link #restored()}: what the kernel holds after that), so that a shortfall leaves the node as it was
 * instead of holding memory for a pool that cannot serve what the config asks.
 */
public final class HugepagesShortfallException extends TuningException {
    private final int asked;
    private final int got;
    private final int previous;
    private final String restored;

    /** @param restored what putting {@code previous} back did, in words ("put back to 0", "could not be put back: …") */
    public HugepagesShortfallException(TuningSetting.Hugepages setting, String command, int asked, int got, int previous,
            String restored) {
        super(setting, command, "asked " + asked + ", got " + got + " (was " + previous + ")"
                + (got < asked ? ": not enough free contiguous memory for more pages of " + setting.pageSizeKb() + " kB" : "")
                + "; " + restored);
        this.asked = asked;
        this.got = got;
        this.previous = previous;
        this.restored = restored;
    }

    public int asked() {
        return asked;
    }

    public int got() {
        return got;
    }

    public int previous() {
        return previous;
    }

    /** What putting the previous count back did. */
    public String restored() {
        return restored;
    }
}
