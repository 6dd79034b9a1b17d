package io.xdprecon.dataplane.maps;

/**
 * Who wrote a rule: mirrors {@code enum rule_owner}. Ownership lives in the map entry itself.
 *
 * <p>{@link #UNKNOWN} is what a rule whose owner code this build does not know reads as (0 from an all-zero
 * value, a later build's code, a corrupted entry): nobody's, so a plan removes or replaces it, and never a code
 * this build writes. {@link FlowRule#ownerCode()} keeps the code read.
 */
public enum Owner {
    CONFIG(1),
    SESSION(2),
    UNKNOWN(-1);

    private final int code;

    Owner(int code) {
        this.code = code;
    }

    /** The code in the map; -1 for {@link #UNKNOWN}, which has none of its own. */
    public int code() {
        return code;
    }

    /** The owner of a rule read with {@code code}: {@link #UNKNOWN} for any code but 1 and 2. */
    public static Owner ofCode(int code) {
        return switch (code) {
            case 1 -> CONFIG;
            case 2 -> SESSION;
            default -> UNKNOWN;
        };
    }
}
