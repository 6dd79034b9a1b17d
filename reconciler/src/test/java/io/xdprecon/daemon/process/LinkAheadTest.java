package io.xdprecon.daemon.process;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** The daemon links native calls ahead by class name: a rename in the dataplane must not silently undo that. */
class LinkAheadTest {
    @Test
    void everyClassLinkedAheadExists() {
        assertFalse(DaemonProcess.LINKED_AHEAD.isEmpty());
        assertDoesNotThrow(() -> Class.forName(DaemonProcess.LIBRARIES, false, DaemonProcess.class.getClassLoader()));
        for (String name : DaemonProcess.LINKED_AHEAD) {
            assertDoesNotThrow(() -> Class.forName(name, false, DaemonProcess.class.getClassLoader()), name);
        }
    }
}
