package io.xdprecon.tests.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * {@link PinRootPerTest} removes a test's pins when the test fails: {@link OnPurpose}'s tests, one failing and one
 * passing, run in a JUnit launch of their own, each with a datapath the extension loaded and an empty pin root in
 * which the test pinned a datapath itself; afterwards none of their pin roots is left, and the failure is the test's
 * own (a teardown that threw would stand beside it, suppressed).
 */
class PinRootPerTestTest {
    /** The configuration parameter that lets {@link OnPurpose} run: set only by this test's launch. */
    private static final String LAUNCHED = "xdprecon.PinRootPerTestTest.launched";
    private static final String ON_PURPOSE = "fails on purpose";
    /** The pin roots {@link OnPurpose}'s tests saw pinned. */
    private static final List<Path> seenPinned = new ArrayList<>();

    @Test
    void aFailingTestsPinRootsAreRemovedAndItsFailureIsItsOwn() {
        seenPinned.clear();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(OnPurpose.class))
                .configurationParameter(LAUNCHED, "true")
                .build(), listener);
        TestExecutionSummary summary = listener.getSummary();

        assertEquals(2, summary.getTestsStartedCount(), "both tests ran");
        assertEquals(1, summary.getTestsSucceededCount(), "the passing one passed, teardown and all");
        assertEquals(1, summary.getTestsFailedCount());
        Throwable failure = summary.getFailures().getFirst().getException();
        assertEquals(ON_PURPOSE, failure.getMessage());
        assertEquals(0, failure.getSuppressed().length, "the teardown failed too: " + List.of(failure.getSuppressed()));
        assertEquals(4, seenPinned.size(), "each test saw both its pin roots pinned: " + seenPinned);
        seenPinned.forEach(path -> assertFalse(Files.exists(path), path + " left behind"));
    }

    /** Not a test of Maven's run: {@link OnPurpose} runs only in the launch above. */
    static final class OnlyInTheLaunchAbove implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(LAUNCHED).isPresent()
                    ? ConditionEvaluationResult.enabled("launched by PinRootPerTestTest")
                    : ConditionEvaluationResult.disabled("fails on purpose: run only by PinRootPerTestTest");
        }
    }

    @ExtendWith(OnlyInTheLaunchAbove.class)
    static class OnPurpose {
        @RegisterExtension
        final PinRootPerTest loaded = PinRootPerTest.withDatapath(1024);
        @RegisterExtension
        final PinRootPerTest empty = PinRootPerTest.empty();

        /** Both pin roots pinned: a rule in the extension's datapath, and a datapath the test loads (and leaves pinned). */
        private void pinBoth() {
            loaded.datapath().rules().put(FlowKey.of(3, "10.0.0.1", 1, "10.0.0.2", 2),
                    new FlowRule(FlowKey.of(4, "10.0.0.2", 3, "10.0.0.3", 4), Owner.CONFIG));
            try (Datapath own = Datapath.load(empty.path(), 1024)) {
                assertEquals(1, loaded.datapath().rules().readAll().size());
            }
            for (PinRootPerTest pins : List.of(loaded, empty)) {
                assertTrue(Datapath.isPinned(pins.path()), pins.path() + " pinned");
                seenPinned.add(pins.path());
            }
        }

        @Test
        void fails() {
            pinBoth();
            throw new AssertionError(ON_PURPOSE);
        }

        @Test
        void passes() {
            pinBoth();
        }
    }
}
