package io.xdprecon.dataplane.maps;

/** A bulk map write that stopped part way: how many elements landed before the failure, of how many. */
public final class BulkWriteException extends RuntimeException {
    private final int landed;
    private final int total;

    public BulkWriteException(String operation, int landed, int total, RuntimeException cause) {
        super(operation + ": stopped after " + landed + " of " + total + ": " + cause.getMessage(), cause);
        this.landed = landed;
        this.total = total;
    }

    public int landed() {
        return landed;
    }

    public int total() {
        return total;
    }
}
