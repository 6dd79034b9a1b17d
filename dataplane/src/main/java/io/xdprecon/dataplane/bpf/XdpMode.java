package io.xdprecon.dataplane.bpf;

/** How an XDP program hooks a device: the {@code XDP_FLAGS_*_MODE} bits and the kernel's report codes. */
public enum XdpMode {
    /** Let the kernel choose: native when the driver supports it, else generic. */
    AUTO(0, 0),
    /** Generic (skb) mode: any device, slower. */
    GENERIC(1 << 1, 2),
    /** Native driver mode. */
    NATIVE(1 << 2, 1),
    /** Offloaded to the NIC. */
    OFFLOAD(1 << 3, 3);

    final int flag;
    private final int attachedCode;

    XdpMode(int flag, int attachedCode) {
        this.flag = flag;
        this.attachedCode = attachedCode;
    }

    static XdpMode ofAttached(int code) {
        for (XdpMode mode : values()) {
            if (mode != AUTO && mode.attachedCode == code) {
                return mode;
            }
        }
        return AUTO;
    }
}
