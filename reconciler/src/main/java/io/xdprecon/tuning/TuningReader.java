package io.xdprecon.tuning;

import io.xdprecon.state.TuningSetting;
import io.xdprecon.tuning.Host.CommandFailedException;
import io.xdprecon.tuning.TuningProblem.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the live value of tuning settings: huge page counts from sysfs, queue counts from
 * {@code ethtool -l DEV}, RSS keys from {@code ethtool -x DEV}. Interfaces are kernel names in the calling
 * thread's network namespace (see the package comment: call it inside {@code NetNs.call(ns, …)} for a lab).
 *
 * <p>One {@link #read} is one snapshot: each interface is asked once per kind, whatever number of settings
 * name it. A setting this node cannot report is left out of the result and explained in {@link #problems()}.
 * Not thread-safe: {@link #problems()} belongs to the last {@link #read} on this instance; instances are
 * cheap, use one per snapshot when reading from several threads.
 */
public final class TuningReader {
    private final Host host;
    private List<TuningProblem> problems = List.of();

    /** A reader of this node. */
    public TuningReader() {
        this(Host.SYSTEM);
    }

    TuningReader(Host host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    /**
     * For each desired setting (the first of each {@link TuningSetting#id()}), its live value, in the order
     * of {@code desired}; settings that cannot be read are absent, and {@link #problems()} says why.
     * Never throws for a setting it cannot read.
     */
    public List<TuningSetting> read(List<TuningSetting> desired) {
        Map<String, TuningSetting> byId = new LinkedHashMap<>();
        for (TuningSetting setting : desired) {
            byId.putIfAbsent(setting.id(), setting);
        }
        Map<String, Result<EthtoolChannels>> channels = new HashMap<>();
        Map<String, Result<Optional<byte[]>>> rss = new HashMap<>();
        List<TuningSetting> live = new ArrayList<>();
        List<TuningProblem> found = new ArrayList<>();
        for (TuningSetting setting : byId.values()) {
            Result<TuningSetting> result = switch (setting) {
                case TuningSetting.Hugepages h -> hugepages(h);
                case TuningSetting.QueueCount q ->
                        queueCount(q, channels.computeIfAbsent(q.iface(), iface -> ethtool(iface, "-l", EthtoolChannels::parse)));
                case TuningSetting.RssKey r ->
                        rssKey(r, rss.computeIfAbsent(r.iface(), iface -> ethtool(iface, "-x", EthtoolRss::parseKey)));
            };
            if (result.value() != null) {
                live.add(result.value());
            } else {
                found.add(new TuningProblem(setting.id(), result.kind(), result.detail()));
            }
        }
        problems = List.copyOf(found);
        return List.copyOf(live);
    }

    /** Why settings of the last {@link #read} are missing from its result, in the order of the desired list. */
    public List<TuningProblem> problems() {
        return problems;
    }

    /** The problem of setting {@code id} in the last {@link #read}, if it had one. */
    public Optional<TuningProblem> problem(String id) {
        return problems.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    private Result<TuningSetting> hugepages(TuningSetting.Hugepages h) {
        try {
            OptionalInt count = HugepageFiles.read(host, h);
            if (count.isEmpty()) {
                return Result.problem(Kind.UNSUPPORTED, HugepageFiles.unsupportedReason(host, h, HugepageFiles.countFile(h)));
            }
            return Result.of(new TuningSetting.Hugepages(h.pageSizeKb(), h.numaNode(), count.getAsInt()));
        } catch (IOException | RuntimeException e) {
            return Result.problem(Kind.FAILED, "cannot read " + HugepageFiles.countFile(h) + ": " + e.getMessage());
        }
    }

    private static Result<TuningSetting> queueCount(TuningSetting.QueueCount q, Result<EthtoolChannels> channels) {
        if (channels.value() == null) {
            return channels.asProblem();
        }
        OptionalInt count = channels.value().queueCount();
        if (count.isEmpty()) {
            return Result.problem(Kind.UNSUPPORTED, "`ethtool -l " + q.iface() + "` reports neither a Combined nor an RX channel count");
        }
        return Result.of(new TuningSetting.QueueCount(q.iface(), count.getAsInt()));
    }

    private static Result<TuningSetting> rssKey(TuningSetting.RssKey r, Result<Optional<byte[]>> key) {
        if (key.value() == null) {
            return key.asProblem();
        }
        return key.value()
                .<Result<TuningSetting>>map(bytes -> Result.of(new TuningSetting.RssKey(r.iface(), bytes)))
                .orElseGet(() -> Result.problem(Kind.UNSUPPORTED, "the driver of " + r.iface() + " reports no RSS hash key"));
    }

    private <T> Result<T> ethtool(String iface, String option, java.util.function.Function<String, T> parser) {
        List<String> command = List.of("ethtool", option, iface);
        String output;
        try {
            output = host.run(command);
        } catch (CommandFailedException e) {
            return Result.problem(classify(e.getMessage()), e.getMessage());
        }
        try {
            return Result.of(parser.apply(output));
        } catch (IllegalArgumentException e) {
            return Result.problem(Kind.FAILED, "cannot parse the output of `" + Host.commandLine(command) + "`: " + e.getMessage());
        }
    }

    /** From ethtool's stderr (strerror texts: ethtool does not localise them). */
    static Kind classify(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("no such device") || m.contains("no device matches name")) {
            return Kind.NO_SUCH_DEVICE;
        }
        if (m.contains("operation not supported") || m.contains("not supported")) {
            return Kind.UNSUPPORTED;
        }
        return Kind.FAILED;
    }

    /** A value, or the kind and reason it could not be had. */
    private record Result<T>(T value, Kind kind, String detail) {
        static <T> Result<T> of(T value) {
            return new Result<>(value, null, null);
        }

        static <T> Result<T> problem(Kind kind, String detail) {
            return new Result<>(null, kind, detail);
        }

        <U> Result<U> asProblem() {
            return new Result<>(null, kind, detail);
        }
    }
}
