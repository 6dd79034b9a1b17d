package io.xdprecon.source;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.Provider;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.SshConfigStore;
import org.eclipse.jgit.transport.SshConstants;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A config file at a path inside a Git repository, at the head of a branch or at a tag, fetched with JGit (no
 * {@code git} binary) into a bare repository in the state directory.
 *
 * <p>The first poll initialises a bare repository in {@link Settings#stateDir()} with the URL as its
 * {@code origin}; every poll (the first included) fetches all branches and tags ({@code +refs/heads/*},
 * {@code +refs/tags/*}, pruning deleted ones), resolves the ref, checks the head commit against the
 * {@link Trust} if there is one, and reads the path from the commit's tree (no working tree). A failed fetch
 * leaves the repository as it was, so a later poll works again once the remote is back. A state directory
 * that holds anything other than a clone of this URL is refused, never deleted.
 *
 * <p>The daemon schedules polls; {@link #nextPollDelay(Duration)} spreads a fleet's fetches with ±10% jitter.
 */
public final class GitSource implements Source {

    /** How many characters of the commit id a revision's name shows. */
    private static final int SHORT = 12;
    private static final int MAX_CONFIG_BYTES = 512 << 20;

    /**
     * @param url      the repository: {@code https://…}, {@code ssh://user@host[:port]/path}, {@code user@host:path},
     *                 {@code file:///…} or a local path
     * @param ref      a branch or a tag: {@code refs/heads/x}, {@code refs/tags/y}, or a short name that must
     *                 name exactly one of them
     * @param path     the config inside the repository ({@code flows.yaml}, {@code edge/flows.yaml}); a directory
     *                 there must hold exactly one {@code *.yaml} file
     * @param stateDir where the bare clone lives (created if missing)
     * @param auth     how to authenticate to the remote
     * @param trust    which signatures the head commit must carry; empty: any commit is accepted
     * @param timeout  network timeout of a fetch (JGit counts it in whole seconds, at least one)
     */
    public record Settings(String url, String ref, String path, Path stateDir, Auth auth, Optional<Trust> trust,
                           Duration timeout) {
        public Settings {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(ref, "ref");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(stateDir, "stateDir");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(trust, "trust");
            Objects.requireNonNull(timeout, "timeout");
            if (url.isBlank()) {
                throw new IllegalArgumentException("the Git URL is empty");
            }
            if (ref.isBlank() || !Repository.isValidRefName(ref.startsWith("refs/") ? ref : "refs/heads/" + ref)) {
                throw new IllegalArgumentException("'" + ref + "' is not a valid branch or tag name");
            }
            path = trimSlashes(path);
            if (path.isEmpty() || Arrays.asList(path.split("/")).stream().anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
                throw new IllegalArgumentException("'" + path + "' is not a path inside the repository");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the fetch timeout must be positive, not " + timeout);
            }
            stateDir = stateDir.toAbsolutePath().normalize();
        }

        private static String trimSlashes(String p) {
            int b = 0;
            int e = p.length();
            while (b < e && p.charAt(b) == '/') b++;
            while (e > b && p.charAt(e - 1) == '/') e--;
            return p.substring(b, e);
        }
    }

    /** How to authenticate to the remote. */
    public sealed interface Auth {
        /** Anonymous (public HTTPS, local paths). */
        record None() implements Auth {
        }

        /**
         * SSH public-key authentication through JGit's Apache MINA transport. Only these two files are used:
         * never {@code ~/.ssh}, an agent or an SSH config file. Host keys are checked strictly: a host missing
         * from {@code knownHosts}, or with another key, is refused. The key must not have a passphrase.
         */
        record SshKey(Path privateKey, Path knownHosts) implements Auth {
            public SshKey {
                Objects.requireNonNull(privateKey, "privateKey");
                Objects.requireNonNull(knownHosts, "knownHosts");
                privateKey = privateKey.toAbsolutePath().normalize();
                knownHosts = knownHosts.toAbsolutePath().normalize();
            }
        }

        /** HTTPS basic authentication: a user name and a password or token (held in memory, never printed). */
        record Https(String username, char[] passwordOrToken) implements Auth {
            public Https {
                Objects.requireNonNull(username, "username");
                passwordOrToken = Objects.requireNonNull(passwordOrToken, "passwordOrToken").clone();
            }

            /**
             * The secret is the first line of {@code secretFile} (a trailing newline is not part of it), so
             * that it never appears on a command line.
             */
            public static Https fromFile(String username, Path secretFile) throws SourceException {
                try {
                    String s = Files.readString(secretFile, StandardCharsets.UTF_8);
                    int nl = s.indexOf('\n');
                    String line = nl < 0 ? s : s.substring(0, nl);
                    if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                    if (line.isEmpty()) {
                        throw new SourceException("the secret file " + secretFile + " is empty");
                    }
                    return new Https(username, line.toCharArray());
                } catch (IOException e) {
                    throw new SourceException("cannot read the secret file " + secretFile + ": " + e, e);
                }
            }

            @Override
            public char[] passwordOrToken() {
                return passwordOrToken.clone();
            }

            @Override
            public String toString() {
                return "Https[username=" + username + ", passwordOrToken=***]";
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Https h && h.username.equals(username)
                        && Arrays.equals(h.passwordOrToken, passwordOrToken);
            }

            @Override
            public int hashCode() {
                return username.hashCode() * 31 + Arrays.hashCode(passwordOrToken);
            }
        }
    }

    /** Which signatures the head commit must carry to be applied. */
    public sealed interface Trust {
        /**
         * An OpenPGP signature by a key in {@code publicKeyring} (binary or ASCII-armoured output of
         * {@code gpg --export}; a GnuPG 2.1+ keybox {@code pubring.kbx} is not read). Only this file is
         * consulted, never {@code ~/.gnupg}; it is re-read on every poll, so replacing it takes effect at
         * the next poll. A revoked key, or one expired when it signed, is not trusted.
         */
        record Gpg(Path publicKeyring) implements Trust {
            public Gpg {
                publicKeyring = Objects.requireNonNull(publicKeyring, "publicKeyring").toAbsolutePath().normalize();
            }
        }

        /**
         * An SSH signature ({@code gpg.format=ssh}) by a key listed in {@code allowedSigners} (OpenSSH
         * {@code allowed_signers} format, as git's {@code gpg.ssh.allowedSignersFile}), verified by JGit's
         * {@code org.eclipse.jgit.ssh.apache} signing support. As with {@code git verify-commit}, the key is what
         * is trusted: the principal it is listed under is not matched against the committer's e-mail, but its
         * {@code namespaces=} and validity options are honoured. Re-read on every poll.
         */
        record SshSigners(Path allowedSigners) implements Trust {
            public SshSigners {
                allowedSigners = Objects.requireNonNull(allowedSigners, "allowedSigners").toAbsolutePath().normalize();
            }
        }
    }

    private final Settings settings;
    private final String displayUrl;
    private Repository repository;
    private SshdSessionFactory sshFactory;
    private boolean closed;

    public GitSource(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.displayUrl = displayUrl(settings.url());
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String describe() {
        return "git " + displayUrl + " " + settings.ref() + ":" + settings.path();
    }

    @Override
    public String toString() {
        return describe();
    }

    /** {@code interval} scaled by a random factor in [0.9, 1.1), so a fleet's fetches do not fall together. */
    public static Duration nextPollDelay(Duration interval) {
        double f = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofNanos((long) (interval.toNanos() * f));
    }

    @Override
    public synchronized Revision poll() throws SourceException {
        if (closed) {
            throw new SourceException(describe() + ": the source is closed");
        }
        Repository repo = repository();
        fetch(repo);
        try (RevWalk walk = new RevWalk(repo)) {
            String refName = resolveRef(repo);
            Ref ref = repo.exactRef(refName);
            RevCommit commit = walk.parseCommit(ref.getObjectId()); // peels annotated tags
            String shortId = commit.name().substring(0, SHORT);
            if (settings.trust().isPresent()) {
                verify(repo, commit, settings.trust().get());
            }
            String path = settings.path();
            byte[] bytes;
            try (TreeWalk tw = TreeWalk.forPath(repo, path, commit.getTree())) {
                if (tw == null) {
                    throw new SourceException("path " + path + " does not exist in " + displayUrl + " at "
                            + settings.ref() + " (commit " + shortId + ")");
                }
                FileMode mode = tw.getFileMode(0);
                ObjectId blob = tw.getObjectId(0);
                if (mode == FileMode.TREE) {
                    String file = singleYaml(repo, blob, path, shortId);
                    path = path + "/" + file;
                    try (TreeWalk inner = TreeWalk.forPath(repo, path, commit.getTree())) {
                        blob = inner.getObjectId(0);
                    }
                } else if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
                    throw new SourceException("path " + path + " in " + displayUrl + " at commit " + shortId
                            + " is not a regular file (a symbolic link or a submodule)");
                }
                bytes = repo.open(blob, Constants.OBJ_BLOB).getCachedBytes(MAX_CONFIG_BYTES);
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new SourceException(path + " in " + displayUrl + " at commit " + shortId + " is not valid UTF-8");
            }
            return new Revision(commit.name(), displayUrl + "@" + shortId + ":" + path, text,
                    Optional.of(summary(commit)));
        } catch (IOException e) {
            throw new SourceException(describe() + ": cannot read the repository in " + settings.stateDir() + ": " + e, e);
        }
    }

    private static String summary(RevCommit commit) {
        PersonIdent author = commit.getAuthorIdent();
        String when = author.getWhenAsInstant().atZone(author.getZoneId())
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return commit.getShortMessage() + " \u2014 " + author.getName() + ", " + when;
    }

    private String singleYaml(Repository repo, ObjectId tree, String path, String shortId) throws IOException, SourceException {
        List<String> yaml = new ArrayList<>();
        try (TreeWalk tw = new TreeWalk(repo)) {
            tw.addTree(tree);
            tw.setRecursive(false);
            while (tw.next()) {
                FileMode m = tw.getFileMode(0);
                if ((m == FileMode.REGULAR_FILE || m == FileMode.EXECUTABLE_FILE) && FileSource.isYamlName(tw.getNameString())) {
                    yaml.add(tw.getNameString());
                }
            }
        }
        if (yaml.size() != 1) {
            throw new SourceException("directory " + path + " in " + displayUrl + " at commit " + shortId + " holds "
                    + (yaml.isEmpty() ? "no *.yaml file" : yaml.size() + " YAML files (" + String.join(", ", yaml) + ")")
                    + "; it must hold exactly one");
        }
        return yaml.getFirst();
    }

    /** The full name of the configured ref, which must exist after the fetch. */
    private String resolveRef(Repository repo) throws IOException, SourceException {
        String ref = settings.ref();
        if (ref.startsWith("refs/")) {
            if (repo.exactRef(ref) == null) {
                throw new SourceException("ref " + ref + " does not exist in " + displayUrl);
            }
            return ref;
        }
        boolean branch = repo.exactRef(Constants.R_HEADS + ref) != null;
        boolean tag = repo.exactRef(Constants.R_TAGS + ref) != null;
        if (branch && tag) {
            throw new SourceException("ref " + ref + " is ambiguous in " + displayUrl + ": both refs/heads/" + ref
                    + " and refs/tags/" + ref + " exist; name one in full");
        }
        if (!branch && !tag) {
            throw new SourceException("ref " + ref + " does not exist in " + displayUrl + " (neither a branch nor a tag)");
        }
        return (branch ? Constants.R_HEADS : Constants.R_TAGS) + ref;
    }

    // ---- the state directory ------------------------------------------------------------------------------

    private Repository repository() throws SourceException {
        if (repository != null) {
            return repository;
        }
        Path dir = settings.stateDir();
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new SourceException("state directory " + dir + " is not a directory");
            }
            boolean empty = !Files.exists(dir) || isEmpty(dir);
            Repository repo;
            if (empty) {
                Files.createDirectories(dir);
                repo = Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch("xdprecon-unused")
                        .call().getRepository();
                StoredConfig cfg = repo.getConfig();
                cfg.setString("remote", "origin", "url", settings.url());
                cfg.setBoolean("gc", null, "autoDetach", false);
                cfg.save();
            } else {
                try {
                    repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
                } catch (RepositoryNotFoundException e) {
                    throw new SourceException("state directory " + dir + " is not empty and holds no Git repository;"
                            + " refusing to use it (empty it or choose another state directory)");
                }
                String url = repo.getConfig().getString("remote", "origin", "url");
                if (!settings.url().equals(url)) {
                    repo.close();
                    throw new SourceException("state directory " + dir + " holds a clone of "
                            + (url == null ? "no remote" : displayUrl(url)) + ", not of " + displayUrl
                            + "; refusing to use it (remove it or choose another state directory)");
                }
            }
            repository = repo;
            return repo;
        } catch (IOException | GitAPIException e) {
            throw new SourceException("cannot prepare the state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private void fetch(Repository repo) throws SourceException {
        FetchCommand fetch = Git.wrap(repo).fetch()
                .setRemote("origin")
                .setRefSpecs(new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*"))
                .setTagOpt(TagOpt.NO_TAGS)
                .setRemoveDeletedRefs(true)
                .setTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.timeout().toSeconds())));
        switch (settings.auth()) {
            case Auth.None none -> { }
            case Auth.Https https -> fetch.setCredentialsProvider(credentials(https));
            case Auth.SshKey key -> {
                SshdSessionFactory factory = sshFactory(key);
                fetch.setTransportConfigCallback(t -> {
                    if (t instanceof SshTransport ssh) {
                        ssh.setSshSessionFactory(factory);
                    }
                });
            }
        }
        try {
            fetch.call();
        } catch (GitAPIException | RuntimeException e) {
            String message = rootMessage(e);
            for (String prefix : List.of(settings.url() + ": ", displayUrl + ": ")) {
                if (message.startsWith(prefix)) {
                    message = message.substring(prefix.length()); // JGit starts with the URL; say it once
                }
            }
            throw new SourceException("cannot fetch " + displayUrl + ": " + message, e);
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    private static CredentialsProvider credentials(Auth.Https https) {
        return new UsernamePasswordCredentialsProvider(https.username(), https.passwordOrToken());
    }

    private SshdSessionFactory sshFactory(Auth.SshKey key) throws SourceException {
        if (sshFactory != null) {
            return sshFactory;
        }
        if (!Files.isReadable(key.privateKey())) {
            throw new SourceException("cannot read the SSH private key " + key.privateKey());
        }
        if (!Files.isReadable(key.knownHosts())) {
            throw new SourceException("cannot read the SSH known_hosts file " + key.knownHosts());
        }
        // Everything this factory would otherwise find in ~ or ~/.ssh is pinned to the two given files: the
        // "home" and ".ssh" directories point at the state directory, which holds none of ssh's files.
        File home = settings.stateDir().toFile();
        Map<String, String> options = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        options.put(SshConstants.STRICT_HOST_KEY_CHECKING, "yes");
        options.put(SshConstants.USER_KNOWN_HOSTS_FILE, key.knownHosts().toString());
        options.put(SshConstants.GLOBAL_KNOWN_HOSTS_FILE, key.knownHosts().toString());
        options.put(SshConstants.IDENTITY_FILE, key.privateKey().toString());
        options.put(SshConstants.IDENTITIES_ONLY, "yes");
        options.put(SshConstants.PREFERRED_AUTHENTICATIONS, "publickey");
        options.put(SshConstants.BATCH_MODE, "yes");
        SshConfigStore.HostConfig hostConfig = new PinnedHostConfig(options);
        SshConfigStore store = new SshConfigStore() {
            @Override
            public HostConfig lookup(String hostName, int port, String userName) {
                return hostConfig;
            }

            @Override
            public HostConfig lookupDefault(String hostName, int port, String userName) {
                return hostConfig;
            }
        };
        sshFactory = new SshdSessionFactoryBuilder()
                .setHomeDirectory(home)
                .setSshDirectory(home)
                .setConfigStoreFactory((h, f, user) -> store)
                .setDefaultKnownHostsFiles(dir -> List.of(key.knownHosts()))
                .setDefaultIdentities(dir -> List.of(key.privateKey()))
                .setPreferredAuthentications("publickey")
                .build(null);
        return sshFactory;
    }

    private record PinnedHostConfig(Map<String, String> options) implements SshConfigStore.HostConfig {
        @Override
        public String getValue(String key) {
            return options.get(key);
        }

        @Override
        public List<String> getValues(String key) {
            String v = options.get(key);
            return v == null ? List.of() : List.of(v);
        }

        @Override
        public Map<String, String> getOptions() {
            return options;
        }

        @Override
        public Map<String, List<String>> getMultiValuedOptions() {
            Map<String, List<String>> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String k : List.of(SshConstants.USER_KNOWN_HOSTS_FILE, SshConstants.GLOBAL_KNOWN_HOSTS_FILE,
                    SshConstants.IDENTITY_FILE)) {
                m.put(k, List.of(options.get(k)));
            }
            return m;
        }
    }

    // ---- trust --------------------------------------------------------------------------------------------

    private void verify(Repository repo, RevCommit commit, Trust trust) throws SourceException, IOException {
        String id = commit.name();
        String what = "commit " + id.substring(0, SHORT) + " at " + settings.ref();
        byte[] signature = commit.getRawGpgSignature();
        if (signature == null) {
            throw new UntrustedRevisionException(id, what + " is not signed; " + expectation(trust));
        }
        GpgConfig.GpgFormat format = SignatureVerifiers.getFormat(signature);
        switch (trust) {
            case Trust.Gpg gpg -> {
                if (format != GpgConfig.GpgFormat.OPENPGP) {
                    throw new UntrustedRevisionException(id, what + " carries " + formatName(format) + " signature, not an OpenPGP one; "
                            + expectation(trust));
                }
                verifyOpenPgp(id, what, commit, signature, gpg.publicKeyring());
            }
            case Trust.SshSigners ssh -> {
                if (format != GpgConfig.GpgFormat.SSH) {
                    throw new UntrustedRevisionException(id, what + " carries " + formatName(format) + " signature, not an SSH one; "
                            + expectation(trust));
                }
                if (!Files.isReadable(ssh.allowedSigners())) {
                    throw new SourceException("cannot read the allowed signers file " + ssh.allowedSigners());
                }
                Config config = new Config();
                config.setString("gpg", null, "format", "ssh");
                config.setString("gpg", "ssh", "allowedSignersFile", ssh.allowedSigners().toString());
                SignatureVerifier.SignatureVerification v;
                try {
                    v = SignatureVerifiers.verify(repo, new GpgConfig(config), commit);
                } catch (IOException | RuntimeException e) {
                    throw new UntrustedRevisionException(id, what + ": its SSH signature cannot be verified: " + e.getMessage());
                }
                if (v == null) {
                    throw new UntrustedRevisionException(id, what + ": no verifier for its SSH signature");
                }
                if (!v.verified()) {
                    throw new UntrustedRevisionException(id, what + " has an SSH signature that is not trusted"
                            + (v.keyFingerprint() != null ? " (key " + v.keyFingerprint() + ")" : "")
                            + (v.message() != null ? ": " + stripPeriod(v.message()) : "") + "; " + expectation(trust));
                }
                if (v.expired()) {
                    throw new UntrustedRevisionException(id, what + " is signed by an expired SSH key "
                            + v.keyFingerprint() + "; " + expectation(trust));
                }
            }
        }
    }

    private static String formatName(GpgConfig.GpgFormat format) {
        return switch (format) {
            case OPENPGP -> "an OpenPGP";
            case SSH -> "an SSH";
            case X509 -> "an X.509";
        };
    }

    private static String stripPeriod(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String expectation(Trust trust) {
        return switch (trust) {
            case Trust.Gpg g -> "a signature by a key in " + g.publicKeyring() + " is required";
            case Trust.SshSigners s -> "an SSH signature by a signer in " + s.allowedSigners() + " is required";
        };
    }

    private static final Provider BC = new BouncyCastleProvider();

    private static void verifyOpenPgp(String id, String what, RevCommit commit, byte[] signature, Path keyringFile)
            throws SourceException {
        PGPPublicKeyRingCollection keyrings;
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(keyringFile))) {
            keyrings = new PGPPublicKeyRingCollection(in, new JcaKeyFingerprintCalculator());
        } catch (NoSuchFileException e) {
            throw new SourceException("the public keyring " + keyringFile + " does not exist");
        } catch (IOException | PGPException | RuntimeException e) {
            throw new SourceException("cannot read the public keyring " + keyringFile
                    + " (expected `gpg --export` output, binary or armoured): " + e.getMessage(), e);
        }
        PGPSignature sig;
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(signature))) {
            JcaPGPObjectFactory factory = new JcaPGPObjectFactory(in);
            Object o = factory.nextObject();
            if (o instanceof PGPCompressedData c) {
                o = new JcaPGPObjectFactory(c.getDataStream()).nextObject();
            }
            if (!(o instanceof PGPSignatureList list) || list.isEmpty()) {
                throw new UntrustedRevisionException(id, what + " carries a malformed OpenPGP signature");
            }
            sig = list.get(0);
        } catch (IOException | PGPException | RuntimeException e) {
            throw new UntrustedRevisionException(id, what + " carries a malformed OpenPGP signature: " + e.getMessage());
        }
        PGPPublicKey key = null;
        PGPPublicKeyRing ring = null;
        String keyName;
        try {
            byte[] fpr = sig.getHashedSubPackets() == null || sig.getHashedSubPackets().getIssuerFingerprint() == null
                    ? null : sig.getHashedSubPackets().getIssuerFingerprint().getFingerprint();
            if (fpr != null) {
                key = keyrings.getPublicKey(fpr);
                ring = keyrings.getPublicKeyRing(fpr);
                keyName = java.util.HexFormat.of().withUpperCase().formatHex(fpr);
            } else {
                keyName = String.format("%016X", sig.getKeyID());
            }
            if (key == null && sig.getKeyID() != 0) {
                key = keyrings.getPublicKey(sig.getKeyID());
                ring = keyrings.getPublicKeyRing(sig.getKeyID());
            }
        } catch (RuntimeException e) {
            throw new SourceException("cannot search the public keyring " + keyringFile + ": " + e.getMessage(), e);
        }
        if (key == null) {
            throw new UntrustedRevisionException(id, what + " is signed by key " + keyName
                    + ", which is not in the trusted keyring " + keyringFile);
        }
        keyName = java.util.HexFormat.of().withUpperCase().formatHex(key.getFingerprint());
        try {
            sig.init(new JcaPGPContentVerifierBuilderProvider().setProvider(BC), key);
            sig.update(signedData(commit));
            if (!sig.verify()) {
                throw new UntrustedRevisionException(id, what + " has a BAD signature claiming key " + keyName
                        + " (the commit or the signature was altered)");
            }
        } catch (PGPException | RuntimeException e) {
            throw new UntrustedRevisionException(id, what + ": its signature by key " + keyName
                    + " cannot be verified: " + e.getMessage());
        }
        if (key.hasRevocation() || (ring != null && ring.getPublicKey().hasRevocation())) {
            throw new UntrustedRevisionException(id, what + " is signed by key " + keyName + ", which is revoked");
        }
        long valid = key.getValidSeconds();
        if (valid > 0 && sig.getCreationTime().getTime() > key.getCreationTime().getTime() + valid * 1000L) {
            throw new UntrustedRevisionException(id, what + " is signed by key " + keyName
                    + ", which had expired when it signed");
        }
    }

    /** The commit object as it was signed: its raw bytes without the {@code gpgsig} header. */
    static byte[] signedData(RevCommit commit) {
        byte[] raw = commit.getRawBuffer();
        int headerEnd = indexOf(raw, "\n\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (headerEnd < 0) headerEnd = raw.length;
        byte[] key = "\ngpgsig ".getBytes(StandardCharsets.US_ASCII);
        int start = indexOf(raw, key, 0);
        if (start < 0 || start >= headerEnd) {
            return raw;
        }
        int lineStart = start + 1;
        int end = lineStart;
        // The header's value continues on lines that start with a space.
        while (true) {
            int nl = indexOf(raw, new byte[] {'\n'}, end);
            if (nl < 0) { end = raw.length; break; }
            end = nl + 1;
            if (end >= raw.length || raw[end] != ' ') break;
        }
        byte[] out = new byte[raw.length - (end - lineStart)];
        System.arraycopy(raw, 0, out, 0, lineStart);
        System.arraycopy(raw, end, out, lineStart, raw.length - end);
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    // ---- misc ---------------------------------------------------------------------------------------------

    /** The URL without a password, for messages and revision names. */
    static String displayUrl(String url) {
        try {
            URIish u = new URIish(url);
            if (u.getPass() != null) {
                return u.setPass(null).toString();
            }
            return url;
        } catch (java.net.URISyntaxException e) {
            return url;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (repository != null) {
            repository.close();
            repository = null;
        }
        if (sshFactory != null) {
            sshFactory.close();
            sshFactory = null;
        }
    }
}
