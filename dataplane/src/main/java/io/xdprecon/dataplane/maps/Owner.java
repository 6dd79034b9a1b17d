package io.xdprecon.dataplane.maps;

/** Who wrote a rule: mirrors {@code enum rule_owner}. Ownership lives in the map entry itself. */
public enum Owner {
    CONFIG(1),
    SESSION(2);

    private final int code;

    Owner(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Owner ofCode(int code) {
        return switch (code) {
            case 1 -> CONFIG;
            case 2 -> SESSION;
            default -> throw new IllegalArgumentException("unknown rule owner code " + code);
        };
    }
}
