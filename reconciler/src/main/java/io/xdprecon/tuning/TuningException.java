package io.xdprecon.tuning;

import io.xdprecon.state.TuningSetting;
import java.util.Objects;

/**
 * A tuning setting could not be applied. The message names the setting, the target value, the command (or
 * sysfs write) and what it said on stderr.
 */
public class TuningException extends RuntimeException {
    private final transient TuningSetting setting;
    private final String command;
    private final String detail;

    public TuningException(TuningSetting setting, String command, String detail) {
        this(setting, command, detail, null);
    }

    public TuningException(TuningSetting setting, String command, String detail, Throwable cause) {
        super(setting.id() + " = " + setting.value() + ": `" + command + "`: " + detail, cause);
        this.setting = setting;
        this.command = Objects.requireNonNull(command, "command");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /** The target that was being applied. */
    public TuningSetting setting() {
        return setting;
    }

    /** The command line, or {@code write N to PATH} for sysfs. */
    public String command() {
        return command;
    }

    /** What went wrong, including the command's stderr when there was one. */
    public String detail() {
        return detail;
    }
}
