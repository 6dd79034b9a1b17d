package io.xdprecon.cli;

/**
 * A usage error found once the options are parsed (options that go together, or exclude each other): printed
 * like picocli's own parse errors, one line and where help is, exit code 2.
 */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
