/**
 * The plan: a typed value of what one reconciliation would add, change and delete, computed by
 * {@link io.xdprecon.plan.Planner#plan} as a pure function of the desired and the live state.
 *
 * <p>A {@link io.xdprecon.plan.Plan} is printed ({@link io.xdprecon.plan.PlanRenderer}), saved and
 * loaded ({@link io.xdprecon.plan.PlanJson}, {@link io.xdprecon.plan.PlanFile}) and applied by the
 * applier, which first checks with {@link io.xdprecon.plan.Plan#matches} that the live facts the plan
 * was computed against (its {@link io.xdprecon.plan.Fingerprint}) have not moved since.
 *
 * <p>Only {@link io.xdprecon.plan.PlanFile} does I/O.
 *
 * <p>May import: {@code dataplane.bpf}, {@code dataplane.maps}, {@code state}, {@code text}.
 */
package io.xdprecon.plan;
