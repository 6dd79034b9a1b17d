package io.xdprecon.tuning;

import java.util.Objects;

/**
 * Why the live value of one setting could not be read: the plan shows it instead of a value.
 *
 * @param id     the setting's {@link io.xdprecon.state.TuningSetting#id()}
 * @param kind   what kind of reason
 * @param detail the reason in words, with the command and its stderr when one ran
 */
public record TuningProblem(String id, Kind kind, String detail) {
    public TuningProblem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    public enum Kind {
        /** This node cannot have the setting: no such huge page size or NUMA node, a driver without channel or RSS key support. */
        UNSUPPORTED,
        /** No interface of that name in the calling thread's network namespace. */
        NO_SUCH_DEVICE,
        /** Anything else: a command failed, timed out or printed what could not be parsed. */
        FAILED
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case UNSUPPORTED -> "unsupported on this node";
            case NO_SUCH_DEVICE -> "no such device";
            case FAILED -> "cannot read";
        };
        return id + ": " + what + ": " + detail;
    }
}
