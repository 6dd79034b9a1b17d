package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.lab.PinRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A pin root of its own for each test ({@link PinRoot}, {@code /sys/fs/bpf/xdprecon-test-ID}), empty or with a
 * {@link Datapath} loaded into it: made before each test, and after it — whether the test, or the load, failed or not —
 * the datapath closed, the pin root removed with every pin in it, and checked gone ("pin root left behind" fails the
 * test). Registered as a field:
 * <pre>{@code @RegisterExtension final PinRootPerTest pins = PinRootPerTest.withDatapath(0);}</pre>
 *
 * <p>An extension, not a try-with-resources block in each test: its users share the one datapath between several test
 * methods and their helpers, and JUnit runs {@link #afterEach} whatever the test threw. {@link PinRootPerTestTest}
 * proves the teardown on tests that fail on purpose.
 */
public final class PinRootPerTest implements BeforeEachCallback, AfterEachCallback {
    private static final int NO_DATAPATH = -1;

    private final int maxRules;
    private PinRoot pinRoot;
    private Datapath datapath;

    private PinRootPerTest(int maxRules) {
        this.maxRules = maxRules;
    }

    /** An empty pin root: the test loads, pins or migrates what it needs there itself. */
    public static PinRootPerTest empty() {
        return new PinRootPerTest(NO_DATAPATH);
    }

    /** A pin root holding {@link Datapath#load} of {@code maxRules} rules (0: the compiled capacity). */
    public static PinRootPerTest withDatapath(int maxRules) {
        if (maxRules < 0) {
            throw new IllegalArgumentException("maxRules " + maxRules + " < 0");
        }
        return new PinRootPerTest(maxRules);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        pinRoot = PinRoot.create();
        if (maxRules != NO_DATAPATH) {
            datapath = Datapath.load(pinRoot.path(), maxRules); // if it throws, afterEach still removes the pin root
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (pinRoot == null) {
            return; // PinRoot.create failed: nothing was made
        }
        Path path = pinRoot.path();
        try {
            if (datapath != null) {
                datapath.close();
            }
        } finally {
            datapath = null;
            pinRoot.close();
            pinRoot = null;
        }
        assertFalse(Files.exists(path), "pin root left behind: " + path);
    }

    /** This test's pin root. */
    public Path path() {
        if (pinRoot == null) {
            throw new IllegalStateException("a pin root exists only while a test runs");
        }
        return pinRoot.path();
    }

    /** The datapath loaded into {@link #path()} for this test. */
    public Datapath datapath() {
        if (maxRules == NO_DATAPATH) {
            throw new IllegalStateException("this pin root was made empty: PinRootPerTest.withDatapath loads one");
        }
        if (datapath == null) {
            throw new IllegalStateException("a datapath exists only while a test runs");
        }
        return datapath;
    }
}
