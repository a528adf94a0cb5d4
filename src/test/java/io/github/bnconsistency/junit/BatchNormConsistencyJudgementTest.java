package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The extension's judgement ({@code judgeBy}, {@code minAgreement}) and training batch size
 * ({@code trainingBatchSize}), each resolved method > class > configuration parameter > default. The prediction
 * agreement is counted here from {@code model.output(x, false)} and the training path of a copy (one probe batch,
 * so the reference is the training path).
 */
class BatchNormConsistencyJudgementTest {

    /** How many of the story's 12 images the diverging model classifies alike at inference and in training. */
    private static int storyAgreements() {
        DataSet data = Fixtures.Story.data();
        INDArray inference = Fixtures.Story.DIVERGING.output(data.getFeatures(), false);
        INDArray training = Fixtures.Story.DIVERGING.clone().output(data.getFeatures(), true);
        int same = 0;
        for (int n = 0; n < inference.rows(); n++) {
            same += inference.getRow(n).argMax().getInt(0)
                            == training.getRow(n).argMax().getInt(0)
                    ? 1
                    : 0;
        }
        return same;
    }

    @Test
    void should_judge_by_predictions_at_the_agreement_counted_by_hand() {
        int agree = storyAgreements();
        assertThat(agree)
                .as("the story model must disagree on some images, not all")
                .isBetween(1, 11);

        EngineExecutionResults atIt = Fixtures.run(
                ByPredictions.class, BatchNormConsistency.MIN_AGREEMENT_KEY, Double.toString(agree / 12.0));
        assertThat(Fixtures.failure(atIt, "inheritsTheConfiguredAgreement")).isNull();
        assertThat(Fixtures.reportEntries(atIt, "inheritsTheConfiguredAgreement"))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, ReportEntries.CONSISTENT));

        EngineExecutionResults above = Fixtures.run(
                ByPredictions.class, BatchNormConsistency.MIN_AGREEMENT_KEY, Double.toString((agree + 1) / 12.0));
        assertThat(Fixtures.failure(above, "inheritsTheConfiguredAgreement"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("\nExpecting inference predictions to match training predictions on at least ")
                .hasMessageContaining("but they matched on " + agree + "/12 (")
                .hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.reportEntries(above, "inheritsTheConfiguredAgreement"))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, ReportEntries.DIVERGES));
        // The method's attribute beats the configuration parameter.
        assertThat(Fixtures.failure(above, "setsItsOwnAgreement")).isNull();
        // The method's judgement beats the class's: outputs differ by ~0.5 > 1e-3.
        assertThat(Fixtures.failure(above, "judgesByOutputs"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("\nExpecting inference outputs to match training outputs within 0.001");
    }

    @Test
    void should_judge_by_statistics_when_the_configuration_says_so() {
        // tolerance 10: the outputs pass; the statistics of bn1 have not converged.
        EngineExecutionResults byOutputs = Fixtures.run(LooseOutputs.class);
        assertThat(Fixtures.failure(byOutputs, "test")).isNull();
        assertThat(Fixtures.reportEntries(byOutputs))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, ReportEntries.CONSISTENT));

        EngineExecutionResults byStatistics =
                Fixtures.run(LooseOutputs.class, BatchNormConsistency.JUDGE_BY_KEY, " Statistics ");
        assertThat(Fixtures.failure(byStatistics, "test"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("\nExpecting the moving statistics of every BatchNormalization layer to match "
                        + "the probe data within normalized divergence 0.05,")
                .hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.reportEntries(byStatistics))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, ReportEntries.DIVERGES));
    }

    @Test
    void should_pass_the_training_batch_size_to_the_inspection_method_over_class_over_configuration(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path reports) {
        String directory = BatchNormConsistency.REPORT_DIRECTORY_KEY;
        // The model's moving statistics are its one 16-example batch's: right at 16; at batches of 4 the outputs
        // differ, within the noise 16 examples leave at that size: the report file says which size was judged.
        EngineExecutionResults results =
                Fixtures.run(BatchSizes.class, directory, reports.resolve("a").toString());
        assertThat(Fixtures.failure(results, "notGiven")).isNull();
        assertThat(Fixtures.failure(results, "givenSixteen")).isNull();
        assertThat(judgedBatchSize(results, "notGiven")).isEqualTo(16);
        assertThat(judgedBatchSize(results, "givenSixteen")).isEqualTo(16);
        assertThat(judgedBatchSize(results, "givenFour")).isEqualTo(4);

        EngineExecutionResults configured = Fixtures.run(
                BatchSizes.class,
                BatchNormConsistency.TRAINING_BATCH_SIZE_KEY,
                "4",
                directory,
                reports.resolve("b").toString());
        assertThat(judgedBatchSize(configured, "notGiven")).isEqualTo(4);
        assertThat(judgedBatchSize(configured, "givenSixteen")).isEqualTo(16);
        assertThat(Fixtures.failure(configured, "givenSixteen")).isNull();

        EngineExecutionResults classOverConfiguration = Fixtures.run(
                ClassBatchSize.class,
                BatchNormConsistency.TRAINING_BATCH_SIZE_KEY,
                "4",
                directory,
                reports.resolve("c").toString());
        assertThat(Fixtures.failure(classOverConfiguration, "test")).isNull();
        assertThat(judgedBatchSize(classOverConfiguration, "test")).isEqualTo(16);
    }

    /** The training batch size the test's JSON report was judged at. */
    private static int judgedBatchSize(EngineExecutionResults results, String method) {
        String file = Fixtures.reportEntries(results, method).stream()
                .map(entry -> entry.get(ReportEntries.REPORT_FILE))
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no report file for " + method));
        try {
            return io.github.bnconsistency.report.JsonReport.parse(
                            java.nio.file.Files.readString(java.nio.file.Path.of(file)))
                    .reference()
                    .trainingBatchSize();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- Fixtures: run only through EngineTestKit (surefire excludes the "fixture" tag). ----

    @Tag("fixture")
    @BatchNormConsistency(judgeBy = JudgeBy.PREDICTIONS)
    static class ByPredictions {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void inheritsTheConfiguredAgreement() {}

        @Test
        @BatchNormConsistency(minAgreement = 0.01)
        void setsItsOwnAgreement() {}

        @Test
        @BatchNormConsistency(judgeBy = JudgeBy.OUTPUTS)
        void judgesByOutputs() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 10)
    static class LooseOutputs {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-6)
    static class BatchSizes {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe() {
            return Fixtures.Tiny.features();
        }

        @Test
        void notGiven() {}

        @Test
        @BatchNormConsistency(trainingBatchSize = 16)
        void givenSixteen() {}

        @Test
        @BatchNormConsistency(trainingBatchSize = 4)
        void givenFour() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-6, trainingBatchSize = 16)
    static class ClassBatchSize {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe() {
            return Fixtures.Tiny.features();
        }

        @Test
        void test() {}
    }
}
