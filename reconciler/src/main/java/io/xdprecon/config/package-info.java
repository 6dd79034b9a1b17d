/**
 * The config: a versioned YAML document, or a directory of them (see {@code schema/flows.schema.json} and
 * {@code examples/}), read by {@link io.xdprecon.config.ConfigLoader} into a {@link io.xdprecon.config.Config}
 * — streamed: YAML events ({@link io.xdprecon.config.YamlEvents}) straight to packed flows
 * ({@link io.xdprecon.config.FlowTable}) — from which
 * {@link io.xdprecon.config.Config#forNode} derives the {@link io.xdprecon.state.DesiredState} of one node.
 * Every problem is a {@link io.xdprecon.config.ConfigError} at {@code file:line:col}; all of a file's
 * problems are reported at once, and loading writes nothing.
 *
 * <p>May import: {@code dataplane.bpf}, {@code dataplane.dpdk}, {@code dataplane.ffm}, {@code dataplane.maps},
 * {@code dataplane.netns}, {@code host}, {@code state}, {@code text}.
 */
package io.xdprecon.config;
