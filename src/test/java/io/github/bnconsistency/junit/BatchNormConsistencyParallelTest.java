package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Several test classes with different models checked at once under JUnit's parallel execution: the checks
 * themselves overlap (not only the test bodies), and each gets its own model, data, settings and verdict.
 */
class BatchNormConsistencyParallelTest {

    private static final int CLASSES = 4;

    /** How long a check waits for the others to start; checks that take turns fail the test after it. */
    private static final Duration WAIT_FOR_THE_OTHERS = Duration.ofSeconds(60);

    // Test-only shared state, set afresh by the test before each run: what the fixtures' checks saw.
    private static volatile ChecksInFlight inFlight;

    /**
     * Records, for each check, whether the checks of all four models were in flight together. The probe data calls
     * {@link #started} when the check first reads it, inside the check (the engine reads the data while it holds
     * the model), and the call returns only when every check has got that far, or at the deadline. So every check
     * records true only if all four ran at once; checks that take turns record false, after the deadline, instead
     * of hanging.
     */
    private static final class ChecksInFlight {
        private final CountDownLatch started = new CountDownLatch(CLASSES);
        private final long deadline = System.nanoTime() + WAIT_FOR_THE_OTHERS.toNanos();
        private final Map<String, Boolean> sawTheOthers = new ConcurrentHashMap<>();

        void started(String check) {
            started.countDown();
            try {
                boolean allStarted = started.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                // the last to start after the deadline finds the count at zero, but the others were done by then
                sawTheOthers.put(check, allStarted && System.nanoTime() < deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sawTheOthers.put(check, false);
            }
        }
    }

    /** One batch whose first read, inside the check, reports the check started and waits for the others. */
    private static DataSetIterator probeOf(String check, DataSet batch) {
        return new ExistingDataSetIterator(List.of(batch)) {
            private boolean reported;

            @Override
            public boolean hasNext() {
                if (!reported) {
                    reported = true;
                    inFlight.started(check);
                }
                return super.hasNext();
            }
        };
    }

    @Test
    void should_check_several_classes_with_different_models_at_once() {
        // Built before the run, so that no check waits for another class's model to be trained.
        assertThat(List.of(Fixtures.Story.DIVERGING, Fixtures.Story.CONVERGED)).doesNotContainNull();
        ChecksInFlight checks = new ChecksInFlight();
        inFlight = checks;

        EngineExecutionResults results = Fixtures.run(
                List.of(StoryDiverging.class, StoryConverged.class, TinyDiverging.class, TinyConverged.class),
                "junit.jupiter.execution.parallel.enabled",
                "true",
                "junit.jupiter.execution.parallel.mode.default",
                "concurrent",
                "junit.jupiter.execution.parallel.mode.classes.default",
                "concurrent",
                "junit.jupiter.execution.parallel.config.strategy",
                "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism",
                "8");

        assertThat(checks.sawTheOthers)
                .as("each check saw the checks of the other three models in flight")
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "storyDiverging", true, "storyConverged", true, "tinyDiverging", true, "tinyConverged", true));
        results.testEvents()
                .assertStatistics(stats -> stats.started(CLASSES).succeeded(2).failed(2));
        assertThat(Fixtures.failure(results, "storyDiverging"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn1 (BN layer 1 of 4");
        assertThat(Fixtures.failure(results, "tinyDiverging"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn (BN layer 1 of 1");
        assertThat(Fixtures.failure(results, "storyConverged")).isNull();
        assertThat(Fixtures.failure(results, "tinyConverged")).isNull();
        assertThat(Fixtures.reportEntries(results, "storyDiverging"))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.ROOT_LAYER, "bn1"));
        assertThat(Fixtures.reportEntries(results, "tinyDiverging"))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.ROOT_LAYER, "bn"));
    }

    // ---- Fixtures: run only through EngineTestKit (surefire excludes the "fixture" tag). ----

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-3)
    static class StoryDiverging {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSetIterator probe() {
            return probeOf("storyDiverging", Fixtures.Story.data());
        }

        @Test
        void storyDiverging() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-4)
    static class StoryConverged {
        MultiLayerNetwork model = Fixtures.Story.CONVERGED;

        @ConsistencyData
        DataSetIterator probe() {
            return probeOf("storyConverged", Fixtures.Story.data());
        }

        @Test
        void storyConverged() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-3)
    static class TinyDiverging {
        MultiLayerNetwork model = Fixtures.Tiny.diverging();

        @ConsistencyData
        DataSetIterator probe() {
            return probeOf("tinyDiverging", new DataSet(Fixtures.Tiny.features(), null));
        }

        @Test
        void tinyDiverging() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-6)
    static class TinyConverged {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        DataSetIterator probe() {
            return probeOf("tinyConverged", new DataSet(Fixtures.Tiny.features(), null));
        }

        @Test
        void tinyConverged() {}
    }
}
