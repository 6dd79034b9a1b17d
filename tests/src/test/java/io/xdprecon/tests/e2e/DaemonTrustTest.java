package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.apply.Applier;
import io.xdprecon.daemon.CompositeEvents;
import io.xdprecon.daemon.Daemon;
import io.xdprecon.daemon.DaemonEvents;
import io.xdprecon.daemon.DaemonStatus;
import io.xdprecon.daemon.ReconcileOutcome;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.source.CommitTrust;
import io.xdprecon.source.GitCredentials;
import io.xdprecon.source.GitSource;
import io.xdprecon.source.GnuPgHome;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.tests.traffic.SequencedStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.jgit.api.CommitCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Signer;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed-commit trust at the daemon level, on the lab with a real Git repository: with
 * {@code CommitTrust.Gpg(keyring)} an unsigned head and a head signed by a key outside the keyring are
 * refused (recorded as attempted, status says why, the last applied revision stays and its rules stay live),
 * a numbered stream on the applied flow loses nothing, and the next head signed by the trusted key applies.
 * Keys are made by GnuPG in a private GNUPGHOME; commits are signed by {@code gpg --detach-sign} plugged into
 * JGit as a {@link Signer} (as in the reconciler's GitSourceTrustTest); the daemon reads only the exported keyring.
 */
class DaemonTrustTest {
    private static final String TRUSTED = "ops@example.org";
    private static final String UNTRUSTED = "mallory@example.org";

    @TempDir
    Path dir;

    private GnuPgHome gnupg;
    private Path keyring;
    private Lab lab;
    private Path bare;
    private Git work;
    private Daemon daemon;
    private SequencedStream stream;
    private final List<ReconcileOutcome> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        assertTrue(GnuPgHome.available(), "gpg is not installed: scripts/setup.sh installs gnupg");
        gnupg = GnuPgHome.create(dir.resolve("gnupg"));
        gnupg.generateSigningKey("Ops <" + TRUSTED + ">", "ed25519");
        gnupg.generateSigningKey("Mallory <" + UNTRUSTED + ">", "ed25519");
        keyring = gnupg.exportKeyring(dir.resolve("trusted.gpg"), TRUSTED, false);

        lab = Lab.start();
        bare = dir.resolve("flows.git");
        Git.init().setBare(true).setInitialBranch("main").setDirectory(bare.toFile()).call().close();
        work = Git.cloneRepository().setURI(bare.toUri().toString()).setDirectory(dir.resolve("work").toFile()).call();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (stream != null) {
                stream.stop();
            }
            if (daemon != null) {
                daemon.close();
                assertTrue(daemon.awaitStopped(Duration.ofSeconds(30)), "the loop stopped");
            }
        } finally {
            if (work != null) {
                work.close();
            }
            if (lab != null) {
                lab.close();
            }
            if (gnupg != null) {
                gnupg.close();
            }
        }
    }

    @Test
    void unsignedAndUntrustedHeadsAreRefusedWhileTheLastGoodStaysLive() throws Exception {
        String steady = LabConfigs.flow("steady", 0, 50000);
        String second = LabConfigs.flow("second", 1, 50001);

        String v1 = push(config(steady), "steady flow", signedBy(TRUSTED));
        startDaemon();
        await("v1 applied", Duration.ofSeconds(60),
                () -> daemon.status().lastAppliedRevision().equals(Optional.of(v1)) && hasRule(0));
        assertEquals(Optional.empty(), daemon.status().lastError());

        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 10_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the steady flow relays");

        String v2 = push(config(steady, second), "unsigned: add second", c -> c.setSign(false));
        daemon.trigger();
        assertRefused(v2, v1, "untrusted revision " + v2 + ": commit " + v2.substring(0, 12) + " at main is not signed; "
                + "a signature by a key in " + keyring + " is required");

        String v3 = push(config(steady, second), "signed by an untrusted key: add second", signedBy(UNTRUSTED));
        daemon.trigger();
        assertRefused(v3, v1, ", which is not in the trusted keyring " + keyring);

        String v4 = push(config(steady, second), "signed by the trusted key: add second", signedBy(TRUSTED));
        daemon.trigger();
        await("v4 applied", Duration.ofSeconds(30),
                () -> daemon.status().lastAppliedRevision().equals(Optional.of(v4)) && hasRule(1));
        DaemonStatus applied = daemon.status();
        assertEquals(Optional.of(v4), applied.lastAttemptedRevision());
        assertEquals(Optional.empty(), applied.lastError(), "the refusal is cleared once a trusted head applies");
        assertTrue(hasRule(0), "the steady flow's rule stays");

        SequencedStream.Report report = stream.stop();
        stream = null;
        assertTrue(report.lossless(), "the steady flow through an unsigned and an untrusted head: " + report);
    }

    /**
     * Issue 10 case 4: signatures do not stop a replay. Force-pushing main back to an older commit signed by the
     * trusted key is a rollback, and force-pushing another history signed by it is a non-fast-forward update:
     * both are refused (status and the outcome metrics count say which), the applied revision stays live, and a
     * numbered stream on it loses nothing; the real history then goes on.
     */
    @Test
    void anOlderSignedCommitAndAnotherSignedHistoryAreRefused() throws Exception {
        String steady = LabConfigs.flow("steady", 0, 50000);
        String second = LabConfigs.flow("second", 1, 50001);
        String v1 = push(config(steady), "steady flow", signedBy(TRUSTED));
        String branch = work.getRepository().getBranch();
        startDaemon();
        await("v1 applied", Duration.ofSeconds(60), () -> daemon.status().lastAppliedRevision().equals(Optional.of(v1)));
        String v2 = push(config(steady, second), "add second", signedBy(TRUSTED));
        daemon.trigger();
        await("v2 applied", Duration.ofSeconds(30),
                () -> daemon.status().lastAppliedRevision().equals(Optional.of(v2)) && hasRule(1));
        DatagramSocket client = lab.udpSocket(lab.clientNs(), Lab.CLIENT_IP, 20000);
        DatagramSocket server = lab.udpSocket(lab.serverNs(), Lab.SERVER_IP, 50000, 1000);
        stream = new SequencedStream(client, new InetSocketAddress(Lab.VIP, 30000), server, 500_000, 2_000);
        assertTrue(stream.awaitFirst(5, TimeUnit.SECONDS), "the steady flow relays");

        forcePush(v1); // the older signed commit, replayed
        daemon.trigger();
        assertRefusedAs(v1, v2, ReconcileOutcome.Refusal.ROLLBACK, "is older than the applied commit");

        work.checkout().setOrphan(true).setName("elsewhere").call();
        String elsewhere = push(config(steady), "another history, signed", signedBy(TRUSTED), true);
        daemon.trigger();
        assertRefusedAs(elsewhere, v2, ReconcileOutcome.Refusal.NON_FAST_FORWARD, "was force-pushed");

        work.checkout().setName(branch).call();
        forcePush(v2);
        String v3 = push(config(steady, second, LabConfigs.flow("third", 2, 50002)), "add third", signedBy(TRUSTED));
        daemon.trigger();
        await("v3, on top of v2, applied", Duration.ofSeconds(30),
                () -> daemon.status().lastAppliedRevision().equals(Optional.of(v3)));
        assertEquals(Optional.empty(), daemon.status().lastError());
        SequencedStream.Report report = stream.stop();
        stream = null;
        assertTrue(report.lossless(), "the steady flow through a rollback and a force-push: " + report);
    }

    private void assertRefusedAs(String refused, String applied, ReconcileOutcome.Refusal refusal, String because)
            throws InterruptedException {
        await("the replayed revision is refused", Duration.ofSeconds(30),
                () -> daemon.status().lastAttemptedRevision().equals(Optional.of(refused)));
        DaemonStatus status = daemon.status();
        assertEquals(Optional.of(applied), status.lastAppliedRevision(), "the applied revision stays");
        String error = status.lastError().orElseThrow(() -> new AssertionError("no lastError: " + status));
        assertTrue(error.contains(because), error);
        assertTrue(hasRule(1), "the applied revision's second flow stays");
        assertTrue(outcomes.stream().anyMatch(o -> o instanceof ReconcileOutcome.Rejected r
                && r.revision().equals(refused) && r.refusal() == refusal), outcomes.toString());
    }

    /** Points the remote's main at {@code commit}, whatever it held. */
    private void forcePush(String commit) throws Exception {
        work.branchCreate().setName("pushed").setStartPoint(commit).setForce(true).call();
        work.push().setRemote("origin").setRefSpecs(new RefSpec("+refs/heads/pushed:refs/heads/main")).call();
        work.reset().setMode(org.eclipse.jgit.api.ResetCommand.ResetType.HARD).setRef(commit).call();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The head {@code refused} is attempted but not applied: {@code good} stays, its rules stay, status says why. */
    private void assertRefused(String refused, String good, String because) throws InterruptedException {
        await("the refused revision is attempted", Duration.ofSeconds(30),
                () -> daemon.status().lastAttemptedRevision().equals(Optional.of(refused)));
        DaemonStatus status = daemon.status();
        assertEquals(Optional.of(good), status.lastAppliedRevision(), "the last good revision stays applied");
        String error = status.lastError().orElseThrow(() -> new AssertionError("no lastError for " + refused + ": " + status));
        assertTrue(error.startsWith("untrusted revision " + refused + ": "), error);
        assertTrue(error.contains(because), error);
        assertFalse(hasRule(1), "the refused revision's flow is not applied");
        assertTrue(hasRule(0), "the last good revision's flow stays");
    }

    private static String config(String... flows) {
        return LabConfigs.document(List.of(Lab.VIP), flows);
    }

    private String push(String config, String message, java.util.function.Consumer<CommitCommand> sign) throws Exception {
        return push(config, message, sign, false);
    }

    private String push(String config, String message, java.util.function.Consumer<CommitCommand> sign, boolean force)
            throws Exception {
        Files.writeString(work.getRepository().getWorkTree().toPath().resolve("flows.yaml"), config);
        work.add().addFilepattern("flows.yaml").call();
        CommitCommand commit = work.commit().setMessage(message).setAuthor("ops", TRUSTED).setCommitter("ops", TRUSTED);
        sign.accept(commit);
        RevCommit made = commit.call();
        work.push().setRemote("origin").setRefSpecs(new RefSpec((force ? "+" : "") + "HEAD:refs/heads/main")).call();
        return made.getName();
    }

    private java.util.function.Consumer<CommitCommand> signedBy(String uid) {
        return gnupg.signedBy(uid);
    }

    private void startDaemon() {
        GitSource source = new GitSource(new GitSource.Settings(bare.toUri().toString(), "main", "flows.yaml",
                dir.resolve("state"), new GitCredentials.None(), Optional.of(new CommitTrust.Gpg(keyring)),
                Duration.ofSeconds(10)));
        LiveStateReader reader = new LiveStateReader(lab.pinRoot(), settings -> List.of());
        // A long interval: only the first reconcile and trigger() move it.
        daemon = new Daemon(source, new Daemon.Settings("lab", lab.pinRoot(), Duration.ofMinutes(10), 0,
                Daemon.DriftMode.ENFORCE, Duration.ofSeconds(2), false, false, Duration.ofSeconds(1)),
                reader, new Applier(reader, setting -> { }, line -> { }), new CompositeEvents(List.of(new DaemonEvents() {
                    @Override
                    public void reconciled(ReconcileOutcome outcome, Duration took, DaemonStatus status) {
                        outcomes.add(outcome);
                    }
                })));
        Daemon running = daemon;
        Thread.ofPlatform().name("daemon-in-" + lab.proxyNs()).start(() -> {
            NetNs.enter(lab.proxyNs()); // the config's devices pc and ps live there
            running.run();
        });
    }

    private FlowKey forward(int n) {
        return FlowKey.of(lab.pc().ifindex(), Lab.CLIENT_IP, 20000 + n, Lab.VIP, 30000 + n);
    }

    private boolean hasRule(int n) {
        return lab.datapath().rules().get(forward(n)).isPresent();
    }

    private void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what
                        + (daemon == null ? "" : "; daemon: alive " + daemon.alive() + ", " + daemon.status()));
            }
            Thread.sleep(10); // polling a kernel map and the status: there is nothing to wait on
        }
    }
}
