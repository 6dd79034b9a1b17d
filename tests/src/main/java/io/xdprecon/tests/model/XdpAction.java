package io.xdprecon.tests.model;

/** The verdict of an XDP program, with the kernel's numeric codes ({@code enum xdp_action}). */
public enum XdpAction {
    ABORTED(0),
    DROP(1),
    PASS(2),
    TX(3),
    REDIRECT(4);

    private final int code;

    XdpAction(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static XdpAction ofCode(int code) {
        for (XdpAction action : values()) {
            if (action.code == code) {
                return action;
            }
        }
        throw new IllegalArgumentException("not an XDP action code: " + code);
    }
}
