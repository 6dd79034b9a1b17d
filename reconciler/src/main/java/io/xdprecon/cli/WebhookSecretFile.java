package io.xdprecon.cli;

import io.xdprecon.host.RegularFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code run --webhook-secret-file}: the secret is its first line, which must not be empty. */
final class WebhookSecretFile {
    /** Far more than any secret a Git host lets one type. */
    static final int MAX_BYTES = 4096;

    private WebhookSecretFile() {}

    /**
     * The secret's bytes. An empty secret is an error, not a quiet "webhook off": it would look configured
     * while every delivery is refused.
     */
    static byte[] read(Path file) {
        String text;
        try {
            text = new String(RegularFile.read(file, MAX_BYTES), StandardCharsets.UTF_8);
        } catch (RegularFile.Unreadable e) {
            throw new CliException("--webhook-secret-file " + file + ": " + e.getMessage());
        }
        String secret = text.lines().findFirst().orElse("").strip();
        if (secret.isEmpty()) {
            throw new CliException("--webhook-secret-file " + file + " is empty: its first line must hold the secret the"
                    + " Git host signs with (leave the option out for no webhook)");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
