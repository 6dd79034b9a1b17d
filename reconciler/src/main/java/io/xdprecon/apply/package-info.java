/**
 * Writes a {@link io.xdprecon.plan.Plan} to the node, make before break: refusals (mass delete, disruptive tuning,
 * a saved plan whose node moved) before the first write, then a migration of the maps when the plan has one, adds and changes, then deletes; a step that fails
 * stops the apply, and the node is read again to report what landed.
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.layout}, {@code dataplane.maps}, {@code live},
 * {@code plan}, {@code state}.
 */
package io.xdprecon.apply;
