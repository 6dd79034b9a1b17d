package io.xdprecon.tuning;

import io.xdprecon.host.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the tuning code touches on the node: commands and sysfs files. One seam, so the reader and applier
 * are unit-tested against captured outputs without privileges.
 */
interface Host {
    /**
     * Runs {@code command} (bounded by a timeout) in the calling thread's namespaces and returns its stdout.
     *
     * @throws CommandFailedException when it cannot start, times out or exits non-zero; the message names
     *     the command and carries its stderr
     */
    String run(List<String> command);

    /** Contents of a file; {@link java.nio.file.NoSuchFileException} when it does not exist. */
    String read(Path file) throws IOException;

    /** Writes {@code text} to an existing (sysfs) file. */
    void write(Path file, String text) throws IOException;

    /** Names of the entries of a directory, sorted; empty when it does not exist. */
    List<String> list(Path dir) throws IOException;

    /** The real node. Commands run through {@link Command#run(List)} (20 s timeout, stderr in the failure). */
    Host SYSTEM = new Host() {
        @Override
        public String run(List<String> command) {
            try {
                return Command.run(command);
            } catch (Command.Failed e) {
                throw new CommandFailedException(command, e.getMessage(), e);
            }
        }

        @Override
        public String read(Path file) throws IOException {
            return Files.readString(file);
        }

        @Override
        public void write(Path file, String text) throws IOException {
            // No CREATE/TRUNCATE: a sysfs attribute is written in place, and a missing one must fail.
            Files.writeString(file, text, java.nio.file.StandardOpenOption.WRITE);
        }

        @Override
        public List<String> list(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return List.of();
            }
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.map(p -> p.getFileName().toString()).sorted().toList();
            }
        }
    };

    /** A command that failed; the message names it and carries its stderr. */
    final class CommandFailedException extends RuntimeException {
        private final List<String> command;

        CommandFailedException(List<String> command, String message, Throwable cause) {
            super(message, cause);
            this.command = List.copyOf(command);
        }

        List<String> command() {
            return command;
        }

        /** The message without its leading command line: "exited with 1: STDERR". */
        String reason() {
            String prefix = "`" + commandLine(command) + "` ";
            String message = getMessage();
            return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        }
    }

    static String commandLine(List<String> command) {
        return String.join(" ", command);
    }
}
