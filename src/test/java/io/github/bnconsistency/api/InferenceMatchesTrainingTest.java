package io.github.bnconsistency.api;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.ProbeSummary;
import io.github.bnconsistency.report.Reference;
import io.github.bnconsistency.testing.OneShotIterators.OneShotDataSetIterator;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class InferenceMatchesTrainingTest {

    @Test
    void should_pass_when_moving_statistics_equal_the_data_statistics() {
        assertThat(ApiFixtures.converged()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-9);
    }

    @Test
    void should_fail_with_the_report_when_moving_statistics_diverge() {
        MultiLayerNetwork model = ApiFixtures.diverging();

        assertThatThrownBy(() -> assertThat(model).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith(
                        "\nExpecting inference outputs to match training outputs within 0.001,\nbut max |train - inference| was ")
                .hasMessageContaining(
                        "Root cause: bn (BN layer 1 of 1, layer index 0) moving statistics have not converged")
                .hasMessageContaining("1 of 1 BatchNormalization layers diverge (layer tolerance 0.05):")
                .hasMessageContaining(
                        "  layer  off  channels off  D (max)  max mean shift  var ratio    input drift  noise  updates needed")
                .hasMessageContaining("Fix: ")
                .hasMessageContaining(
                        "Checked on 1 batch, 16 examples (INDArray, first batch [16, 3]); MultiLayerNetwork, DOUBLE.");
    }

    @Test
    void should_say_when_no_layer_explains_the_difference() {
        // converged statistics, DOUBLE precision: the paths differ only by rounding, far below 1e-300
        assertThatThrownBy(() ->
                        assertThat(ApiFixtures.converged()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-300))
                .hasMessageContaining("No BatchNormalization layer's own statistics explain it: the difference comes "
                        + "from float rounding through a deep network (compare in DOUBLE)")
                .hasMessageContaining(
                        "The BatchNormalization layer has converged moving statistics (layer tolerance 0.05).");
    }

    @Test
    void should_show_the_description_first() {
        assertThatThrownBy(() -> assertThat(ApiFixtures.diverging())
                        .as("classifier v2")
                        .inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3))
                .hasMessageStartingWith("[classifier v2] \nExpecting inference outputs");
    }

    @Test
    void should_pass_on_a_model_without_batch_normalization_despite_its_dropout() {
        assertThat(ApiFixtures.withoutBatchNorm()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-12);
    }

    @Test
    void should_say_there_is_no_batch_normalization_layer_when_such_a_model_fails() {
        ConsistencyReport report = new ConsistencyReport(
                "MultiLayerNetwork",
                "FLOAT",
                new ProbeSummary("INDArray", 1, 4, "[4, 3]", 4),
                0.05,
                List.of(),
                new OutputDivergence(4, 8, 0.5, 0.2, 0, 0, Optional.empty(), 4, 3, 0, 0, 0, Optional.empty()),
                Reference.none(4, Reference.BatchSizeSource.PROBE_BATCH_SIZE),
                List.of(),
                List.of());

        assertThatThrownBy(() -> assertThat(report).inferenceMatchesTraining(1e-3))
                .hasMessageContaining("but max |train - inference| was 0.5 (mean 0.2; argmax agreement 3/4)")
                .hasMessageContaining(
                        "The MultiLayerNetwork has no BatchNormalization layer, so moving statistics cannot be the cause");
    }

    @Test
    void should_report_non_finite_inference_outputs() {
        ConsistencyReport report = new ConsistencyReport(
                "ComputationGraph",
                "FLOAT",
                new ProbeSummary("INDArray", 1, 4, "[4, 3]", 4),
                0.05,
                List.of(),
                new OutputDivergence(
                        4,
                        8,
                        Double.POSITIVE_INFINITY,
                        Double.NaN,
                        0,
                        8,
                        Optional.of("vertex 'conv1'"),
                        4,
                        0,
                        0,
                        0,
                        0,
                        Optional.empty()),
                Reference.none(4, Reference.BatchSizeSource.PROBE_BATCH_SIZE),
                List.of(),
                List.of());

        assertThatThrownBy(() -> assertThat(report).inferenceMatchesTraining(1e-3))
                .hasMessageContaining("but 8 inference and 0 training output values were NaN or infinite "
                        + "(at inference the first non-finite activation is at vertex 'conv1').");
    }

    @Test
    void should_consume_a_one_shot_iterator_once_for_the_whole_chain() {
        OneShotDataSetIterator iterator = new OneShotDataSetIterator(
                List.of(new DataSet(ApiFixtures.FEATURES, null), new DataSet(ApiFixtures.FEATURES, null)));

        assertThat(ApiFixtures.converged())
                .inferenceMatchesTraining(iterator, 1e-9)
                .hasConvergedBatchNormStatistics()
                .batchNormLayer("bn")
                .hasConvergedStatistics();
        assertThat(iterator.taken()).isEqualTo(2);
    }

    @Test
    void should_read_a_one_shot_iterator_passed_again_to_the_next_assertion_only_once() {
        OneShotDataSetIterator iterator = new OneShotDataSetIterator(List.of(new DataSet(ApiFixtures.FEATURES, null)));

        assertThat(ApiFixtures.converged())
                .inferenceMatchesTraining(iterator, 1e-9)
                .hasConvergedBatchNormStatistics(iterator)
                .hasConvergedBatchNormStatistics(0.1);
        assertThat(iterator.taken()).isEqualTo(1);
    }

    @Test
    void should_read_probe_data_passed_again_to_the_next_assertion_only_once() {
        OneShotDataSetIterator iterator = new OneShotDataSetIterator(List.of(new DataSet(ApiFixtures.FEATURES, null)));
        ProbeData probe = ProbeData.of(iterator);

        assertThat(ApiFixtures.converged())
                .inferenceMatchesTraining(probe, 1e-9)
                .hasConvergedBatchNormStatistics(probe)
                .hasConvergedBatchNormStatistics(probe, 0.1);
        assertThat(iterator.taken()).isEqualTo(1);
    }

    @Test
    void should_say_why_labels_that_do_not_fit_the_outputs_give_no_accuracy() {
        DataSet wrongLabels = new DataSet(ApiFixtures.FEATURES, org.nd4j.linalg.factory.Nd4j.zeros(16, 2));

        assertThatThrownBy(() -> assertThat(ApiFixtures.diverging()).inferenceMatchesTraining(wrongLabels, 1e-3))
                .hasMessageContaining(
                        "; labels of shape [16, 2] do not match outputs of shape [16, 3], so no accuracy)");
    }

    @Test
    void should_point_at_the_callers_line() {
        // catchThrowable and a cast, not catchThrowableOfType: its argument order changed in AssertJ 3.26, and these
        // tests also run against the oldest AssertJ the library supports (the assertj-compat profile)
        AssertionError failure = (AssertionError) org.assertj.core.api.Assertions.catchThrowable(
                () -> assertThat(ApiFixtures.diverging()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3));

        assertThat(failure.getStackTrace()[0].getClassName()).isEqualTo(InferenceMatchesTrainingTest.class.getName());
    }

    @Test
    void should_reject_a_tolerance_that_is_not_positive_and_finite() {
        for (double tolerance : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> assertThat(ApiFixtures.converged())
                            .inferenceMatchesTraining(ApiFixtures.FEATURES, tolerance))
                    .withMessage("The output tolerance must be a positive finite number, but was " + tolerance + ".");
        }
    }

    @Test
    void should_fail_for_a_null_model() {
        assertThatThrownBy(
                        () -> assertThat((MultiLayerNetwork) null).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("The model to check is null: assertThat(...) got a null MultiLayerNetwork.");
    }

    @Test
    void should_ask_for_probe_data_when_none_was_given() {
        assertThatIllegalStateException()
                .isThrownBy(() -> assertThat(ApiFixtures.converged()).inferenceMatchesTraining(1e-3))
                .withMessageContaining("No probe data: call probedWith(data) first");
    }
}
