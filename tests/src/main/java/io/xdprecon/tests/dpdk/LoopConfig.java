package io.xdprecon.tests.dpdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A config for the DPDK lab ({@link DpdkPair}), as {@link DpdkLoopMain} and {@code xdprecon run} take it: one
 * service, {@code relay}, on dp0's address and {@link #VIP_PORT}, over {@code backends} on {@code backendPort},
 * leaving by dp0 again (hairpin) from egress ports {@code ports}.
 *
 * @param identity         the service's session identity {@code OFFSET:LENGTH}, or {@code -} for none
 * @param icmpEcho         {@code answer} or {@code drop}
 * @param onBackendRemoval {@code drain} or {@code move}
 */
record LoopConfig(List<String> backends, int backendPort, String ports, int idleMillis, String identity, String icmpEcho,
        String onBackendRemoval) {
    static final int VIP_PORT = 3478;

    /** The service over {@code backends} on {@code backendPort}, no identity, echo answered, removed backends drained. */
    static LoopConfig of(List<String> backends, int backendPort, String ports, int idleMillis) {
        return new LoopConfig(backends, backendPort, ports, idleMillis, "-", "answer", "drain");
    }

    String yaml() {
        String[] id = identity.split(":");
        return """
                apiVersion: xdprecon.io/v1
                interfaces:
                  lan: { device: dp0 }
                localIps: [%1$s]
                datapath: { mode: dpdk, icmpEcho: %2$s }
                services:
                  - name: relay
                    listen: { interface: lan, address: %1$s, port: %3$d }
                    backends: [%4$s]
                    egress: { interface: lan, address: %1$s, ports: %5$s }
                    idleTimeout: %6$dms
                    onBackendRemoval: %7$s
                """.formatted(DpdkPair.LOCAL_IP, icmpEcho, VIP_PORT,
                String.join(", ", backends.stream().map(b -> b + ":" + backendPort).toList()), ports, idleMillis,
                onBackendRemoval)
                + (identity.equals("-") ? "" : "    identity: { offset: %s, length: %s }%n".formatted(id[0], id[1]));
    }

    LoopConfig withBackends(List<String> next, String policy) {
        return new LoopConfig(next, backendPort, ports, idleMillis, identity, icmpEcho, policy);
    }

    /** Writes {@link #yaml()} to a new file in {@code dir}; returns it. */
    Path write(Path dir) throws IOException {
        Path file = Files.createTempFile(dir, "loop-", ".yaml");
        Files.writeString(file, yaml());
        return file;
    }
}
