package io.xdprecon.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.Provider;
import java.util.HexFormat;
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
import org.eclipse.jgit.revwalk.RevCommit;

/** OpenPGP signatures checked with Bouncy Castle against an exported keyring. */
/** An OpenPGP commit signature checked with Bouncy Castle against an exported keyring ({@link CommitTrust.Gpg}). */
final class OpenPgpSignature {
    private static final Provider BC = new BouncyCastleProvider();

    private OpenPgpSignature() {}

    static void verify(String id, String what, RevCommit commit, byte[] signature, Path keyringFile)
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
                keyName = HexFormat.of().withUpperCase().formatHex(fpr);
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
        keyName = HexFormat.of().withUpperCase().formatHex(key.getFingerprint());
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
}
