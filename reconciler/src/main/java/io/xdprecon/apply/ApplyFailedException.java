package io.xdprecon.apply;

import java.util.List;

/**
 * An apply that stopped part way. After the failure the node was read again: {@link #landed()} and
 * {@link #notLanded()} list every planned change by what is live now. Running apply again converges.
 */
public final class ApplyFailedException extends RuntimeException {
    private final String step;
    private final List<String> landed;
    private final List<String> notLanded;

    public ApplyFailedException(String step, RuntimeException cause, List<String> landed, List<String> notLanded) {
        super("apply stopped at step '" + step + "': " + cause.getMessage() + "\n" + landed.size() + " planned changes landed, "
                + notLanded.size() + " did not" + (notLanded.isEmpty() ? "" : ":\n  " + String.join("\n  ",
                        notLanded.subList(0, Math.min(20, notLanded.size()))) + (notLanded.size() > 20 ? "\n  …" : ""))
                + "\nRun apply again to converge.", cause);
        this.step = step;
        this.landed = List.copyOf(landed);
        this.notLanded = List.copyOf(notLanded);
    }

    public String step() {
        return step;
    }

    public List<String> landed() {
        return landed;
    }

    public List<String> notLanded() {
        return notLanded;
    }
}
