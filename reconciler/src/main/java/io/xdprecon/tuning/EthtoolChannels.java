package io.xdprecon.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The output of {@code ethtool -l DEV}: channel maximums and current counts ("n/a", and 0 from old
 * ethtool versions, both read as 0).
 *
 * <pre>
 * Channel parameters for xa:
 * Pre-set maximums:
 * RX:		4
 * TX:		4
 * Other:		n/a
 * Combined:	n/a
 * Current hardware settings:
 * RX:		2
 * ...
 * </pre>
 *
 * The queue count of a device is its Combined count when it works in combined mode (a combined maximum
 * above 0, and a combined count, or no separate RX/TX count), else its RX count.
 */
record EthtoolChannels(Counts max, Counts current) {

    /** One block of channel counts; 0 for "n/a". */
    record Counts(int rx, int tx, int other, int combined) {}

    /** Parses ethtool's text; unknown lines are ignored, a missing block or an unreadable number is an error. */
    static EthtoolChannels parse(String output) {
        int[] max = null;
        int[] current = null;
        int[] block = null;
        for (String raw : output.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("pre-set maximums")) {
                block = max = new int[] {-1, -1, -1, -1};
                continue;
            }
            if (lower.startsWith("current hardware settings")) {
                block = current = new int[] {-1, -1, -1, -1};
                continue;
            }
            int colon = line.indexOf(':');
            if (block == null || colon < 0) {
                continue;
            }
            int slot = switch (lower.substring(0, colon).strip()) {
                case "rx" -> 0;
                case "tx" -> 1;
                case "other" -> 2;
                case "combined" -> 3;
                default -> -1;
            };
            if (slot < 0) {
                continue;
            }
            block[slot] = count(line.substring(colon + 1).strip(), line);
        }
        if (max == null || current == null) {
            throw new IllegalArgumentException("no \"Pre-set maximums\" and \"Current hardware settings\" blocks in: "
                    + abbreviate(output));
        }
        return new EthtoolChannels(counts(max), counts(current));
    }

    private static int count(String value, String line) {
        if (value.equalsIgnoreCase("n/a")) {
            return 0;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unreadable channel count in \"" + line + "\"");
        }
    }

    private static Counts counts(int[] c) {
        if (c[0] < 0 && c[3] < 0) {
            throw new IllegalArgumentException("a channel block without RX or Combined line");
        }
        return new Counts(Math.max(c[0], 0), Math.max(c[1], 0), Math.max(c[2], 0), Math.max(c[3], 0));
    }

    /** Whether the device's queues are combined RX/TX channels (ixgbe, i40e, mlx5, virtio) rather than separate ones (veth). */
    boolean combinedMode() {
        return max.combined() > 0 && (current.combined() > 0 || (current.rx() == 0 && current.tx() == 0));
    }

    /** The current queue count; empty when the device reports none. */
    OptionalInt queueCount() {
        int n = combinedMode() ? current.combined() : current.rx();
        return n > 0 ? OptionalInt.of(n) : OptionalInt.empty();
    }

    /** The largest queue count the device accepts in its current mode. */
    int maxQueues() {
        return combinedMode() ? max.combined() : max.rx();
    }

    /**
     * The {@code ethtool -L DEV} arguments that set the queue count to {@code queues} in the current mode:
     * {@code combined N}, or {@code rx N tx M} with M = min(N, TX maximum) (no {@code tx} when there is no
     * TX maximum).
     */
    List<String> setArguments(int queues) {
        List<String> args = new ArrayList<>();
        if (combinedMode()) {
            args.add("combined");
            args.add(Integer.toString(queues));
        } else {
            args.add("rx");
            args.add(Integer.toString(queues));
            if (max.tx() > 0) {
                args.add("tx");
                args.add(Integer.toString(Math.min(queues, max.tx())));
            }
        }
        return args;
    }

    static String abbreviate(String text) {
        String flat = text.strip().replaceAll("\\s+", " ");
        return flat.isEmpty() ? "(nothing)" : flat.length() <= 200 ? flat : flat.substring(0, 200) + "…";
    }
}
