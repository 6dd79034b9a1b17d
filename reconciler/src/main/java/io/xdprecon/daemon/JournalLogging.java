package io.xdprecon.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.text.Escape;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Where every log line goes: our {@link System.Logger} and the libraries' SLF4J (JGit, Apache MINA SSHD, the
 * schema validator; bound to java.util.logging by slf4j-jdk14) end in one handler on stderr, which systemd
 * connects to the journal. Text lines read well in journald: one line per record (a multi-line message keeps
 * its lines), prefixed with the syslog priority {@code <N>} that journald turns into the entry's level, and no
 * timestamp of our own (the journal has one). Outside systemd ({@code JOURNAL_STREAM} unset) lines carry a time
 * and a level word instead. {@link Format#JSON} writes one JSON object per record (still behind the priority
 * prefix under journald), for a log shipper.
 */
public final class JournalLogging {
    private JournalLogging() {}

    /** What {@code --log-level} accepts; libraries are held at warnings unless the level is debug or trace. */
    public enum LogLevel {
        ERROR(Level.SEVERE), WARN(Level.WARNING), INFO(Level.INFO), DEBUG(Level.FINE), TRACE(Level.FINEST);

        final Level jul;

        LogLevel(Level jul) {
            this.jul = jul;
        }
    }

    /** What {@code --log-format} accepts. */
    public enum Format { TEXT, JSON }

    /** Strong references: java.util.logging holds loggers weakly, and a collected one forgets its level. */
    private static final Logger OURS = Logger.getLogger("io.xdprecon");

    /** The libraries whose chatter stays at warnings unless debugging. */
    private static final List<Logger> LIBRARIES = Stream.of("org.eclipse.jgit", "org.apache.sshd", "com.networknt")
            .map(Logger::getLogger).toList();

    /** Info lines as text: what the daemon and the demo log by default. */
    public static void install() {
        install(LogLevel.INFO, Format.TEXT);
    }

    public static void install(LogLevel level, Format format) {
        boolean journal = System.getenv("JOURNAL_STREAM") != null;
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler = new ConsoleHandler(); // writes to stderr, which systemd connects to the journal
        handler.setLevel(level.jul);
        handler.setFormatter(switch (format) {
            case TEXT -> journal ? new JournalFormatter() : new TerminalFormatter();
            case JSON -> new JsonFormatter(journal);
        });
        root.addHandler(handler);
        // The JDK's own loggers (java.lang.Runtime, sun.net…) stay at info even when debugging ours.
        root.setLevel(level.jul.intValue() < Level.INFO.intValue() ? Level.INFO : level.jul);
        OURS.setLevel(level.jul);
        Level libraries = level.jul.intValue() <= Level.FINE.intValue() || level.jul.intValue() > Level.WARNING.intValue()
                ? level.jul : Level.WARNING;
        for (Logger library : LIBRARIES) {
            library.setLevel(libraries);
        }
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
            // Escaped: a control character quoted from input (a commit subject, a config key) moves no cursor.
            for (String line : Escape.lines(formatMessage(record)).split("\n")) {
                out.append(prefix).append(line).append('\n');
            }
            if (record.getThrown() != null) {
                out.append(prefix).append(Escape.line(record.getThrown().toString())).append('\n');
            }
            return out.toString();
        }
    }

    static final class TerminalFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            return String.format("%1$tT %2$-7s %3$s%n%4$s", record.getMillis(), record.getLevel().getName(),
                    Escape.lines(formatMessage(record)),
                    record.getThrown() == null ? "" : Escape.line(record.getThrown().toString()) + "\n");
        }
    }

    /**
     * One JSON object per line: time, level (ERROR/WARN/INFO/DEBUG/TRACE), logger, message, and the exception
     * with its stack trace when there is one. Under journald the priority prefix stays in front.
     */
    static final class JsonFormatter extends Formatter {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final boolean journal;

        JsonFormatter(boolean journal) {
            this.journal = journal;
        }

        @Override
        public String format(LogRecord record) {
            Map<String, String> line = new LinkedHashMap<>();
            line.put("time", Instant.ofEpochMilli(record.getMillis()).toString());
            line.put("level", levelName(record.getLevel()));
            line.put("logger", record.getLoggerName() == null ? "" : record.getLoggerName());
            line.put("message", formatMessage(record));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.put("error", trace.toString());
            }
            try {
                return (journal ? "<" + priority(record.getLevel()) + ">" : "") + JSON.writeValueAsString(line) + "\n";
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a map of strings is always JSON", e);
            }
        }

        static String levelName(Level level) {
            for (LogLevel candidate : LogLevel.values()) {
                if (level.intValue() >= candidate.jul.intValue()) {
                    return candidate.name();
                }
            }
            return LogLevel.TRACE.name();
        }
    }
}
