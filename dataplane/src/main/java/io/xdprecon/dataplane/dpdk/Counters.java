package io.xdprecon.dataplane.dpdk;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ObjLongConsumer;

/**
 * Counters named by the constants of an enum, counted by one thread (an increment is an array store, no
 * allocation) and read by others as an immutable {@link Values} copy. The enum is the only list of what is
 * counted: each constant says what it counts and how the daemon shows it ({@link Name#shown()}), so metrics,
 * {@code /sessions} and logs walk the constants instead of repeating them.
 *
 * @param <E> the enum that names the counters
 */
public final class Counters<E extends Enum<E> & Counters.Name> {

    /** What a counter is called and where it shows; implemented by the enums that name counters. */
    public interface Name {
        /** The constant's name (an enum provides it). */
        String name();

        /** How the daemon exports it, and what it counts. */
        Shown shown();

        /** One line on what is counted: the metric's help text. */
        default String help() {
            return shown().help();
        }

        /** The name in JSON, logs and test output: the constant's name in lower case, e.g. {@code ttl_expired}. */
        default String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a counter is exported, with one line on what it counts. */
    public sealed interface Shown {
        String help();

        /**
         * One fate of a packet the DPDK slow path received (every packet is counted in exactly one fate): a series
         * of {@code xdprecon_slow_path_packets_total{reason}}.
         */
        record Fate(String reason, String help) implements Shown {}

        /** A counter metric of its own, {@code name} without the {@code _total} suffix. */
        record Metric(String name, String help) implements Shown {}

        /** Only in {@code /sessions} and logs (a detail, or a sum of fates counted elsewhere). */
        record Detail(String help) implements Shown {}
    }

    public static Shown fate(String reason, String help) {
        return new Shown.Fate(reason, help);
    }

    public static Shown metric(String name, String help) {
        return new Shown.Metric(name, help);
    }

    public static Shown detail(String help) {
        return new Shown.Detail(help);
    }

    private final Class<E> names;
    private final long[] values;

    private Counters(Class<E> names) {
        this.names = names;
        this.values = new long[names.getEnumConstants().length];
    }

    /** All counters of {@code names} at zero. */
    public static <E extends Enum<E> & Name> Counters<E> of(Class<E> names) {
        return new Counters<>(names);
    }

    public void increment(E counter) {
        values[counter.ordinal()]++;
    }

    public void add(E counter, long n) {
        values[counter.ordinal()] += n;
    }

    public long get(E counter) {
        return values[counter.ordinal()];
    }

    /** A copy of the counters now (a racy read from another thread sees each counter at some recent value). */
    public Values<E> values() {
        return new Values<>(names, values.clone());
    }

    /** An immutable copy of counters named by {@code E}. */
    public static final class Values<E extends Enum<E> & Name> {
        private final Class<E> names;
        private final long[] values;

        private Values(Class<E> names, long[] values) {
            this.names = names;
            this.values = values;
        }

        /** Every counter of {@code names} at zero. */
        public static <E extends Enum<E> & Name> Values<E> zero(Class<E> names) {
            return new Values<>(names, new long[names.getEnumConstants().length]);
        }

        public Class<E> names() {
            return names;
        }

        public long get(E counter) {
            return values[counter.ordinal()];
        }

        /** These and {@code other}'s, added: several loops' counters as one. */
        public Values<E> plus(Values<E> other) {
            long[] sum = values.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += other.values[i];
            }
            return new Values<>(names, sum);
        }

        /** Each counter with its value, in the enum's order. */
        public void forEach(ObjLongConsumer<E> action) {
            for (E counter : EnumSet.allOf(names)) {
                action.accept(counter, values[counter.ordinal()]);
            }
        }

        /** Key → value in the enum's order, e.g. for JSON. */
        public Map<String, Long> byKey() {
            Map<String, Long> map = new LinkedHashMap<>();
            forEach((counter, value) -> map.put(counter.key(), value));
            return map;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Values<?> v && v.names == names && Arrays.equals(v.values, values);
        }

        @Override
        public int hashCode() {
            return Objects.hash(names, Arrays.hashCode(values));
        }

        /** {@code key=value} pairs separated by spaces, in the enum's order. */
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            forEach((counter, value) -> s.append(s.isEmpty() ? "" : " ").append(counter.key()).append('=').append(value));
            return s.toString();
        }
    }
}
