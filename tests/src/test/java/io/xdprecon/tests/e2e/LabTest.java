package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lab fixture itself: what it builds, that close() removes all of it, and how a failing command reads. */
class LabTest {

    @Test
    void closeRemovesNamespacesAndPinsAndIsIdempotent() {
        Lab lab = Lab.start();
        List<Path> namespaces;
        Path pinRoot = lab.pinRoot();
        try {
            namespaces = List.of(lab.clientNs(), lab.proxyNs(), lab.serverNs()).stream()
                    .map(ns -> Path.of("/run/netns", ns)).toList();
            assertTrue(namespaces.stream().allMatch(Files::exists), "namespaces " + namespaces);
            assertTrue(lab.clientNs().startsWith("xr-") && lab.clientNs().endsWith("-c"), lab.clientNs());
            assertEquals(Path.of("/sys/fs/bpf/xdprecon-test-" + lab.id()), pinRoot);
            assertTrue(Datapath.isPinned(pinRoot), "maps pinned under " + pinRoot);
            // Interfaces live in their namespaces, not in the root one.
            assertTrue(Lab.ip("-n", lab.proxyNs(), "-o", "link", "show", "dev", "pc").contains("xdp"), "pc runs XDP");
            assertTrue(Lab.inNs(lab.clientNs(), "ethtool", "-k", "c0").contains("tx-checksumming: off"));
            assertTrue(Lab.inNs(lab.serverNs(), "ethtool", "-k", "s0").contains("tx-checksumming: off"));
        } finally {
            lab.close();
        }
        assertTrue(namespaces.stream().noneMatch(Files::exists), "namespaces left: " + namespaces);
        assertFalse(Files.exists(pinRoot), "pin root left: " + pinRoot);
        assertDoesNotThrow(lab::close, "a second close");
    }

    @Test
    void aFailingCommandShowsItselfAndItsStderr() {
        Lab.LabException e = assertThrows(Lab.LabException.class,
                () -> Lab.ip("-n", "xr-no-such-namespace", "link", "show"));
        assertTrue(e.getMessage().contains("ip -n xr-no-such-namespace link show"), e.getMessage());
        assertTrue(e.getMessage().contains("xr-no-such-namespace\""), e.getMessage()); // ip's own error text
    }
}
