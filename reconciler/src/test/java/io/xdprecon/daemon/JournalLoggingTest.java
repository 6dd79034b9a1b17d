package io.xdprecon.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void aTerminalGetsTimeAndLevelWords() {
        String line = new JournalLogging.TerminalFormatter().format(new LogRecord(Level.WARNING, "corrected drift"));
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d WARNING corrected drift\\n"), line);
    }
}
