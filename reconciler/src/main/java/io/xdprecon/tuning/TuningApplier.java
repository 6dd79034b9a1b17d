package io.xdprecon.tuning;

import io.xdprecon.state.TuningSetting;
import io.xdprecon.tuning.Host.CommandFailedException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Sets tuning values on this node and checks each by reading it back:
 * <ul>
 *   <li>huge pages: writes the count to sysfs ({@link HugepageFiles}); the kernel may keep fewer pages than
 *       asked, which is a {@link HugepagesShortfallException}, never silent, after the previous count is written
 *       back (the plan weighs the count against the node's memory first);
 *   <li>queue count: {@code ethtool -L DEV combined N}, or {@code rx N tx min(N, TX max)} for devices with
 *       separate channels (veth). <b>Disruptive</b>: most NIC drivers reset the device and drop traffic;
 *       gating it behind an explicit flag is the caller's job ({@link TuningSetting#disruptive()});
 *   <li>RSS key: {@code ethtool -X DEV hkey XX:XX:…}; the key must have the device's key length.
 * </ul>
 * A value already live is left alone (no command runs). Interfaces are kernel names in the calling thread's
 * network namespace. Commands run with a 20 s timeout ({@code Command.run}).
 */
public final class TuningApplier {
    private final Host host;

    /** An applier for this node. */
    public TuningApplier() {
        this(Host.SYSTEM);
    }

    TuningApplier(Host host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    /**
     * Makes {@code target} the live value.
     *
     * @throws HugepagesShortfallException when the kernel keeps another huge page count than asked
     * @throws TuningException             when the setting is unsupported here, out of the device's range, a
     *                                     command fails or the value read back differs; names the setting, the
     *                                     command and its stderr
     */
    public void apply(TuningSetting target) {
        switch (target) {
            case TuningSetting.Hugepages h -> hugepages(h);
            case TuningSetting.QueueCount q -> queueCount(q);
            case TuningSetting.RssKey r -> rssKey(r);
        }
    }

    private void hugepages(TuningSetting.Hugepages target) {
        Path file = HugepageFiles.countFile(target);
        String command = "write " + target.count() + " to " + file;
        int previous;
        try {
            previous = HugepageFiles.parseCount(host.read(file), file);
        } catch (NoSuchFileException e) {
            throw new TuningException(target, command, unsupported(target, file), e);
        } catch (IOException | IllegalArgumentException e) {
            throw new TuningException(target, command, "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (previous == target.count()) {
            return;
        }
        try {
            host.write(file, Integer.toString(target.count()));
        } catch (IOException e) {
            throw new TuningException(target, command, "write failed: " + e.getMessage(), e);
        }
        int got;
        try {
            got = HugepageFiles.parseCount(host.read(file), file);
        } catch (IOException | IllegalArgumentException e) {
            throw new TuningException(target, command, "written, but cannot read back " + file + ": " + e.getMessage(), e);
        }
        if (got != target.count()) {
            throw new HugepagesShortfallException(target, command, target.count(), got, previous, putBack(file, previous));
        }
    }

    /** Writes the count from before a shortfall back and says what the kernel holds then. */
    private String putBack(Path file, int previous) {
        try {
            host.write(file, Integer.toString(previous));
            int now = HugepageFiles.parseCount(host.read(file), file);
            return now == previous ? "put back to " + previous : "put back to " + previous + ", but the kernel holds " + now;
        } catch (IOException | IllegalArgumentException e) {
            return "could not be put back to " + previous + ": " + e.getMessage();
        }
    }

    private String unsupported(TuningSetting.Hugepages target, Path file) {
        try {
            return HugepageFiles.unsupportedReason(host, target, file);
        } catch (IOException e) {
            return file + " does not exist";
        }
    }

    private void queueCount(TuningSetting.QueueCount target) {
        EthtoolChannels channels = query(target, "-l", EthtoolChannels::parse);
        OptionalInt current = channels.queueCount();
        if (current.isPresent() && current.getAsInt() == target.queues()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("ethtool", "-L", target.iface()));
        command.addAll(channels.setArguments(target.queues()));
        if (channels.maxQueues() == 0) {
            throw new TuningException(target, Host.commandLine(command), "`ethtool -l " + target.iface()
                    + "` reports no Combined or RX channel maximum: the driver cannot change its queue count");
        }
        if (target.queues() > channels.maxQueues()) {
            throw new TuningException(target, Host.commandLine(command), "the device supports at most "
                    + channels.maxQueues() + (channels.combinedMode() ? " combined" : " RX") + " channels");
        }
        run(target, command);
        OptionalInt now = query(target, "-l", EthtoolChannels::parse).queueCount();
        if (now.isEmpty() || now.getAsInt() != target.queues()) {
            throw new TuningException(target, Host.commandLine(command), "succeeded, but `ethtool -l " + target.iface()
                    + "` now reports " + (now.isEmpty() ? "no count" : Integer.toString(now.getAsInt())));
        }
    }

    private void rssKey(TuningSetting.RssKey target) {
        byte[] wanted = target.key();
        List<String> command = List.of("ethtool", "-X", target.iface(), "hkey", EthtoolRss.format(wanted));
        Optional<byte[]> current = query(target, "-x", EthtoolRss::parseKey);
        if (current.isEmpty()) {
            throw new TuningException(target, Host.commandLine(command), "the driver of " + target.iface() + " reports no RSS hash key");
        }
        if (Arrays.equals(current.get(), wanted)) {
            return;
        }
        if (current.get().length != wanted.length) {
            throw new TuningException(target, Host.commandLine(command), "the device's key is " + current.get().length
                    + " bytes, this one " + wanted.length);
        }
        run(target, command);
        Optional<byte[]> now = query(target, "-x", EthtoolRss::parseKey);
        if (now.isEmpty() || !Arrays.equals(now.get(), wanted)) {
            throw new TuningException(target, Host.commandLine(command), "succeeded, but `ethtool -x " + target.iface()
                    + "` now reports " + now.map(EthtoolRss::format).orElse("no key"));
        }
    }

    /** Runs {@code ethtool OPTION DEV} for the interface of {@code target} and parses it; failures name the target. */
    private <T> T query(TuningSetting target, String option, Function<String, T> parser) {
        String iface = switch (target) {
            case TuningSetting.QueueCount q -> q.iface();
            case TuningSetting.RssKey r -> r.iface();
            case TuningSetting.Hugepages h -> throw new IllegalArgumentException("no interface: " + h);
        };
        List<String> command = List.of("ethtool", option, iface);
        String output = run(target, command);
        try {
            return parser.apply(output);
        } catch (IllegalArgumentException e) {
            throw new TuningException(target, Host.commandLine(command), "cannot parse its output: " + e.getMessage(), e);
        }
    }

    private String run(TuningSetting target, List<String> command) {
        try {
            return host.run(command);
        } catch (CommandFailedException e) {
            throw new TuningException(target, Host.commandLine(command), e.reason(), e);
        }
    }
}
