package io.xdprecon.tests.traffic;

import io.xdprecon.lab.Lab;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An interface's kernel counters as {@code ip -s -j link} reports them, read inside its namespace. */
public final class LinkCounters {
    private static final Pattern RX_PACKETS = Pattern.compile("\"rx\":\\{[^}]*\"packets\":(\\d+)");

    private LinkCounters() {}

    /**
     * Frames {@code dev} in namespace {@code ns} received. A veth counts every frame its XDP program saw here,
     * whatever the verdict, so an {@code xdp_drop} sink still counts what reached it.
     */
    public static long rxPackets(String ns, String dev) {
        String json = Lab.ip("-n", ns, "-s", "-j", "link", "show", "dev", dev);
        Matcher m = RX_PACKETS.matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no rx packets for " + dev + " in " + ns + ": " + json);
        }
        return Long.parseLong(m.group(1));
    }
}
