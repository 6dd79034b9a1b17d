package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} on a config in {@code datapath.mode: dpdk} with a pin root DPDK's PMD cannot use: the daemon reads
 * the source once, and its slow path stops it at the first reconcile with a one-line error, before any write —
 * with {@code --once} and as a daemon alike. No privileges needed: nothing is written and no DPDK starts.
 */
class RunDpdkPinRootTest {
    @TempDir
    Path dir;

    Path config() throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, """
                apiVersion: xdprecon.io/v1
                interfaces:
                  lan: { device: lo }
                localIps: [192.0.2.1]
                datapath: { mode: dpdk }
                services:
                  - name: relay
                    listen: { interface: lan, address: 192.0.2.1, port: 3478 }
                    backends: [192.0.2.2:7000]
                    egress: { interface: lan, address: 192.0.2.1, ports: 40000-40099 }
                """);
        return config;
    }

    String expected() {
        return "xdprecon run: datapath.mode dpdk: DPDK's PMD pins the maps under /sys/fs/bpf (libbpf's default), so"
                + " --pin-root " + dir.resolve("pins") + " cannot be used\n";
    }

    @Test
    void onceStopsWithTheReasonBeforeAnyWrite() throws Exception {
        Main.Captured r = Main.capture("run", "--source", "file:" + config(), "--node", "edge-1", "--admin", "off",
                "--pin-root", dir.resolve("pins").toString(), "--once");
        assertEquals(1, r.exit(), r.err());
        assertEquals(expected(), r.err());
        assertTrue(Files.notExists(dir.resolve("pins")), "nothing pinned, nothing written");
    }

    @Test
    void theDaemonStopsPromptlyWithTheReason() throws Exception {
        Path config = config();
        CompletableFuture<Main.Captured> run = CompletableFuture.supplyAsync(() -> Main.capture("run", "--source",
                "file:" + config, "--node", "edge-1", "--admin", "off", "--pin-root", dir.resolve("pins").toString(),
                "--interval", "1h"));
        Main.Captured r = run.get(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS);
        assertEquals(1, r.exit(), r.err());
        assertEquals(expected(), r.err());
    }
}
