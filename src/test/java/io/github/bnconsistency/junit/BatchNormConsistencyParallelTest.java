package io.github.bnconsistency.junit;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several test classes with different models checked at once under JUnit's parallel execution: each gets its
 * own model, data, settings and verdict.
 */
class BatchNormConsistencyParallelTest {

    private static final int CLASSES = 4;

    // Test-only shared state: every fixture body waits here until all four run at the same time, which proves
    // the classes really ran concurrently. Set afresh by the test before each run.
    private static volatile CountDownLatch allRunning;

    @Test
    void should_check_several_classes_with_different_models_at_once() {
        allRunning = new CountDownLatch(CLASSES);

        EngineExecutionResults results = Fixtures.run(
                List.of(StoryDiverging.class, StoryConverged.class, TinyDiverging.class, TinyConverged.class),
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "8");

        results.testEvents().assertStatistics(stats -> stats.started(CLASSES).succeeded(2).failed(2));
        assertThat(Fixtures.failure(results, "storyDiverging")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn1 (BN layer 1 of 4");
        assertThat(Fixtures.failure(results, "tinyDiverging")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn (BN layer 1 of 1");
        assertThat(Fixtures.failure(results, "storyConverged")).isNull();
        assertThat(Fixtures.failure(results, "tinyConverged")).isNull();
        assertThat(Fixtures.reportEntries(results, "storyDiverging")).singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.ROOT_LAYER, "bn1"));
        assertThat(Fixtures.reportEntries(results, "tinyDiverging")).singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.ROOT_LAYER, "bn"));
    }

    private static void waitForTheOthers() throws InterruptedException {
        allRunning.countDown();
        assertThat(allRunning.await(60, TimeUnit.SECONDS)).as("all fixture classes run at the same time").isTrue();
    }

    // ---- Fixtures: run only through EngineTestKit (surefire excludes the "fixture" tag). ----

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-3)
    static class StoryDiverging {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void storyDiverging() throws InterruptedException {
            waitForTheOthers();
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-4)
    static class StoryConverged {
        MultiLayerNetwork model = Fixtures.Story.CONVERGED;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void storyConverged() throws InterruptedException {
            waitForTheOthers();
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-3)
    static class TinyDiverging {
        MultiLayerNetwork model = Fixtures.Tiny.diverging();

        @ConsistencyData
        INDArray probe() {
            return Fixtures.Tiny.features();
        }

        @Test
        void tinyDiverging() throws InterruptedException {
            waitForTheOthers();
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-6)
    static class TinyConverged {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe() {
            return Fixtures.Tiny.features();
        }

        @Test
        void tinyConverged() throws InterruptedException {
            waitForTheOthers();
        }
    }
}
