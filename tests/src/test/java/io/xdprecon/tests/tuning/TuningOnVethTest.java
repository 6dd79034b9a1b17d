package io.xdprecon.tests.tuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.state.TuningSetting;
import io.xdprecon.state.TuningSetting.QueueCount;
import io.xdprecon.state.TuningSetting.RssKey;
import io.xdprecon.tuning.Tuning;
import io.xdprecon.tuning.TuningApplier;
import io.xdprecon.tuning.TuningException;
import io.xdprecon.tuning.TuningProblem;
import io.xdprecon.tuning.TuningReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queue count and RSS key on a real veth pair created with 4 RX/TX queues, in a namespace {@code xr-ID-t}
 * this test creates and always deletes; nothing in the root namespace is touched. The reader and applier
 * run inside the namespace through {@link NetNs#call}: the ethtool they start inherits it.
 */
class TuningOnVethTest {
    private static final String DEV = "xr-t0";
    private static final String PEER = "xr-t1";

    private String ns;

    @BeforeEach
    void createNamespaceWithAFourQueueVeth() {
        ns = Lab.NS_PREFIX + Lab.newId() + "-t";
        Lab.ip("netns", "add", ns);
        try {
            Lab.ip("-n", ns, "link", "add", DEV, "numrxqueues", "4", "numtxqueues", "4", "type", "veth",
                    "peer", "name", PEER, "numrxqueues", "4", "numtxqueues", "4");
            Lab.ip("-n", ns, "link", "set", DEV, "up");
            Lab.ip("-n", ns, "link", "set", PEER, "up");
        } catch (RuntimeException e) {
            deleteNamespace();
            throw e;
        }
    }

    @AfterEach
    void deleteNamespace() {
        if (ns != null && Files.exists(Path.of("/run/netns", ns))) {
            Lab.ip("netns", "delete", ns);
        }
        assertFalse(Files.exists(Path.of("/run/netns", ns)), "namespace left behind: " + ns);
    }

    /**
     * The claim the tuning package rests on: a process started from a thread that entered a namespace
     * with setns runs in that namespace (the JDK spawns it from the calling thread), while the same command
     * from the test's own thread runs in the root namespace.
     */
    @Test
    void aChildProcessInheritsTheCallingThreadsNetworkNamespace() throws Exception {
        long nsInode = (long) Files.getAttribute(Path.of("/run/netns", ns), "unix:ino");
        String inside = NetNs.call(ns, () -> Lab.run(List.of("readlink", "/proc/self/ns/net"))).strip();
        String outside = Lab.run(List.of("readlink", "/proc/self/ns/net")).strip();
        assertEquals("net:[" + nsInode + "]", inside);
        assertNotEquals(inside, outside);
        assertTrue(NetNs.call(ns, () -> Lab.run(List.of("ip", "-o", "link", "show"))).contains(DEV + "@" + PEER));

        // So the reader resolves names in the caller's namespace: the veth is found inside, not outside.
        QueueCount q = new QueueCount(DEV, 4);
        TuningReader outsideReader = new TuningReader();
        assertEquals(List.of(), outsideReader.read(List.of(q)));
        assertEquals(TuningProblem.Kind.NO_SUCH_DEVICE, outsideReader.problem(q.id()).orElseThrow().kind());
        assertEquals(List.of(q), NetNs.call(ns, () -> new TuningReader().read(List.of(q))));
    }

    @Test
    void queueCountReadAppliedAndReadBack() {
        NetNs.run(ns, () -> {
            TuningReader reader = new TuningReader();
            TuningApplier applier = new TuningApplier();
            List<TuningSetting> desired = List.of(new QueueCount(DEV, 2));
            assertEquals(List.of(new QueueCount(DEV, 4)), reader.read(desired), "created with 4 queues");

            applier.apply(new QueueCount(DEV, 2));
            assertEquals(List.of(new QueueCount(DEV, 2)), reader.read(desired));
            assertEquals(List.of("rx-0", "rx-1"), rxQueuesSeenBySysfsOfTheNamespace());

            applier.apply(new QueueCount(DEV, 4));
            assertEquals(List.of(new QueueCount(DEV, 4)), reader.read(desired));
            assertEquals(List.of("rx-0", "rx-1", "rx-2", "rx-3"), rxQueuesSeenBySysfsOfTheNamespace());
        });
    }

    @Test
    void queueCountBeyondTheDevicesMaximumFailsAndChangesNothing() {
        NetNs.run(ns, () -> {
            TuningException e = assertThrows(TuningException.class, () -> new TuningApplier().apply(new QueueCount(DEV, 5)));
            assertTrue(e.getMessage().startsWith("queues " + DEV + " = 5: `ethtool -L " + DEV + " rx 5 tx 4`"), e.getMessage());
            assertTrue(e.getMessage().contains("at most 4"), e.getMessage());
            assertEquals(List.of(new QueueCount(DEV, 4)), new TuningReader().read(List.of(new QueueCount(DEV, 1))));
        });
    }

    @Test
    void aMissingDeviceIsReportedNotThrownByTheReaderAndNamedByTheApplier() {
        NetNs.run(ns, () -> {
            TuningReader reader = new TuningReader();
            assertEquals(List.of(), reader.read(List.of(new QueueCount("xr-none", 1))));
            TuningProblem p = reader.problem("queues xr-none").orElseThrow();
            assertEquals(TuningProblem.Kind.NO_SUCH_DEVICE, p.kind());
            assertTrue(p.detail().contains("No such device"), p.detail());
            TuningException e = assertThrows(TuningException.class, () -> new TuningApplier().apply(new QueueCount("xr-none", 1)));
            assertTrue(e.getMessage().contains("`ethtool -l xr-none`") && e.getMessage().contains("No such device"), e.getMessage());
        });
    }

    /** veth has no RSS (no get_rxnfc/get_rxfh): the reader reports the key as unsupported, the applier names why. */
    @Test
    void rssKeyOnVethIsUnsupported() {
        NetNs.run(ns, () -> {
            RssKey symmetric = new RssKey(DEV, Tuning.symmetricKey(40));
            TuningReader reader = new TuningReader();
            List<TuningSetting> live = reader.read(List.of(symmetric, new QueueCount(DEV, 4)));
            assertEquals(List.of(new QueueCount(DEV, 4)), live, "the key is absent, the queue count still read");
            TuningProblem p = reader.problem(symmetric.id()).orElseThrow();
            assertEquals(TuningProblem.Kind.UNSUPPORTED, p.kind());
            assertTrue(p.detail().contains("ethtool -x " + DEV) && p.detail().contains("Operation not supported"), p.detail());
            assertTrue(p.toString().contains("unsupported on this node"), p.toString());

            TuningException e = assertThrows(TuningException.class, () -> new TuningApplier().apply(symmetric));
            assertEquals("ethtool -x " + DEV, e.command());
            assertTrue(e.detail().contains("Operation not supported"), e.detail());
        });
    }

    /** An independent view of the queue count: the namespace's own sysfs, as {@code ip netns exec} mounts it. */
    private List<String> rxQueuesSeenBySysfsOfTheNamespace() {
        String out = Lab.inNs(ns, "ls", "/sys/class/net/" + DEV + "/queues");
        return out.lines().filter(l -> l.startsWith("rx-")).sorted().toList();
    }
}
