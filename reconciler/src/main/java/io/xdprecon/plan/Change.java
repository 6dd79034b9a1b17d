package io.xdprecon.plan;

/**
 * One resource a plan creates, changes or destroys. The set is closed so that every consumer (renderer,
 * JSON, applier) handles each kind of resource, and the compiler says so when one is added.
 */
public sealed interface Change permits FlowChange, Flow6Change, LocalIpChange, LocalIp6Change, TuningChange, DatapathChange {

    /** What happens to the resource. */
    Kind kind();

    /** What happens to a resource (or to one rule of a flow). */
    enum Kind {
        /** Created: nothing lives there yet. */
        ADD("+"),
        /** Updated in place. */
        CHANGE("~"),
        /** Removed. */
        DELETE("-"),
        /**
         * A session-owned rule that a config rule claims: overwritten in place and from then on
         * config-owned. Counted as a change.
         */
        REPLACE("-/+");

        private final String symbol;

        Kind(String symbol) {
            this.symbol = symbol;
        }

        /** The terraform-like marker in the text plan. */
        public String symbol() {
            return symbol;
        }
    }
}
