package io.xdprecon.apply;

import java.util.List;

/**
 * An apply that stopped part way. After the failure the node was read again and every planned change sorted by what
 * is live now: {@link #landed()} and {@link #notLanded()} count them, {@link #firstNotLanded()} names the first
 * {@value #LISTED} that did not land, as the message shows them. Running apply again converges.
 *
 * <p>Counts, not a list of every change: an edit of every one of 262,144 flows plans 786,432 rule changes, and a
 * String apiece did not fit the unit's heap beside the plan (issue 9).
 */
public final class ApplyFailedException extends RuntimeException {
    /** How many changes that did not land are named. */
    public static final int LISTED = 20;

    private final String step;
    private final int landed;
    private final int notLanded;
    private final List<String> firstNotLanded;

    /**
     * @param firstNotLanded the first changes that did not land, as text: at most {@value #LISTED} are kept
     */
    public ApplyFailedException(String step, RuntimeException cause, int landed, int notLanded,
            List<String> firstNotLanded) {
        super(message(step, cause, landed, notLanded, firstNotLanded), cause);
        this.step = step;
        this.landed = landed;
        this.notLanded = notLanded;
        this.firstNotLanded = List.copyOf(firstNotLanded.subList(0, Math.min(LISTED, firstNotLanded.size())));
    }

    private static String message(String step, RuntimeException cause, int landed, int notLanded, List<String> listed) {
        List<String> shown = listed.subList(0, Math.min(LISTED, listed.size()));
        return "apply stopped at step '" + step + "': " + cause.getMessage() + "\n" + landed + " planned changes landed, "
                + notLanded + " did not" + (shown.isEmpty() ? "" : ":\n  " + String.join("\n  ", shown)
                        + (notLanded > shown.size() ? "\n  …" : ""))
                + "\nRun apply again to converge.";
    }

    public String step() {
        return step;
    }

    /** How many planned changes the node holds after the failure. */
    public int landed() {
        return landed;
    }

    /** How many planned changes the node does not hold after the failure. */
    public int notLanded() {
        return notLanded;
    }

    /** The first {@value #LISTED} changes that did not land (all of them when fewer), in plan order, as text. */
    public List<String> firstNotLanded() {
        return firstNotLanded;
    }
}
