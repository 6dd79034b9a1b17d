package io.xdprecon.daemon;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Makes the daemon's {@link System.Logger} output read well in journald: one line per record (a
 * multi-line message keeps its lines), prefixed with the syslog priority {@code <N>} that journald
 * turns into the entry's level, and no timestamp of our own (the journal has one). Outside systemd
 * ({@code JOURNAL_STREAM} unset) lines carry a time and a level word instead.
 */
public final class JournalLogging {
    private JournalLogging() {}

    public static void install() {
        boolean journal = System.getenv("JOURNAL_STREAM") != null;
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler = new ConsoleHandler(); // writes to stderr, which systemd connects to the journal
        handler.setLevel(Level.INFO);
        handler.setFormatter(journal ? new JournalFormatter() : new TerminalFormatter());
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        // Libraries log through SLF4J (bound to no-op) or JUL; keep their chatter at warnings.
        Logger.getLogger("org.eclipse.jgit").setLevel(Level.WARNING);
        Logger.getLogger("org.apache.sshd").setLevel(Level.WARNING);
    }

    /** Syslog priorities: 3 err, 4 warning, 6 info, 7 debug. */
    static int priority(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return 3;
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return 4;
        }
        if (level.intValue() >= Level.INFO.intValue()) {
            return 6;
        }
        return 7;
    }

    static final class JournalFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            String prefix = "<" + priority(record.getLevel()) + ">";
            StringBuilder out = new StringBuilder();
            for (String line : formatMessage(record).split("\n")) {
                out.append(prefix).append(line).append('\n');
            }
            if (record.getThrown() != null) {
                out.append(prefix).append(record.getThrown()).append('\n');
            }
            return out.toString();
        }
    }

    static final class TerminalFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            return String.format("%1$tT %2$-7s %3$s%n%4$s", record.getMillis(), record.getLevel().getName(),
                    formatMessage(record), record.getThrown() == null ? "" : record.getThrown() + "\n");
        }
    }

}
