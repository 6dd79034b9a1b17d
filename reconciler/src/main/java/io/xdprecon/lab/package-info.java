/**
 * The namespaced lab the tests, benchmarks and demo share: client, proxy and server namespaces joined by veths,
 * static neighbours, a pin root of its own (never the real {@code /sys/fs/bpf}), and the lab's config documents;
 * everything it creates it removes, even after a failure.
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.netns}, {@code host}.
 */
package io.xdprecon.lab;
