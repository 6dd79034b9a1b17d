package io.xdprecon.tuning;

import io.xdprecon.state.TuningSetting;

/**
 * The kernel kept a different huge page count than the one written, usually fewer because not enough
 * contiguous free memory was found ("asked 512, got 300"). The pages it did allocate stay allocated:
 * {@link #got()} is the live count now, {@link #previous()} the count before the write, so a caller can put
 * it back.
 */
public final class HugepagesShortfallException extends TuningException {
    private final int asked;
    private final int got;
    private final int previous;

    public HugepagesShortfallException(TuningSetting.Hugepages setting, String command, int asked, int got, int previous) {
        super(setting, command, "asked " + asked + ", got " + got + " (was " + previous + ")"
                + (got < asked ? ": not enough free contiguous memory for more pages of " + setting.pageSizeKb() + " kB" : ""));
        this.asked = asked;
        this.got = got;
        this.previous = previous;
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
}
