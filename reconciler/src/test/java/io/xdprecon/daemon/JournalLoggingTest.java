package io.xdprecon.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Log lines as journald reads them: a syslog priority on every line, nothing else added. */
class JournalLoggingTest {

    @Test
    void everyLineCarriesItsPriorityForJournald() {
        JournalLogging.JournalFormatter formatter = new JournalLogging.JournalFormatter();
        assertEquals("<3>rejected revision abc:\n<3>  flows.yaml:7:15: bad port\n",
                formatter.format(new LogRecord(Level.SEVERE, "rejected revision abc:\n  flows.yaml:7:15: bad port")));
        assertEquals("<4>corrected drift\n", formatter.format(new LogRecord(Level.WARNING, "corrected drift")));
        assertEquals("<6>applied revision abc\n", formatter.format(new LogRecord(Level.INFO, "applied revision abc")));
        assertEquals("<7>detail\n", formatter.format(new LogRecord(Level.FINE, "detail")));
    }

    @Test
    void controlCharactersInAMessageAreEscapedSoTheyMoveNoCursor() {
        String quoted = "rejected revision abc (\u001b[2Jsubject\u009b31m\r)";
        assertEquals("<3>rejected revision abc (\\x1b[2Jsubject\\u009b31m\\r)\n",
                new JournalLogging.JournalFormatter().format(new LogRecord(Level.SEVERE, quoted)));
        String line = new JournalLogging.TerminalFormatter().format(new LogRecord(Level.SEVERE, quoted));
        assertTrue(line.endsWith(" rejected revision abc (\\x1b[2Jsubject\\u009b31m\\r)\n"), line);
    }

    @Test
    void aTerminalGetsTimeAndLevelWords() {
        String line = new JournalLogging.TerminalFormatter().format(new LogRecord(Level.WARNING, "corrected drift"));
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d WARNING corrected drift\\n"), line);
    }

    @Test
    void jsonLinesAreOneObjectPerRecordWithTheMessageWhole() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "rejected revision abc:\n  flows.yaml:7:15: bad \"port\"");
        record.setLoggerName("io.xdprecon.daemon.Daemon");
        record.setThrown(new IllegalStateException("boom"));
        String line = new JournalLogging.JsonFormatter(false).format(record);
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals("WARN", json.get("level").asText());
        assertEquals("io.xdprecon.daemon.Daemon", json.get("logger").asText());
        assertEquals("rejected revision abc:\n  flows.yaml:7:15: bad \"port\"", json.get("message").asText());
        assertEquals(Instant.ofEpochMilli(record.getMillis()).toString(), json.get("time").asText());
        assertTrue(json.get("error").asText().startsWith("java.lang.IllegalStateException: boom"), line);

        String journal = new JournalLogging.JsonFormatter(true).format(new LogRecord(Level.FINE, "detail"));
        assertTrue(journal.startsWith("<7>{"), "journald's priority stays in front: " + journal);
        assertEquals("DEBUG", new ObjectMapper().readTree(journal.substring(3)).get("level").asText());
    }
}
