package io.xdprecon.state;

import java.util.HexFormat;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One host setting xdprecon manages, with its value. Desired and live settings of the same
 * {@link #id()} are compared by the planner; {@link #disruptive()} ones need an explicit flag to apply.
 */
public sealed interface TuningSetting {
    /** Identity: equal for the desired and the live value of the same knob. */
    String id();

    /** The value as a person reads it. */
    String value();

    /** Whether changing it interrupts traffic (e.g. a NIC queue change resets the device). */
    boolean disruptive();

    /** Persistent huge pages of one size, system-wide or on one NUMA node. */
    record Hugepages(int pageSizeKb, OptionalInt numaNode, int count) implements TuningSetting {
        public Hugepages {
            if (pageSizeKb <= 0 || count < 0) {
                throw new IllegalArgumentException("hugepages: page size and count must be positive");
            }
            Objects.requireNonNull(numaNode, "numaNode");
        }

        @Override
        public String id() {
            return "hugepages " + pageSizeKb + "kB" + (numaNode.isPresent() ? " node" + numaNode.getAsInt() : "");
        }

        @Override
        public String value() {
            return Integer.toString(count);
        }

        @Override
        public boolean disruptive() {
            return false;
        }
    }

    /** Combined (or RX) channel count of an interface, by kernel name. */
    record QueueCount(String iface, int queues) implements TuningSetting {
        public QueueCount {
            Objects.requireNonNull(iface, "iface");
            if (queues < 1) {
                throw new IllegalArgumentException("queue count must be at least 1: " + queues);
            }
        }

        @Override
        public String id() {
            return "queues " + iface;
        }

        @Override
        public String value() {
            return Integer.toString(queues);
        }

        @Override
        public boolean disruptive() {
            return true;
        }
    }

    /** RSS hash key of an interface; a repeating 0x6d5a key makes the Toeplitz hash symmetric. */
    record RssKey(String iface, byte[] key) implements TuningSetting {
        public RssKey {
            Objects.requireNonNull(iface, "iface");
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public String id() {
            return "rss-key " + iface;
        }

        @Override
        public String value() {
            return HexFormat.ofDelimiter(":").formatHex(key);
        }

        @Override
        public boolean disruptive() {
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RssKey other && iface.equals(other.iface) && java.util.Arrays.equals(key, other.key);
        }

        @Override
        public int hashCode() {
            return iface.hashCode() * 31 + java.util.Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "RssKey[" + iface + " " + value() + "]";
        }
    }
}
